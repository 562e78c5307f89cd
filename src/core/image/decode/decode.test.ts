/**
 * The project's decoders against Pillow (e2e/fixtures/images, made by tools/images/make_fixtures.py):
 * PNG of every kind exactly, JPEG within jpeg-js's differences from libjpeg, EXIF orientation 1…8
 * exactly as ImageOps.exif_transpose turns the pixels, and each bad file refused with its reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOrientation } from './exif';
import { decodeImageFile } from './index';
import { applyOrientation } from './orientation';

const FIXTURES = resolve(import.meta.dirname, '../../../../e2e/fixtures/images');
const read = (...p: string[]) => new Uint8Array(readFileSync(join(FIXTURES, ...p)));
const decode = (...p: string[]) => decodeImageFile(read(...p), p.at(-1)!);

describe('EXIF orientation, against Pillow', () => {
  for (let o = 1; o <= 8; o++)
    it(`orientation ${o}: the pixels Pillow's exif_transpose gives`, () => {
      const mine = decode('orientation', `${o}.png`);
      const pillow = decode('orientation', `${o}-pillow.png`);
      expect(mine.orientation).toBe(o);
      expect([mine.width, mine.height]).toEqual([pillow.width, pillow.height]);
      expect(mine.rgba).toEqual(pillow.rgba);
    });

  it('a 2×1 image turned by 6 and 8 is 1×2, the first pixel at the top for 6', () => {
    const rgba = Uint8Array.of(1, 1, 1, 255, 2, 2, 2, 255);
    expect(Array.from(applyOrientation(rgba, 2, 1, 6).rgba)).toEqual([1, 1, 1, 255, 2, 2, 2, 255]);
    expect(applyOrientation(rgba, 2, 1, 6)).toMatchObject({ width: 1, height: 2 });
    expect(Array.from(applyOrientation(rgba, 2, 1, 8).rgba)).toEqual([2, 2, 2, 255, 1, 1, 1, 255]);
  });
});

describe('PNG and JPEG of every kind, against Pillow', () => {
  for (const file of readdirSync(join(FIXTURES, 'odd')).sort()) {
    const isPng = file.endsWith('.png');
    it(`${file}: ${isPng ? 'exactly' : 'within jpeg-js’s chroma upsampling'}`, () => {
      const mine = decode('odd', file);
      const ref = decode('ref', file.replace(/\.\w+$/, '.png'));
      expect([mine.width, mine.height]).toEqual([ref.width, ref.height]);
      if (isPng) {
        expect(mine.rgba).toEqual(ref.rgba);
        return;
      }
      // jpeg-js upsamples chroma by repetition where libjpeg interpolates ("fancy upsampling"),
      // and rounds its IDCT differently: small differences, largest on colour edges.
      let sum = 0;
      let max = 0;
      for (let i = 0; i < mine.rgba.length; i++) {
        const d = Math.abs(mine.rgba[i] - ref.rgba[i]);
        sum += d;
        max = Math.max(max, d);
      }
      const mean = sum / mine.rgba.length;
      expect(mean, `${file}: mean |difference| ${mean.toFixed(2)}, max ${max}`).toBeLessThan(2);
    });
  }
});

describe('bad files: refused with the reason, or decoded with a note', () => {
  it('a truncated JPEG', () => {
    expect(() => decode('bad', 'truncated.jpg')).toThrow(/"truncated.jpg" is truncated/);
  });

  it('a 30,000 × 30,000 JPEG is refused from its header', () => {
    expect(() => decode('bad', 'huge-30000.jpg')).toThrow(
      expect.objectContaining({
        code: 'image-too-large',
        message: expect.stringMatching(/30000×30000 pixels/),
      }),
    );
  });

  it('PNG bombs: a 100,000² header, and data that inflates past its size', () => {
    expect(() => decode('bad', 'bomb.png')).toThrow(expect.objectContaining({ code: 'image-too-large' }));
    expect(() => decode('bad', 'inflate-bomb.png')).toThrow(
      /inflates to more than the 12352 bytes its size needs/,
    );
  });

  it('a corrupt EXIF block or an orientation out of range: shown as stored, with a note', () => {
    const corrupt = decode('bad', 'corrupt-exif.jpg');
    expect(corrupt.orientation).toBe(1);
    expect(corrupt.notes.join()).toMatch(/EXIF block is corrupt.*not rotated/);
    const nine = decode('bad', 'orientation-9.jpg');
    expect(nine.notes).toEqual(['its EXIF orientation 9 is not 1–8: shown as stored, not rotated']);
  });

  it('readOrientation never throws on garbage', () => {
    for (const bytes of [
      new Uint8Array(3),
      Uint8Array.of(0x49, 0x49, 42, 0, 200, 0, 0, 0),
      new Uint8Array(64).fill(0x4d),
    ])
      expect(readOrientation(bytes).orientation).toBeNull();
  });

  it('other formats are not decoded here', () => {
    const gif = new TextEncoder().encode('GIF89a\x01\x00\x01\x00\x00\x00\x00;');
    expect(() => decodeImageFile(gif, 'a.gif')).toThrow(expect.objectContaining({ code: 'image-type' }));
  });
});
