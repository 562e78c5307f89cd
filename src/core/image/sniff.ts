/**
 * @file Identify an image file and read its pixel size from the first bytes, before decoding, so
 * that absurd sizes are refused without allocating gigabytes, and non-images get a clear message.
 */
import { DiffProbeError, quote } from '../errors';

export type ImageKind = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp' | 'svg';

export interface ImageHeader {
  kind: ImageKind;
  /** null where the header does not say (SVG). */
  width: number | null;
  height: number | null;
  /** GIF with more than one frame (only the first is used). */
  animated: boolean;
}

const u16be = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const u16le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32be = (b: Uint8Array, o: number) =>
  ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
const i32le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
const ascii = (b: Uint8Array, o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));

function jpegSize(b: Uint8Array): [number, number] | null {
  let o = 2;
  while (o + 9 < b.length) {
    if (b[o] !== 0xff) return null;
    const marker = b[o + 1];
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      o += 2;
      continue;
    }
    const len = u16be(b, o + 2);
    // SOF0…SOF15 except DHT (c4), JPG (c8), DAC (cc) carry the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return [u16be(b, o + 7), u16be(b, o + 5)];
    o += 2 + len;
  }
  return null;
}

/** Counts GIF image descriptors (frames), stopping at the second. */
function gifAnimated(b: Uint8Array): boolean {
  let o = 13;
  if (b[10] & 0x80) o += 3 * 2 ** ((b[10] & 7) + 1);
  let frames = 0;
  while (o < b.length) {
    const block = b[o];
    if (block === 0x3b) break;
    if (block === 0x21) {
      o += 2;
      while (o < b.length && b[o] !== 0) o += b[o] + 1;
      o += 1;
    } else if (block === 0x2c) {
      if (++frames > 1) return true;
      const packed = b[o + 9];
      o += 10;
      if (packed & 0x80) o += 3 * 2 ** ((packed & 7) + 1);
      o += 1; // LZW minimum code size
      while (o < b.length && b[o] !== 0) o += b[o] + 1;
      o += 1;
    } else break;
  }
  return false;
}

/**
 * Reads the kind and size of an image from its bytes (the whole file, or at least its first
 * few KB; GIF frame counting needs the whole file).
 * @throws DiffProbeError 'image-empty' (0 bytes), 'image-type' (not a supported image), 'image-decode' (truncated header).
 */
export function sniffImage(bytes: Uint8Array, name = 'file'): ImageHeader {
  if (bytes.length === 0) throw new DiffProbeError('image-empty', `${quote(name)} is empty (0 bytes)`);
  const b = bytes;
  if (b.length >= 24 && u32be(b, 0) === 0x89504e47 && ascii(b, 12, 4) === 'IHDR')
    return { kind: 'png', width: u32be(b, 16), height: u32be(b, 20), animated: false };
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) {
    const size = jpegSize(b);
    if (!size)
      throw new DiffProbeError('image-decode', `${quote(name)} looks like a JPEG but its header is damaged`);
    return { kind: 'jpeg', width: size[0], height: size[1], animated: false };
  }
  if (b.length >= 10 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a'))
    return { kind: 'gif', width: u16le(b, 6), height: u16le(b, 8), animated: gifAnimated(b) };
  if (b.length >= 30 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') {
    const chunk = ascii(b, 12, 4);
    if (chunk === 'VP8X')
      return {
        kind: 'webp',
        width: 1 + (b[24] | (b[25] << 8) | (b[26] << 16)),
        height: 1 + (b[27] | (b[28] << 8) | (b[29] << 16)),
        animated: (b[20] & 2) !== 0,
      };
    if (chunk === 'VP8 ')
      return { kind: 'webp', width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff, animated: false };
    if (chunk === 'VP8L') {
      const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
      return {
        kind: 'webp',
        width: (bits & 0x3fff) + 1,
        height: ((bits >> 14) & 0x3fff) + 1,
        animated: false,
      };
    }
  }
  if (b.length >= 26 && ascii(b, 0, 2) === 'BM')
    return { kind: 'bmp', width: Math.abs(i32le(b, 18)), height: Math.abs(i32le(b, 22)), animated: false };
  const head = new TextDecoder().decode(b.subarray(0, 512)).trimStart().toLowerCase();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg')))
    return { kind: 'svg', width: null, height: null, animated: false };
  throw new DiffProbeError('image-type', `${quote(name)} is not a PNG, JPEG, GIF, WebP or BMP image`);
}
