/**
 * @file The user's own images as the app keeps them (nothing is uploaded anywhere): each file's
 * bytes, its conversion to the model's input (core/image/file.ts, done in the image workers by
 * features/images/decode.ts), a small preview of the original. Images arrive in batches (one pick
 * of files, one folder, one paste or camera frame); the user can override the polarity ('auto' /
 * 'always' / 'never') for a whole batch.
 */
import { type ImageDecoder, uploadId } from '../core/image/file';
import type { InvertMode, PolarityDecision } from '../core/image/polarity';
import type { Manifest } from '../core/manifest/types';

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
  /**
   * Who decoded the file: 'diffprobe' (PNG, JPEG: the project's decoders, the CLI's too, the same
   * pixels everywhere) or 'browser' (WebP, GIF…: this browser's decoder; null while not converted.
   */
  decoder: ImageDecoder | null;
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

/** Files above this many bytes are refused before reading them (a 20k×20k PNG can be ~1 GB). */
export const MAX_FILE_BYTES = 100 * 2 ** 20;

export { uploadId };

/** The class of a file from its folder path ("flowers/roses/a.png" → "roses"), ImageFolder style. */
export function classFromPath(path: string): string | null {
  const parts = path.split('/').filter(Boolean);
  return parts.length >= 3 ? parts[parts.length - 2] : null;
}
