/**
 * The project's decoders against Pillow (e2e/fixtures/images, made by tools/images/make_fixtures.py):
 * PNG and JPEG of every kind exactly as Pillow decodes them, EXIF orientation 1…8 exactly as ImageOps.exif_transpose turns the pixels, and each
 * bad file refused with its reason. DCT scaling: turbojpeg.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeJpeg } from '../../../engine/jpeg-node';
import { readOrientation } from './exif';
import { decodeImageFile } from './index';
import { applyOrientation } from './orientation';

const FIXTURES = resolve(import.meta.dirname, '../../../../e2e/fixtures/images');
const read = (...p: string[]) => new Uint8Array(readFileSync(join(FIXTURES, ...p)));
const decode = (...p: string[]) => decodeImageFile(read(...p), p.at(-1)!, { jpeg: nodeJpeg });

describe('EXIF orientation, against Pillow', () => {
  for (let o = 1; o <= 8; o++)
    it(`orientation ${o}: the pixels Pillow's exif_transpose gives`, async () => {
      const mine = await decode('orientation', `${o}.png`);
      const pillow = await decode('orientation', `${o}-pillow.png`);
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
  for (const file of readdirSync(join(FIXTURES, 'odd')).sort())
    it(`${file}: exactly as Pillow decodes it`, async () => {
      // PNG: the same pixels. JPEG: the same library (Pillow links Debian's libjpeg-turbo 2.1, ours
      // is 2.0 in WebAssembly) with the same settings (accurate integer IDCT, fancy upsampling),
      // and CMYK with the same formula: the same bytes.
      const mine = await decode('odd', file);
      const ref = await decode('ref', file.replace(/\.\w+$/, '.png'));
      expect([mine.width, mine.height]).toEqual([ref.width, ref.height]);
      expect(mine.rgba).toEqual(ref.rgba);
    });
});

describe('bad files: refused with the reason, or decoded with a note', () => {
  it('a truncated JPEG', async () => {
    await expect(decode('bad', 'truncated.jpg')).rejects.toThrow(/"truncated.jpg" is truncated/);
  });

  it('a 30,000 × 30,000 JPEG is refused from its header', async () => {
    await expect(decode('bad', 'huge-30000.jpg')).rejects.toThrow(
      expect.objectContaining({
        code: 'image-too-large',
        message: expect.stringMatching(/30000×30000 pixels/),
      }),
    );
  });

  it('PNG bombs: a 100,000² header, and data that inflates past its size', async () => {
    await expect(decode('bad', 'bomb.png')).rejects.toThrow(
      expect.objectContaining({ code: 'image-too-large' }),
    );
    await expect(decode('bad', 'inflate-bomb.png')).rejects.toThrow(
      /inflates to more than the 12352 bytes its size needs/,
    );
  });

  it('a corrupt EXIF block or an orientation out of range: shown as stored, with a note', async () => {
    const corrupt = await decode('bad', 'corrupt-exif.jpg');
    expect(corrupt.orientation).toBe(1);
    expect(corrupt.notes.join()).toMatch(/EXIF block is corrupt.*not rotated/);
    const nine = await decode('bad', 'orientation-9.jpg');
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

  it('other formats are not decoded here', async () => {
    const gif = new TextEncoder().encode('GIF89a\x01\x00\x01\x00\x00\x00\x00;');
    await expect(decodeImageFile(gif, 'a.gif', { jpeg: nodeJpeg })).rejects.toThrow(
      expect.objectContaining({ code: 'image-type' }),
    );
  });
});
