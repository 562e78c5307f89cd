/**
 * @file Pixels → model input x_0 and back. The steps are documented in docs/images.md:
 * composite alpha over white → grayscale (BT.601) or RGB → resize so the image just covers the
 * target (area average down, bilinear up) → centre-crop → invert when the polarity says so
 * (core/image/polarity.ts) → (v/255 − mean)/std.
 *
 * No ImageData or canvas: callers decode to RGBA bytes themselves, so this runs in a worker,
 * in Node and in tests alike. All intermediate values are floats (never re-quantised to bytes).
 */

import { DiffProbeError, quote } from '../errors';
import { type Shape, size } from '../tensor';
import { luma, rgbaToPlanes } from './color';
import { decidePolarity, type InvertMode, type PolarityDecision } from './polarity';
import { centerCrop, coverSize, resizePlanes } from './resize';

/** What the model wants (from the manifest's `input` and `preprocessing`). */
export interface ModelInputSpec {
  readonly channels: 1 | 3;
  readonly height: number;
  readonly width: number;
  /** Per channel, in units of pixel/255. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /**
   * Map v → 255 − v before normalising: per image from its background ('auto'), for every image
   * ('always') or none ('never', the default). See core/image/polarity.ts.
   */
  readonly invert?: InvertMode;
}

/** x_0 of one image and whether (and why) it was inverted. */
export interface ConvertedImage {
  /** CHW float32, length channels·height·width of the target. */
  readonly x0: Float32Array;
  readonly polarity: PolarityDecision;
}

/** The conversion target of a manifest, with a polarity mode (the manifest's unless given). */
export function modelInputSpec(
  manifest: {
    input: { channels: 1 | 3; height: number; width: number };
    preprocessing: { mean: readonly number[]; std: readonly number[]; invert: InvertMode };
  },
  invert: InvertMode = manifest.preprocessing.invert,
): ModelInputSpec {
  const { input, preprocessing } = manifest;
  return {
    channels: input.channels,
    height: input.height,
    width: input.width,
    mean: preprocessing.mean,
    std: preprocessing.std,
    invert,
  };
}

/** Refuse images above this many pixels: the float planes alone would take ~0.5 GB. */
export const MAX_IMAGE_PIXELS = 40_000_000;

function checkSpec(target: ModelInputSpec): void {
  const { channels, mean, std } = target;
  if (mean.length !== channels || std.length !== channels || !std.every((s) => s > 0)) {
    throw new DiffProbeError('internal', `invalid preprocessing mean ${quote(mean)} / std ${quote(std)}`, {
      channels,
    });
  }
}

/**
 * Normalise planar 0…255 values into a new array: optional invert, then
 * (v/255 − mean[c])/std[c] in float64, stored float32. Shared by every entry point so that a
 * data-set image and the same image uploaded as a PNG give bit-identical x_0 (and noise).
 */
function normalise(planes: Float32Array | Uint8Array, target: ModelInputSpec, invert: boolean): Float32Array {
  const plane = target.height * target.width;
  const out = new Float32Array(planes.length);
  for (let c = 0; c < target.channels; c++) {
    const m = target.mean[c];
    const s = target.std[c];
    for (let i = c * plane; i < (c + 1) * plane; i++) {
      const v = invert ? 255 - planes[i] : planes[i];
      out[i] = (v / 255 - m) / s;
    }
  }
  return out;
}

/** Grey levels of model-size planes: the plane itself for one channel, BT.601 luma for three. */
function lumaPlane(planes: Float32Array | Uint8Array, channels: 1 | 3, n: number): ArrayLike<number> {
  if (channels === 1) return planes;
  const out = new Float32Array(n);
  for (let p = 0; p < n; p++) out[p] = luma(planes[p], planes[n + p], planes[2 * n + p]);
  return out;
}

/**
 * Resized planes (0…255, CHW, h×w covering the target) → the polarity decision (made before the
 * crop, see polarity.ts), centre-crop, x_0.
 */
function finish(
  planes: Float32Array | Uint8Array,
  h: number,
  w: number,
  target: ModelInputSpec,
): ConvertedImage {
  const { channels } = target;
  const polarity = decidePolarity(lumaPlane(planes, channels, h * w), h, w, target.invert ?? 'never');
  const same = h === target.height && w === target.width;
  const cropped = same
    ? planes
    : centerCrop(
        planes instanceof Float32Array ? planes : Float32Array.from(planes),
        channels,
        h,
        w,
        target.height,
        target.width,
      );
  return { x0: normalise(cropped, target, polarity.inverted), polarity };
}

/**
 * Decoded RGBA bytes of any size → model input x_0 and its polarity decision.
 *
 * @param rgba interleaved RGBA, row-major, length 4·width·height (e.g. `ImageData.data`).
 * @throws DiffProbeError('image-empty') for a 0-pixel image, ('image-too-large') above MAX_IMAGE_PIXELS.
 * @example convertRgba(imageData.data, 640, 480, { channels: 1, height: 28, width: 28, mean: [0.5], std: [0.5], invert: 'auto' })
 */
export function convertRgba(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
  target: ModelInputSpec,
): ConvertedImage {
  checkSpec(target);
  if (!(width >= 1 && height >= 1)) {
    throw new DiffProbeError('image-empty', `image has no pixels (${quote(width)}×${quote(height)})`, {
      width,
      height,
    });
  }
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new DiffProbeError(
      'image-too-large',
      `image of ${width}×${height} pixels exceeds ${MAX_IMAGE_PIXELS}`,
      {
        width,
        height,
      },
    );
  }
  if (rgba.length !== 4 * width * height) {
    throw new DiffProbeError(
      'internal',
      `RGBA length ${quote(rgba.length)} does not match ${width}×${height}×4`,
    );
  }
  const { channels } = target;
  const planes = rgbaToPlanes(rgba, width, height, channels);
  const [rh, rw] = coverSize(height, width, target.height, target.width);
  const resized = resizePlanes(planes, channels, height, width, rh, rw);
  return finish(resized, rh, rw, target);
}

/** {@link convertRgba}'s x_0 alone: CHW float32, length channels·height·width of the target. */
export function rgbaToModelInput(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
  target: ModelInputSpec,
): Float32Array {
  return convertRgba(rgba, width, height, target).x0;
}

/**
 * Planar 0…255 values of any size and 1 or 3 channels → model input x_0: a grayscale source is
 * repeated to every channel of an RGB model, an RGB source goes through BT.601 luma for a
 * grayscale model; then the same cover-resize, centre-crop and normalisation as uploads. Used to
 * feed a data set made for one model (the bundled 28×28 Fashion-MNIST) to another model.
 *
 * @param planes CHW values in 0…255, length srcChannels·srcH·srcW.
 */
export function convertPlanes(
  planes: Float32Array | Uint8Array,
  srcChannels: 1 | 3,
  srcH: number,
  srcW: number,
  target: ModelInputSpec,
): ConvertedImage {
  checkSpec(target);
  const n = srcH * srcW;
  if (planes.length !== srcChannels * n)
    throw new DiffProbeError(
      'internal',
      `plane data of length ${quote(planes.length)} does not match ${srcChannels}×${srcH}×${srcW}`,
    );
  const { channels } = target;
  const adapted = new Float32Array(channels * n);
  if (srcChannels === channels) adapted.set(planes);
  else if (srcChannels === 1) for (let c = 0; c < channels; c++) adapted.set(planes, c * n);
  else for (let p = 0; p < n; p++) adapted[p] = luma(planes[p], planes[n + p], planes[2 * n + p]);
  const [rh, rw] = coverSize(srcH, srcW, target.height, target.width);
  const resized = rh === srcH && rw === srcW ? adapted : resizePlanes(adapted, channels, srcH, srcW, rh, rw);
  return finish(resized, rh, rw, target);
}

/** {@link convertPlanes}'s x_0 alone. */
export function planesToModelInput(
  planes: Float32Array | Uint8Array,
  srcChannels: 1 | 3,
  srcH: number,
  srcW: number,
  target: ModelInputSpec,
): Float32Array {
  return convertPlanes(planes, srcChannels, srcH, srcW, target).x0;
}

/**
 * Data-set pixels already at the target size → model input x_0 (no resize, no luma).
 *
 * @param pixels unsigned bytes in HWC order (interleaved for 3 channels), as in docs/data-format.md.
 * @returns Float32Array in CHW order.
 */
export function pixelsToModelInput(pixels: Uint8Array, target: ModelInputSpec): Float32Array {
  return convertPixels(pixels, target).x0;
}

/** Interleaved HWC bytes → planar CHW (a copy; one channel is returned as it is). */
function hwcToChw(hwc: Uint8Array, channels: 1 | 3, n: number): Uint8Array {
  if (channels === 1) return hwc;
  const out = new Uint8Array(hwc.length);
  for (let p = 0; p < n; p++) for (let c = 0; c < channels; c++) out[c * n + p] = hwc[p * channels + c];
  return out;
}

/**
 * An array image (IDX, .npy, a data set: HWC bytes) of any size and 1 or 3 channels → x_0 and its
 * polarity: at the model's size and channels exactly {@link convertPixels}, else resized and
 * channel-adapted like {@link convertPlanes}.
 */
export function convertHwc(
  pixels: Uint8Array,
  srcChannels: 1 | 3,
  srcH: number,
  srcW: number,
  target: ModelInputSpec,
): ConvertedImage {
  if (srcChannels === target.channels && srcH === target.height && srcW === target.width)
    return convertPixels(pixels, target);
  return convertPlanes(hwcToChw(pixels, srcChannels, srcH * srcW), srcChannels, srcH, srcW, target);
}

/** {@link pixelsToModelInput} with the polarity decision. */
export function convertPixels(pixels: Uint8Array, target: ModelInputSpec): ConvertedImage {
  checkSpec(target);
  const { channels, height, width } = target;
  const expected: Shape = [height, width, channels];
  if (pixels.length !== size(expected)) {
    throw new DiffProbeError(
      'internal',
      `pixel count ${quote(pixels.length)} does not match HWC ${quote(expected)}`,
    );
  }
  return finish(hwcToChw(pixels, channels, height * width), height, width, target);
}

/** Map model-space values to bytes: `range` [lo, hi] → 0…255, clamped and rounded. */
function toByte(v: number, lo: number, hi: number): number {
  const b = Math.round(((v - lo) / (hi - lo)) * 255);
  return Math.min(255, Math.max(0, b));
}

/**
 * Model-space CHW image → 8-bit grayscale for thumbnails. 3-channel inputs go through BT.601
 * luma. Shows what the model sees, so an inverted data set stays inverted.
 *
 * @param range the manifest's `input.range`, e.g. [-1, 1].
 * @returns Uint8ClampedArray of length h·w, row-major.
 */
export function modelInputToGray8(
  x: Float32Array,
  channels: 1 | 3,
  h: number,
  w: number,
  range: readonly [number, number],
): Uint8ClampedArray {
  const n = h * w;
  const [lo, hi] = range;
  const out = new Uint8ClampedArray(n);
  for (let p = 0; p < n; p++) {
    const v = channels === 1 ? x[p] : (299 * x[p] + 587 * x[n + p] + 114 * x[2 * n + p]) / 1000;
    out[p] = toByte(v, lo, hi);
  }
  return out;
}

/**
 * Model-space CHW image → interleaved HWC bytes, one per channel (for PixelCanvas): x_t, x̂_0 and
 * generated samples as the model sees them.
 *
 * @returns Uint8Array of length channels·h·w, row-major, channels interleaved.
 */
export function modelInputToHwc8(
  x: Float32Array,
  channels: number,
  h: number,
  w: number,
  range: readonly [number, number],
): Uint8Array {
  const n = h * w;
  const [lo, hi] = range;
  const out = new Uint8Array(channels * n);
  for (let c = 0; c < channels; c++)
    for (let p = 0; p < n; p++) out[p * channels + c] = toByte(x[c * n + p], lo, hi);
  return out;
}

/**
 * Model-space CHW image → opaque RGBA bytes (ready for `new ImageData(out, w, h)`).
 * 1 channel is replicated to R, G and B.
 *
 * @returns Uint8ClampedArray of length 4·h·w.
 */
export function modelInputToRgba(
  x: Float32Array,
  channels: 1 | 3,
  h: number,
  w: number,
  range: readonly [number, number],
): Uint8ClampedArray {
  const n = h * w;
  const [lo, hi] = range;
  const out = new Uint8ClampedArray(4 * n);
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) out[4 * p + c] = toByte(x[channels === 1 ? p : c * n + p], lo, hi);
    out[4 * p + 3] = 255;
  }
  return out;
}
