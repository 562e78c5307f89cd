import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { nodeJpeg } from '../../engine/jpeg-node';
import { convertRgba, type ModelInputSpec } from './convert';
import { decodeImageFile } from './decode';
import { convertUpload, decodeSizeFor } from './file';

const FIXTURES = resolve(import.meta.dirname, '../../../e2e/fixtures/images');
const target: ModelInputSpec = {
  channels: 1,
  height: 28,
  width: 28,
  mean: [0.5],
  std: [0.5],
  invert: 'auto',
};
const request = (bytes: Uint8Array, name: string) => ({ bytes, name, target, range: [-1, 1] as const });

describe('convertUpload', () => {
  it('a JPEG: the project’s decoder (the CLI’s x₀), orientation applied, polarity, preview', async () => {
    const bytes = new Uint8Array(readFileSync(`${FIXTURES}/odd/exif-6.jpg`));
    const browser = vi.fn();
    const c = await convertUpload(request(bytes, 'exif-6.jpg'), { browser, jpeg: nodeJpeg });
    expect(browser).not.toHaveBeenCalled();
    expect(c.decoder).toBe('diffprobe');
    expect(c.id).toMatch(/^upload:[0-9a-f]{12}$/);
    const d = await decodeImageFile(bytes, 'exif-6.jpg', { jpeg: nodeJpeg, atLeast: decodeSizeFor(target) });
    expect(c.x0).toEqual(convertRgba(d.rgba, d.width, d.height, target).x0);
    expect(c.notes).toEqual(['EXIF orientation 6 applied']);
    expect(c.polarity).toMatchObject({ inverted: true, reason: 'light-background' });
    // Stored 56×72 (sideways), shown 72×56: the preview is upright.
    expect([c.preview.width, c.preview.height]).toEqual([72, 56]);
    expect(c.converted).toHaveLength(784);
  });

  it('other formats go to the browser’s decoder and are marked', async () => {
    const gif = new TextEncoder().encode('GIF89a\x02\x00\x01\x00\x00\x00\x00;');
    const browser = vi.fn(async () => ({
      rgba: new Uint8Array([0, 0, 0, 255, 255, 255, 255, 255]),
      width: 2,
      height: 1,
    }));
    const c = await convertUpload(request(gif, 'a.gif'), { browser, jpeg: nodeJpeg });
    expect(browser).toHaveBeenCalledOnce();
    expect(c.decoder).toBe('browser');
    expect(c.notes[0]).toMatch(
      /a GIF file, decoded by this browser: another browser or the CLI may give other pixels/,
    );
  });

  it('refuses from the header before any decoder runs: too large, SVG', async () => {
    const browser = vi.fn();
    const huge = new Uint8Array(readFileSync(`${FIXTURES}/bad/huge-30000.jpg`));
    await expect(convertUpload(request(huge, 'huge.jpg'), { browser, jpeg: nodeJpeg })).rejects.toMatchObject(
      {
        code: 'image-too-large',
      },
    );
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>');
    await expect(convertUpload(request(svg, 'd.svg'), { browser, jpeg: nodeJpeg })).rejects.toThrow(
      /export it as a PNG/,
    );
    expect(browser).not.toHaveBeenCalled();
  });
});
