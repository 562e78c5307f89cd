import { describe, expect, it } from 'vitest';
import { sniffImage } from './sniff';

function png(w: number, h: number): Uint8Array {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(b.buffer).setUint32(16, w);
  new DataView(b.buffer).setUint32(20, h);
  return b;
}

function gif(frames: number): Uint8Array {
  const parts = [...'GIF89a'].map((c) => c.charCodeAt(0));
  parts.push(2, 0, 3, 0, 0, 0, 0); // 2×3, no global colour table
  for (let f = 0; f < frames; f++) parts.push(0x2c, 0, 0, 0, 0, 2, 0, 3, 0, 0, 2, 2, 0x4c, 0x01, 0);
  parts.push(0x3b);
  return Uint8Array.from(parts);
}

describe('sniffImage', () => {
  it('reads PNG sizes, including absurd ones, without decoding', () => {
    expect(sniffImage(png(640, 480))).toEqual({ kind: 'png', width: 640, height: 480, animated: false });
    expect(sniffImage(png(20000, 20000))).toMatchObject({ width: 20000, height: 20000 });
  });

  it('reads a JPEG SOF header', () => {
    const b = Uint8Array.from([
      0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, 0, 30, 0, 40, 1, 0, 0, 0,
    ]);
    expect(sniffImage(b)).toEqual({ kind: 'jpeg', width: 40, height: 30, animated: false });
  });

  it('tells animated GIFs from still ones', () => {
    expect(sniffImage(gif(1))).toEqual({ kind: 'gif', width: 2, height: 3, animated: false });
    expect(sniffImage(gif(3)).animated).toBe(true);
  });

  it('recognises SVG, and refuses empty and non-image files with their own codes', () => {
    expect(sniffImage(new TextEncoder().encode('<?xml version="1.0"?>\n<svg xmlns="…"></svg>')).kind).toBe(
      'svg',
    );
    expect(() => sniffImage(new Uint8Array(0), 'a.png')).toThrow(
      expect.objectContaining({ code: 'image-empty' }),
    );
    expect(() => sniffImage(new TextEncoder().encode('hello'), 'notes.txt')).toThrow(
      expect.objectContaining({ code: 'image-type' }),
    );
    expect(() => sniffImage(Uint8Array.from([0xff, 0xd8, 0xff, 0x00]), 'x.jpg')).toThrow(
      expect.objectContaining({ code: 'image-decode' }),
    );
  });
});
