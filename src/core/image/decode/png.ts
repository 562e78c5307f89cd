/**
 * @file PNG → RGBA with fast-png (pure JavaScript on fflate, the same code in a Worker and in Node;
 * pngjs needs Node's streams and zlib). Around it, the checks a decoder for untrusted files needs:
 * the chunk structure is walked first (truncation, the eXIf chunk for the orientation), and the
 * image data is inflated once with a cap at the size its header implies, so a stream that inflates
 * to more (a decompression bomb) or to less (a truncated file) is refused before fast-png allocates
 * for it. Then every kind of PNG becomes 8-bit RGBA the same way: 16-bit samples as
 * round(v / 257), 1/2/4-bit grey scaled to 0…255, palettes expanded with their tRNS alpha, a tRNS
 * colour key made transparent. gAMA, cHRM, sRGB and iCCP are ignored (docs/images.md).
 */
import { decode } from 'fast-png';
import { Unzlib } from 'fflate';
import { DiffProbeError, quote } from '../../errors';
import type { DecodedPixels } from './jpeg';

const u32 = (b: Uint8Array, o: number) =>
  ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
/** Samples per pixel of each PNG colour type. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Bytes of filtered image data an IHDR implies (with Adam7's seven sub-images). */
function expectedBytes(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  const rows = (w: number, h: number) => (w && h ? h * (1 + Math.ceil((w * bitsPerPixel) / 8)) : 0);
  if (!interlaced) return rows(width, height);
  const passes = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ];
  let total = 0;
  for (const [x0, y0, dx, dy] of passes)
    total += rows(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy));
  return total;
}

function fail(name: string, why: string): never {
  throw new DiffProbeError('image-decode', `${quote(name)} ${why}`);
}

/** Walks the chunks: the IHDR fields, the IDAT payloads, the eXIf payload. */
function chunks(b: Uint8Array, name: string) {
  let o = 8;
  const idat: Uint8Array[] = [];
  let exif: Uint8Array | null = null;
  let ended = false;
  while (o + 8 <= b.length) {
    const length = u32(b, o);
    const type = String.fromCharCode(b[o + 4], b[o + 5], b[o + 6], b[o + 7]);
    if (o + 12 + length > b.length)
      fail(name, `is truncated (its ${type} chunk runs past the end of the file)`);
    const data = b.subarray(o + 8, o + 8 + length);
    if (type === 'IDAT') idat.push(data);
    else if (type === 'eXIf') exif = data;
    else if (type === 'IEND') {
      ended = true;
      break;
    }
    o += 12 + length;
  }
  if (!ended) fail(name, 'is truncated (no IEND chunk)');
  if (!idat.length) fail(name, 'has no image data (no IDAT chunk)');
  const depth = b[24];
  const colorType = b[25];
  const channels = CHANNELS[colorType];
  if (!channels) fail(name, `has an invalid PNG colour type ${colorType}`);
  return { idat, exif, depth, colorType, channels, interlaced: b[28] === 1 };
}

/** Inflates the image data counting bytes only, refusing more or less than `expected`. */
function checkInflatedSize(idat: Uint8Array[], expected: number, name: string): void {
  let total = 0;
  const inflate = new Unzlib((chunk) => {
    total += chunk.length;
    if (total > expected)
      fail(
        name,
        `inflates to more than the ${expected} bytes its size needs (a decompression bomb?); it was not decoded`,
      );
  });
  try {
    for (const [i, d] of idat.entries()) inflate.push(d, i === idat.length - 1);
  } catch (error) {
    if (error instanceof DiffProbeError) throw error;
    fail(name, `has damaged image data (${(error as Error).message})`);
  }
  if (total < expected) fail(name, `is truncated (its image data inflates to ${total} of ${expected} bytes)`);
}

/**
 * The container checks alone (chunks, the capped inflate), without unfiltering or converting:
 * cheap enough to run over a whole folder before any image is used.
 */
export function checkPng(bytes: Uint8Array, name: string): ReturnType<typeof chunks> {
  const c = chunks(bytes, name);
  checkInflatedSize(
    c.idat,
    expectedBytes(u32(bytes, 16), u32(bytes, 20), c.depth * c.channels, c.interlaced),
    name,
  );
  return c;
}

/** Decodes a PNG file to 8-bit RGBA; throws DiffProbeError('image-decode') naming the file. */
export function decodePng(bytes: Uint8Array, name: string): DecodedPixels {
  const width = u32(bytes, 16);
  const height = u32(bytes, 20);
  const c = checkPng(bytes, name);
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes);
  } catch (error) {
    fail(name, `could not be decoded as a PNG (${(error as Error).message})`);
  }
  const n = width * height;
  const rgba = new Uint8Array(n * 4);
  const { data, depth, palette, transparency } = png;
  const ch = c.channels;
  const rowBytes = Math.ceil((width * depth * ch) / 8);
  const max = 2 ** depth - 1;
  // Sample s of pixel p at its own depth (sub-byte samples are packed per row, rows byte-aligned).
  const bits = (p: number, s: number): number => {
    if (depth >= 8) return data[p * ch + s];
    const bit = ((p % width) * ch + s) * depth;
    const byte = data[Math.floor(p / width) * rowBytes + (bit >> 3)];
    return (byte >> (8 - depth - (bit & 7))) & max;
  };
  // …as 0…255.
  const scale = (v: number): number =>
    depth === 8 ? v : depth === 16 ? Math.round(v / 257) : Math.round((v * 255) / max);
  const key = transparency && c.colorType !== 3 ? transparency : null;
  for (let p = 0; p < n; p++) {
    const o = p * 4;
    if (c.colorType === 3) {
      const i = bits(p, 0);
      const colour = palette?.[i];
      if (!colour) fail(name, `uses palette entry ${i}, which its palette does not have`);
      rgba[o] = colour[0];
      rgba[o + 1] = colour[1];
      rgba[o + 2] = colour[2];
      // fast-png appends a palette entry's tRNS alpha as its fourth value.
      rgba[o + 3] = colour.length > 3 ? colour[3] : 255;
    } else if (ch <= 2) {
      const v = bits(p, 0);
      rgba[o] = rgba[o + 1] = rgba[o + 2] = scale(v);
      rgba[o + 3] = ch === 2 ? scale(bits(p, 1)) : key?.length === 1 && v === key[0] ? 0 : 255;
    } else {
      const r = bits(p, 0);
      const g = bits(p, 1);
      const b = bits(p, 2);
      rgba[o] = scale(r);
      rgba[o + 1] = scale(g);
      rgba[o + 2] = scale(b);
      const keyed = key?.length === 3 && r === key[0] && g === key[1] && b === key[2];
      rgba[o + 3] = ch === 4 ? scale(bits(p, 3)) : keyed ? 0 : 255;
    }
  }
  return { rgba, width, height, exif: c.exif };
}
