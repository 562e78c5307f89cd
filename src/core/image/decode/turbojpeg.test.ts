/**
 * libjpeg-turbo in WebAssembly: the DCT scale chosen for a size, scaled output against the full
 * decode averaged over the same blocks, orientation with scaling, and libjpeg's errors and
 * warnings (the instance recovers after an error exit).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeJpeg } from '../../../engine/jpeg-node';
import { decodeSizeFor } from '../file';
import { decodeImageFile } from './index';
import { chooseEighths, scaledSide } from './turbojpeg';

const FIXTURES = resolve(import.meta.dirname, '../../../../e2e/fixtures/images');
const read = (file: string) => new Uint8Array(readFileSync(`${FIXTURES}/${file}`));
/** Stored 72×56, Y'CbCr 4:2:0, orientation 3 (turned, not swapped). */
const photo = read('odd/exif-3.jpg');

/** The byte offset of the first marker FF `code`. */
function marker(bytes: Uint8Array, code: number): number {
  for (let i = 2; i + 1 < bytes.length; i++) if (bytes[i] === 0xff && bytes[i + 1] === code) return i;
  throw new Error(`no marker ${code.toString(16)}`);
}

describe('the DCT scale', () => {
  it('the smallest n/8 that is still large enough, as TurboJPEG rounds (up)', () => {
    expect(scaledSide(4000, 1)).toBe(500);
    expect(scaledSide(601, 1)).toBe(76);
    expect(chooseEighths(4000, 3000, { width: 38, height: 28 })).toBe(1);
    expect(chooseEighths(800, 600, { width: 400, height: 300 })).toBe(4);
    expect(chooseEighths(800, 600, { width: 401, height: 300 })).toBe(5);
    expect(chooseEighths(100, 100, { width: 200, height: 200 })).toBe(8);
  });

  it('for a model and its preview: cover the model input, preview 96 pixels long', () => {
    const size = decodeSizeFor({ height: 28, width: 28 });
    // 4000×3000 → cover 37×28, preview 96 wide: decoded at 1/8, 500×375.
    expect(size(4000, 3000)).toEqual({ width: 96, height: 28 });
    expect(chooseEighths(4000, 3000, size(4000, 3000))).toBe(1);
    // Portrait 600×800 for a 64×64 model: cover 64×85, preview 96 high.
    expect(decodeSizeFor({ height: 64, width: 64 })(600, 800)).toEqual({ width: 64, height: 96 });
    // Smaller than the preview: the whole image.
    expect(size(72, 56)).toEqual({ width: 72, height: 28 });
  });
});

describe('decoding at a reduced size', () => {
  it('1/8: each pixel is its 8×8 block of the full decode, averaged (to a few levels)', async () => {
    const jpeg = await nodeJpeg();
    const full = jpeg.decode(photo);
    const small = jpeg.decode(photo, () => ({ width: 1, height: 1 }));
    expect(small).toMatchObject({ width: 9, height: 7, eighths: 1, fullWidth: 72, fullHeight: 56 });
    let sum = 0;
    let max = 0;
    for (let y = 0; y < 7; y++)
      for (let x = 0; x < 9; x++)
        for (let c = 0; c < 3; c++) {
          let mean = 0;
          for (let dy = 0; dy < 8; dy++)
            for (let dx = 0; dx < 8; dx++) mean += full.rgba[4 * ((8 * y + dy) * 72 + 8 * x + dx) + c] / 64;
          const d = Math.abs(small.rgba[4 * (y * 9 + x) + c] - mean);
          sum += d;
          max = Math.max(max, d);
        }
    // The block means of the DCT (its DC terms) before chroma upsampling and rounding: close, not equal.
    expect(sum / (7 * 9 * 3)).toBeLessThan(2);
    expect(max).toBeLessThan(12);
  });

  it('orientation 6 asks for the displayed size: the stored sides are swapped for the decoder', async () => {
    const bytes = read('odd/exif-6.jpg'); // stored 56×72, shown 72×56
    const d = await decodeImageFile(bytes, 'exif-6.jpg', {
      jpeg: nodeJpeg,
      atLeast: () => ({ width: 36, height: 10 }),
    });
    expect(d).toMatchObject({ width: 36, height: 28, fullWidth: 72, fullHeight: 56, orientation: 6 });
  });

  it('the same call gives the same bytes (one instance, reused)', async () => {
    const jpeg = await nodeJpeg();
    const atLeast = () => ({ width: 30, height: 20 });
    expect(jpeg.decode(photo, atLeast).rgba).toEqual(jpeg.decode(photo, atLeast).rgba);
  });
});

describe("libjpeg's errors and warnings", () => {
  it('a damaged Huffman table: refused with libjpeg’s reason; the next file decodes as before', async () => {
    const before = (await nodeJpeg()).decode(photo).rgba;
    const bad = photo.slice();
    const dht = marker(bad, 0xc4);
    bad.fill(0xff, dht + 5, dht + 21);
    await expect(decodeImageFile(bad, 'bad-table.jpg', { jpeg: nodeJpeg })).rejects.toThrow(
      '"bad-table.jpg" could not be decoded as a JPEG (Bogus Huffman table definition)',
    );
    expect((await nodeJpeg()).decode(photo).rgba).toEqual(before);
  });

  it('damaged image data: decoded as far as it goes, with a note', async () => {
    const bad = photo.slice();
    bad.set([0xff, 0xd3], marker(bad, 0xda) + 40); // a restart marker where none belongs
    const d = await decodeImageFile(bad, 'damaged.jpg', { jpeg: nodeJpeg });
    expect([d.width, d.height]).toEqual([72, 56]);
    expect(d.notes).toContain(
      'damaged JPEG data (Corrupt JPEG data: premature end of data segment); decoded as far as possible',
    );
    // The warning belongs to that file only.
    expect((await decodeImageFile(photo, 'good.jpg', { jpeg: nodeJpeg })).notes).toEqual([
      'EXIF orientation 3 applied',
    ]);
  });
});
