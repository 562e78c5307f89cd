/**
 * @file JPEG → RGBA with libjpeg-turbo in WebAssembly (turbojpeg.ts), plus the container checks
 * it does not make: the EXIF block for the orientation, and the end-of-image marker, whose absence
 * means a truncated file (libjpeg would fill the missing rows with grey and only warn). Colour:
 * libjpeg's Y'CbCr → RGB with "fancy" chroma upsampling; Adobe CMYK/YCCK as Chromium converts it
 * (turbojpeg.ts); no ICC profile is applied (docs/images.md).
 */
import { DiffProbeError, quote } from '../../errors';
import type { AtLeast, JpegDecoder, JpegPixels } from './turbojpeg';

export interface DecodedPixels {
  rgba: Uint8Array;
  width: number;
  height: number;
  /** The TIFF bytes of the EXIF block, or null. */
  exif: Uint8Array | null;
}

const u16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];

/**
 * Walks the markers before the first scan: the EXIF payload (APP1 "Exif\0\0") and where the
 * entropy-coded data starts. Throws for a damaged marker structure.
 */
function scanMarkers(b: Uint8Array, name: string): { exif: Uint8Array | null; scan: number } {
  let exif: Uint8Array | null = null;
  let o = 2;
  while (o + 4 <= b.length) {
    if (b[o] !== 0xff)
      throw new DiffProbeError('image-decode', `${quote(name)} is a damaged JPEG (no marker at byte ${o})`);
    const marker = b[o + 1];
    if (marker === 0xff) {
      o += 1; // fill byte
      continue;
    }
    const length = u16(b, o + 2);
    if (length < 2 || o + 2 + length > b.length)
      throw new DiffProbeError(
        'image-decode',
        `${quote(name)} is truncated (a JPEG segment runs past its end)`,
      );
    if (marker === 0xda) return { exif, scan: o + 2 + length };
    if (marker === 0xe1 && !exif && length >= 8) {
      const p = o + 4;
      if (b[p] === 0x45 && b[p + 1] === 0x78 && b[p + 2] === 0x69 && b[p + 3] === 0x66 && b[p + 4] === 0)
        exif = b.subarray(p + 6, o + 2 + length);
    }
    o += 2 + length;
  }
  throw new DiffProbeError('image-decode', `${quote(name)} is truncated (it ends before its image data)`);
}

/** True when an end-of-image marker (FF D9) follows the first scan (entropy data never holds one). */
function hasEnd(b: Uint8Array, from: number): boolean {
  for (let i = b.length - 2; i >= from; i--) if (b[i] === 0xff && b[i + 1] === 0xd9) return true;
  return false;
}

/**
 * The container checks alone (markers, end of image), without decoding: cheap enough to run over
 * a whole folder before any image is used. Returns the EXIF payload.
 */
export function checkJpeg(bytes: Uint8Array, name: string): Uint8Array | null {
  const { exif, scan } = scanMarkers(bytes, name);
  if (!hasEnd(bytes, scan))
    throw new DiffProbeError('image-decode', `${quote(name)} is truncated (its JPEG data has no end marker)`);
  return exif;
}

/**
 * Decodes a JPEG file with libjpeg-turbo (turbojpeg.ts), at the smallest DCT scale that is still
 * `atLeast` (stored orientation) when that is given. Throws DiffProbeError('image-decode') naming
 * the file; a file libjpeg decodes with a warning (damaged data) comes back with the warning.
 */
export function decodeJpeg(
  bytes: Uint8Array,
  name: string,
  decoder: JpegDecoder,
  atLeast?: AtLeast,
): DecodedPixels & Omit<JpegPixels, 'rgba'> {
  const exif = checkJpeg(bytes, name);
  try {
    return { ...decoder.decode(bytes, atLeast), exif };
  } catch (error) {
    throw new DiffProbeError(
      'image-decode',
      `${quote(name)} could not be decoded as a JPEG (${(error as Error).message})`,
    );
  }
}
