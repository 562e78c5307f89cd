/**
 * @file The one decoding path for image files, the same in the browser's image worker and in the
 * CLI: PNG (fast-png) and JPEG (jpeg-js) → 8-bit RGBA, EXIF orientation applied as a viewer shows
 * the photo, no colour profile applied (ICC and gAMA are ignored on both sides; docs/images.md).
 * Sizes are checked from the header before anything is decoded. Other formats (WebP, AVIF, GIF,
 * BMP) are not decoded here: the browser decodes them itself and marks them browser-decoded, and
 * the CLI refuses them (it cannot reproduce a browser's decoder bit for bit).
 */
import { DiffProbeError, quote } from '../../errors';
import { MAX_IMAGE_PIXELS } from '../convert';
import { type ImageHeader, type ImageKind, sniffImage } from '../sniff';
import { readOrientation } from './exif';
import { checkJpeg, decodeJpeg } from './jpeg';
import { applyOrientation } from './orientation';
import { checkPng, decodePng } from './png';

/** The formats the project decodes itself. */
export const OWN_DECODERS: readonly ImageKind[] = ['png', 'jpeg'];

export interface DecodedImage {
  /** 8-bit RGBA, row-major, as displayed (orientation applied). */
  rgba: Uint8Array;
  width: number;
  height: number;
  kind: 'png' | 'jpeg';
  /** The EXIF orientation applied (1: none). */
  orientation: number;
  /** What the user should know: an orientation that was not applied and why. */
  notes: string[];
}

/**
 * Checks a header's size before decoding: 0 pixels, or more than MAX_IMAGE_PIXELS (a 30,000 ×
 * 30,000 JPEG, a PNG bomb that declares 100,000 × 100,000), are refused from the header alone.
 */
export function checkImageSize(header: ImageHeader, name: string): void {
  const { width, height } = header;
  if (width === null || height === null) return;
  if (!(width >= 1 && height >= 1))
    throw new DiffProbeError('image-empty', `${quote(name)} has no pixels (${width}×${height})`, {
      width,
      height,
    });
  if (width * height > MAX_IMAGE_PIXELS)
    throw new DiffProbeError(
      'image-too-large',
      `${quote(name)} is ${width}×${height} pixels (${((width * height) / 1e6).toFixed(0)} megapixels); the limit is ${MAX_IMAGE_PIXELS / 1e6} megapixels`,
      { width, height },
    );
}

function ownKind(bytes: Uint8Array, name: string): 'png' | 'jpeg' {
  const header = sniffImage(bytes, name);
  if (header.kind !== 'png' && header.kind !== 'jpeg')
    throw new DiffProbeError(
      'image-type',
      `${quote(name)} is a ${header.kind.toUpperCase()} file; DiffProbe decodes PNG and JPEG itself`,
      { kind: header.kind },
    );
  checkImageSize(header, name);
  return header.kind;
}

/** The orientation an EXIF payload asks for (1 when none or unusable) and the note on a bad one. */
function orientationOf(exif: Uint8Array | null): { orientation: number; notes: string[] } {
  if (!exif) return { orientation: 1, notes: [] };
  const read = readOrientation(exif);
  return {
    orientation: read.orientation ?? 1,
    notes: read.problem ? [`${read.problem}: shown as stored, not rotated`] : [],
  };
}

/**
 * Everything decodeImageFile refuses, found without decoding the pixels (type, size from the
 * header, truncation, a decompression bomb), and the notes it would give: how the CLI checks a
 * whole folder before it uses any image, so that one bad file does not stop the rest.
 */
export function checkImageFile(bytes: Uint8Array, name: string): { kind: 'png' | 'jpeg'; notes: string[] } {
  const kind = ownKind(bytes, name);
  const exif = kind === 'png' ? checkPng(bytes, name).exif : checkJpeg(bytes, name);
  return { kind, notes: orientationOf(exif).notes };
}

/**
 * Decodes a PNG or JPEG file to displayed RGBA.
 * @throws DiffProbeError 'image-empty' / 'image-type' / 'image-too-large' / 'image-decode', naming the file.
 */
export function decodeImageFile(bytes: Uint8Array, name: string): DecodedImage {
  const kind = ownKind(bytes, name);
  const pixels = kind === 'png' ? decodePng(bytes, name) : decodeJpeg(bytes, name);
  const { orientation, notes } = orientationOf(pixels.exif);
  const shown = applyOrientation(pixels.rgba, pixels.width, pixels.height, orientation);
  if (orientation !== 1) notes.push(`EXIF orientation ${orientation} applied`);
  return { ...shown, kind, orientation, notes };
}
