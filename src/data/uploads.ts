/**
 * @file The user's own images: decode a file in the browser (nothing is uploaded anywhere), check
 * it first (type, size, emptiness), convert it to the model's input with the documented resize +
 * centre-crop + grayscale + polarity + normalisation (core/image), and keep a small preview of the
 * original. Images arrive in batches (one pick of files, one folder, one paste or camera frame);
 * the user can override the polarity ('auto' / 'always' / 'never') for a whole batch.
 */
import { DiffProbeError, quote } from '../core/errors';
import { convertRgba, MAX_IMAGE_PIXELS, modelInputToHwc8 } from '../core/image/convert';
import type { InvertMode, PolarityDecision } from '../core/image/polarity';
import { sniffImage } from '../core/image/sniff';
import type { Manifest } from '../core/manifest/types';
import { sha256Hex } from '../core/sha256';

export interface UploadedImage {
  /** "upload:" + the first 12 hex digits of the sha256 of the file's bytes: the same for every model. */
  id: string;
  name: string;
  /** The original file's bytes, kept so the image can be converted again for another model. */
  file: Blob;
  /** Model input x_0, CHW float32 (empty while `status` is not 'ready'). */
  x0: Float32Array;
  /**
   * The converted image as bytes at model size, channels interleaved (HWC): what the model sees,
   * in colour for an RGB model, for thumbnails.
   */
  converted: Uint8Array;
  /** A small RGBA preview of the original (longest side ≤ PREVIEW). */
  preview: { rgba: Uint8ClampedArray; width: number; height: number };
  /** Class name from a folder ("ImageFolder" layout), or null. */
  className: string | null;
  /** The batch it was added in (UploadBatch.id): a folder, a pick of files, a paste. */
  batch: string;
  /** Whether (and why) x0 was inverted; null while `status` is not 'ready'. */
  polarity: PolarityDecision | null;
  /** Notes about the conversion, e.g. "animated GIF: first frame used". */
  notes: string[];
  /** inputKey() of the manifest that x0 and converted were made for (or failed for); '' while converting. */
  decodedFor: string;
  /**
   * 'ready': x0 is this model's input. 'converting': it waits to be converted again for the model
   * just opened (x0 and converted are empty meanwhile). 'failed': it cannot be (see `error`).
   */
  status: 'ready' | 'converting' | 'failed';
  /** Why it cannot be converted for the loaded model, naming the file. */
  error?: string;
}

/** Images added together (a folder, a pick of files, a paste, a camera frame). */
export interface UploadBatch {
  id: string;
  /** "clothes/" for a folder, the file's name for one file, "5 files" for a pick. */
  label: string;
  /** The user's polarity choice for every image of the batch; null follows the model's manifest. */
  invert: InvertMode | null;
}

/** The polarity mode an upload is converted with: its batch's choice, else the model's. */
export function invertModeFor(
  manifest: Pick<Manifest, 'preprocessing'>,
  batch: Pick<UploadBatch, 'invert'> | undefined,
): InvertMode {
  return batch?.invert ?? manifest.preprocessing.invert;
}

/**
 * The key of an image's model input for in-memory results (the explorer's forward pass): the id
 * names the file, and the polarity decision is part of what the model sees, so flipping a
 * batch's choice never serves the other polarity's features. Bundled ids stand for themselves.
 */
export function inputIdentity(id: string, uploads: readonly UploadedImage[]): string {
  const u = uploads.find((x) => x.id === id);
  return u ? `${id}|${u.polarity?.inverted ? 'inverted' : 'as-is'}` : id;
}

/**
 * What an image's conversion depends on: two manifests with the same key give the same x_0 for
 * the same file, so uploads are converted again only when the key changes.
 */
export function inputKey(manifest: Pick<Manifest, 'input' | 'preprocessing'>): string {
  const { input: i, preprocessing: p } = manifest;
  return JSON.stringify([i.channels, i.height, i.width, i.range, p.resize, p.color, p.mean, p.std, p.invert]);
}

const PREVIEW = 96;
/** Files above this many bytes are refused before reading them (a 20k×20k PNG can be ~1 GB). */
export const MAX_FILE_BYTES = 100 * 2 ** 20;

/** The id of an uploaded file: from its bytes, not from any model's x_0, so it outlives a model change. */
export async function uploadId(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return `upload:${await sha256Hex(bytes, 6)}`;
}

function rgbaOf(bitmap: ImageBitmap, width: number, height: number): Uint8ClampedArray {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new DiffProbeError('image-decode', 'no 2-D canvas is available to read the image pixels');
  ctx.drawImage(bitmap, 0, 0, width, height);
  return ctx.getImageData(0, 0, width, height).data;
}

/**
 * Decodes and converts one file; throws a DiffProbeError whose message names the file.
 *
 * @param invert the polarity mode (the batch's choice, else the manifest's; see invertModeFor).
 */
export async function decodeImageFile(
  file: Blob & { name?: string },
  manifest: Manifest,
  className: string | null = null,
  name: string = file.name ?? 'pasted image',
  invert: InvertMode = manifest.preprocessing.invert,
  batch = '',
): Promise<UploadedImage> {
  if (file.size > MAX_FILE_BYTES)
    throw new DiffProbeError(
      'image-too-large',
      `${quote(name)} is ${(file.size / 2 ** 20).toFixed(0)} MB; the limit is ${MAX_FILE_BYTES / 2 ** 20} MB`,
    );
  const bytes = new Uint8Array(await file.arrayBuffer());
  const header = sniffImage(bytes, name);
  if (header.kind === 'svg')
    throw new DiffProbeError(
      'image-type',
      `${quote(name)} is an SVG (a vector drawing); export it as a PNG first`,
    );
  const { width, height } = header as { width: number; height: number };
  if (!(width >= 1 && height >= 1))
    throw new DiffProbeError('image-empty', `${quote(name)} has no pixels (${width}×${height})`);
  if (width * height > MAX_IMAGE_PIXELS)
    throw new DiffProbeError(
      'image-too-large',
      `${quote(name)} is ${width}×${height} pixels (${((width * height) / 1e6).toFixed(0)} megapixels); the limit is ${MAX_IMAGE_PIXELS / 1e6} megapixels`,
      { width, height },
    );
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes]));
  } catch (error) {
    throw new DiffProbeError(
      'image-decode',
      `${quote(name)} could not be decoded (${(error as Error).message || 'corrupt data'})`,
    );
  }
  try {
    const { input, preprocessing } = manifest;
    const rgba = rgbaOf(bitmap, bitmap.width, bitmap.height);
    const { x0, polarity } = convertRgba(rgba, bitmap.width, bitmap.height, {
      channels: input.channels,
      height: input.height,
      width: input.width,
      mean: preprocessing.mean,
      std: preprocessing.std,
      invert,
    });
    const scale = Math.min(1, PREVIEW / Math.max(bitmap.width, bitmap.height));
    const pw = Math.max(1, Math.round(bitmap.width * scale));
    const ph = Math.max(1, Math.round(bitmap.height * scale));
    const notes: string[] = [];
    if (header.animated) notes.push('animated image: the first frame is used');
    return {
      id: await uploadId(bytes),
      name,
      file: new Blob([bytes], { type: file.type }),
      x0,
      converted: modelInputToHwc8(x0, input.channels, input.height, input.width, input.range),
      preview: { rgba: rgbaOf(bitmap, pw, ph), width: pw, height: ph },
      className,
      batch,
      polarity,
      notes,
      decodedFor: inputKey(manifest),
      status: 'ready',
    };
  } finally {
    bitmap.close();
  }
}

/** The class of a file from its folder path ("flowers/roses/a.png" → "roses"), ImageFolder style. */
export function classFromPath(path: string): string | null {
  const parts = path.split('/').filter(Boolean);
  return parts.length >= 3 ? parts[parts.length - 2] : null;
}
