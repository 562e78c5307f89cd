import { crc32 as nodeCrc32 } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { crc32, withPngText } from './png-text';

describe('withPngText', () => {
  it('crc32 equals zlib’s', () => {
    for (const s of ['', 'IEND', 'tEXtdiffprobe\0{"a":1}']) {
      const bytes = new TextEncoder().encode(s);
      expect(crc32(bytes)).toBe(nodeCrc32(bytes));
    }
  });

  it('adds a tEXt chunk that a PNG reader accepts, non-Latin-1 as \\u escapes', () => {
    const png = new PNG({ width: 2, height: 1 });
    png.data.set([0, 0, 0, 255, 255, 255, 255, 255]);
    const bytes = new Uint8Array(PNG.sync.write(png));
    const text = JSON.stringify({ eta: 0, note: 'x̂₀ clipped' });
    const out = withPngText(bytes, 'diffprobe', text);
    const back = PNG.sync.read(Buffer.from(out)); // checks every chunk's CRC
    expect(back.width).toBe(2);
    const latin1 = Buffer.from(out).toString('latin1');
    const at = latin1.indexOf('tEXtdiffprobe\0');
    expect(at).toBeGreaterThan(0);
    const stored = latin1.slice(at + 14, latin1.indexOf('IEND') - 8);
    expect(JSON.parse(stored)).toEqual({ eta: 0, note: 'x̂₀ clipped' });
    expect(() => withPngText(new Uint8Array(30), 'k', 't')).toThrow(/not a PNG/);
  });
});
