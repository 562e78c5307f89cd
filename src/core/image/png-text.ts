/**
 * @file Adds a tEXt chunk (keyword + Latin-1 text) to a PNG file, before its IEND, so that saved
 * images carry the settings that made them (readable with any PNG tool, e.g. `pngcheck -t`, or
 * PIL's `Image.open(f).text`). Pure bytes in, bytes out.
 */
import { DiffProbeError, quote } from '../errors';

let table: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3, the one PNG and zlib use) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of bytes) c = table[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * `png` with a tEXt chunk `keyword`: `text` inserted before IEND. Characters outside Latin-1 are
 * written as \u escapes (tEXt is Latin-1 only), so JSON text stays valid JSON.
 *
 * @throws DiffProbeError('internal') when `png` is not a PNG or the keyword is not 1–79 Latin-1 letters.
 */
export function withPngText(png: Uint8Array, keyword: string, text: string): Uint8Array {
  if (png.length < 20 || SIGNATURE.some((b, i) => png[i] !== b))
    throw new DiffProbeError('internal', 'withPngText: not a PNG file');
  if (!/^[\x20-\x7e]{1,79}$/.test(keyword))
    throw new DiffProbeError('internal', `bad tEXt keyword ${quote(keyword)}`);
  let latin1 = '';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    const keep =
      ch.length === 1 && (code === 10 || (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff));
    latin1 += keep
      ? ch
      : Array.from(
          { length: ch.length },
          (_, i) => `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`,
        ).join('');
  }
  const body = new Uint8Array(keyword.length + 1 + latin1.length);
  for (let i = 0; i < keyword.length; i++) body[i] = keyword.charCodeAt(i);
  for (let i = 0; i < latin1.length; i++) body[keyword.length + 1 + i] = latin1.charCodeAt(i);
  const chunk = new Uint8Array(12 + body.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, body.length);
  chunk.set([0x74, 0x45, 0x58, 0x74], 4); // "tEXt"
  chunk.set(body, 8);
  view.setUint32(8 + body.length, crc32(chunk.subarray(4, 8 + body.length)));
  // IEND is the last chunk: 12 bytes (length 0, "IEND", CRC).
  const iend = png.length - 12;
  if (String.fromCharCode(...png.subarray(iend + 4, iend + 8)) !== 'IEND')
    throw new DiffProbeError('internal', 'withPngText: the PNG does not end with IEND');
  const out = new Uint8Array(png.length + chunk.length);
  out.set(png.subarray(0, iend));
  out.set(chunk, iend);
  out.set(png.subarray(iend), iend + chunk.length);
  return out;
}
