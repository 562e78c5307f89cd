/**
 * @file One uploaded file → everything the app keeps of it: the file's id, x₀ for the model, the
 * converted bytes for thumbnails, a small preview, the polarity decision, notes and which decoder
 * read it. Runs in the image worker (worker/images/), never on the main thread.
 *
 * PNG and JPEG go through core/image/decode, the same code the CLI runs, so an image gives the
 * same x₀ bit for bit in any browser and in the CLI. Other formats (WebP, AVIF, GIF, BMP) are
 * decoded by the browser (`decoders.browser`, given by the caller: core stays DOM-free) and marked
 * browser-decoded: another browser, or the CLI, may not reproduce their pixels.
 */
import { DiffProbeError, quote } from '../errors';
import { sha256Hex } from '../sha256';
import { convertRgba, type ModelInputSpec, modelInputToHwc8 } from './convert';
import { checkImageSize, type DisplayedAtLeast, decodeImageFile, OWN_DECODERS } from './decode';
import type { JpegDecoder } from './decode/turbojpeg';
import type { PolarityDecision } from './polarity';
import { coverSize, resizePlanes } from './resize';
import { sniffImage } from './sniff';

/** Which decoder read a file: the project's own (reproducible everywhere) or the browser's. */
export type ImageDecoder = 'diffprobe' | 'browser';

export interface UploadConversionRequest {
  bytes: Uint8Array;
  name: string;
  /** The model's input, with the polarity mode to convert with. */
  target: ModelInputSpec;
  /** The manifest's `input.range`, for the converted thumbnail bytes. */
  range: readonly [number, number];
}

export interface UploadConversion {
  /** "upload:" + the first 12 hex digits of the sha256 of the file's bytes. */
  id: string;
  x0: Float32Array;
  /** The converted image at model size, channels interleaved (HWC), for thumbnails. */
  converted: Uint8Array;
  preview: { rgba: Uint8ClampedArray; width: number; height: number };
  polarity: PolarityDecision;
  notes: string[];
  decoder: ImageDecoder;
}

/** Longest side of the preview of the original. */
export const PREVIEW = 96;

/** Decodes bytes the project does not decode itself (WebP, GIF…) with the browser: RGBA, as shown. */
export type BrowserDecode = (
  bytes: Uint8Array,
  name: string,
) => Promise<{ rgba: Uint8Array; width: number; height: number }>;

/** What a file is decoded with: the browser's decoder for other formats, and the JPEG decoder. */
export interface Decoders {
  browser: BrowserDecode;
  /** Loaded when the first JPEG needs it (engine/jpeg-web.ts in the browser, jpeg-node.ts in Node). */
  jpeg: () => Promise<JpegDecoder>;
}

/**
 * How large a JPEG is decoded for this model (DCT scaling, core/image/decode/turbojpeg.ts): large
 * enough to cover the model input, so the resize only shrinks, and to give a preview of PREVIEW
 * pixels on its longest side. The browser (convertUpload) and the CLI both decode with this, so
 * both pick the same scale and get the same x₀; a 4000×3000 photo for a 28×28 model is decoded
 * at 500×375.
 */
export function decodeSizeFor(target: { height: number; width: number }): DisplayedAtLeast {
  return (width, height) => {
    const [coverH, coverW] = coverSize(height, width, target.height, target.width);
    const longest = Math.min(PREVIEW, Math.max(width, height));
    return width >= height
      ? { width: Math.max(coverW, longest), height: coverH }
      : { width: coverW, height: Math.max(coverH, longest) };
  };
}

/** The upload's id: from its bytes, not from any model's x₀, so it outlives a model change. */
export async function uploadId(bytes: Uint8Array): Promise<string> {
  return `upload:${await sha256Hex(bytes, 6)}`;
}

/** A small RGBA preview (longest side ≤ PREVIEW), area-averaged like the model input. */
function previewOf(rgba: Uint8Array, width: number, height: number): UploadConversion['preview'] {
  const scale = Math.min(1, PREVIEW / Math.max(width, height));
  const pw = Math.max(1, Math.round(width * scale));
  const ph = Math.max(1, Math.round(height * scale));
  const n = width * height;
  const planes = new Float32Array(4 * n);
  for (let p = 0; p < n; p++) for (let c = 0; c < 4; c++) planes[c * n + p] = rgba[4 * p + c];
  const small = resizePlanes(planes, 4, height, width, ph, pw);
  const m = ph * pw;
  const out = new Uint8ClampedArray(4 * m);
  for (let p = 0; p < m; p++) for (let c = 0; c < 4; c++) out[4 * p + c] = Math.round(small[c * m + p]);
  return { rgba: out, width: pw, height: ph };
}

/**
 * Converts one file. Throws DiffProbeError naming the file for an empty, unknown, oversized
 * (from its header, before decoding), truncated or otherwise undecodable one.
 */
export async function convertUpload(
  req: UploadConversionRequest,
  decoders: Decoders,
): Promise<UploadConversion> {
  const { bytes, name, target, range } = req;
  const header = sniffImage(bytes, name);
  if (header.kind === 'svg')
    throw new DiffProbeError(
      'image-type',
      `${quote(name)} is an SVG (a vector drawing); export it as a PNG first`,
    );
  checkImageSize(header, name);
  const notes: string[] = [];
  let decoded: { rgba: Uint8Array; width: number; height: number };
  let decoder: ImageDecoder;
  if (OWN_DECODERS.includes(header.kind)) {
    const d = await decodeImageFile(bytes, name, { jpeg: decoders.jpeg, atLeast: decodeSizeFor(target) });
    notes.push(...d.notes);
    decoded = d;
    decoder = 'diffprobe';
  } else {
    decoded = await decoders.browser(bytes, name);
    decoder = 'browser';
    notes.push(
      `a ${header.kind.toUpperCase()} file, decoded by this browser: another browser or the CLI may give other pixels`,
    );
    if (header.animated) notes.push('animated image: the first frame is used');
  }
  const { rgba, width, height } = decoded;
  const { x0, polarity } = convertRgba(rgba, width, height, target);
  return {
    id: await uploadId(bytes),
    x0,
    converted: modelInputToHwc8(x0, target.channels, target.height, target.width, range),
    preview: previewOf(rgba, width, height),
    polarity,
    notes,
    decoder,
  };
}
