/**
 * @file The one decoding path for image files, the same in the browser's image worker and in the
 * CLI: PNG (fast-png) and JPEG (libjpeg-turbo in WebAssembly, turbojpeg.ts) → 8-bit RGBA, EXIF
 * orientation applied as a viewer shows the photo, no colour profile applied (ICC and gAMA are
 * ignored on both sides; docs/images.md). A JPEG is decoded straight to the smallest size its
 * caller can use (DCT scaling, `atLeast`), which is where most of a photo's decoding time went.
 * Sizes are checked from the header before anything is decoded. Other formats (WebP, AVIF, GIF,
 * BMP) are not decoded here: the browser decodes them itself and marks them browser-decoded, and
 * the CLI refuses them (it cannot reproduce a browser's decoder bit for bit).
 */
import { DiffProbeError, quote } from '../../errors';
import { MAX_IMAGE_PIXELS } from '../convert';
import { type ImageHeader, type ImageKind, sniffImage } from '../sniff';
import { readOrientation } from './exif';
import type { DecodedPixels } from './jpeg';
import { checkJpeg, decodeJpeg } from './jpeg';
import { applyOrientation } from './orientation';
import { checkPng, decodePng } from './png';
import type { JpegDecoder } from './turbojpeg';

/** The formats the project decodes itself. */
export const OWN_DECODERS: readonly ImageKind[] = ['png', 'jpeg'];

export interface DecodedImage {
  /** 8-bit RGBA, row-major, as displayed (orientation applied). */
  rgba: Uint8Array;
  width: number;
  height: number;
  kind: 'png' | 'jpeg';
  /** The full size stored in the file, as displayed (width, height may be smaller: DCT scaling). */
  fullWidth: number;
  fullHeight: number;
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

/** The smallest displayed size a caller can use, given the full displayed size. */
export type DisplayedAtLeast = (width: number, height: number) => { width: number; height: number };

export interface DecodeOptions {
  /** The JPEG decoder, loaded when the first JPEG needs it (engine/jpeg-node.ts, engine/jpeg-web.ts). */
  jpeg: () => Promise<JpegDecoder>;
  /**
   * Decode a JPEG only as large as this (displayed orientation): DCT scaling by n/8. Absent: full
   * size. PNG is always decoded at full size.
   */
  atLeast?: DisplayedAtLeast;
}

/**
 * Decodes a PNG or JPEG file to displayed RGBA.
 * @throws DiffProbeError 'image-empty' / 'image-type' / 'image-too-large' / 'image-decode', naming the file.
 */
export async function decodeImageFile(
  bytes: Uint8Array,
  name: string,
  { jpeg, atLeast }: DecodeOptions,
): Promise<DecodedImage> {
  const kind = ownKind(bytes, name);
  let pixels: DecodedPixels;
  let read: { orientation: number; notes: string[] };
  let full: [number, number];
  if (kind === 'png') {
    pixels = decodePng(bytes, name);
    read = orientationOf(pixels.exif);
    full = [pixels.width, pixels.height];
  } else {
    // The orientation is read first: `atLeast` is about the displayed image, the decoder works
    // on the stored one, whose sides are swapped for orientations 5–8.
    read = orientationOf(checkJpeg(bytes, name));
    const swap = read.orientation >= 5;
    const stored =
      atLeast &&
      ((w: number, h: number) => {
        const need = swap ? atLeast(h, w) : atLeast(w, h);
        return swap ? { width: need.height, height: need.width } : need;
      });
    const decoded = decodeJpeg(bytes, name, await jpeg(), stored);
    if (decoded.warning)
      read.notes.push(`damaged JPEG data (${decoded.warning}); decoded as far as possible`);
    pixels = decoded;
    full = [decoded.fullWidth, decoded.fullHeight];
  }
  const { orientation, notes } = read;
  const shown = applyOrientation(pixels.rgba, pixels.width, pixels.height, orientation);
  if (orientation !== 1) notes.push(`EXIF orientation ${orientation} applied`);
  const [fullWidth, fullHeight] = orientation >= 5 ? [full[1], full[0]] : full;
  return { ...shown, fullWidth, fullHeight, kind, orientation, notes };
}
