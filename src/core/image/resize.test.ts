import { describe, expect, it } from 'vitest';
import { centerCrop, coverSize, resizePlanes } from './resize';

const constant = (n: number, v: number) => new Float32Array(n).fill(v);

describe('resizePlanes', () => {
  it('keeps a constant image constant (down, up, and odd ratios)', () => {
    for (const [sh, sw, dh, dw] of [
      [56, 56, 28, 28],
      [100, 37, 28, 11],
      [7, 7, 28, 28],
      [28, 28, 29, 31],
      [3, 1000, 28, 28],
    ]) {
      const out = resizePlanes(constant(2 * sh * sw, 137.5), 2, sh, sw, dh, dw);
      expect(out.length).toBe(2 * dh * dw);
      for (const v of out) expect(Math.abs(v - 137.5)).toBeLessThan(1e-4);
    }
  });

  it('averages a 56×56 checkerboard down 2× to uniform grey', () => {
    const src = new Float32Array(56 * 56);
    for (let y = 0; y < 56; y++) for (let x = 0; x < 56; x++) src[y * 56 + x] = (x + y) % 2 ? 255 : 0;
    const out = resizePlanes(src, 1, 56, 56, 28, 28);
    for (const v of out) expect(v).toBe(127.5);
  });

  it('box-averages with fractional edge weights (3 → 2)', () => {
    // output 0 covers [0, 1.5): 1·a + 0.5·b over 1.5; output 1 covers [1.5, 3)
    const out = resizePlanes(new Float32Array([0, 30, 90]), 1, 1, 3, 1, 2);
    expect(out[0]).toBeCloseTo((0 + 0.5 * 30) / 1.5, 5);
    expect(out[1]).toBeCloseTo((0.5 * 30 + 90) / 1.5, 5);
  });

  it('upscales bilinearly with half-pixel centres and clamped edges', () => {
    const out = resizePlanes(new Float32Array([0, 100]), 1, 1, 2, 1, 4);
    expect(Array.from(out)).toEqual([0, 25, 75, 100]);
  });

  it('copies when the size is unchanged', () => {
    const src = Float32Array.from({ length: 12 }, (_, i) => i * 1.1);
    const out = resizePlanes(src, 3, 2, 2, 2, 2);
    expect(out).not.toBe(src);
    expect(Array.from(out)).toEqual(Array.from(src));
  });
});

describe('coverSize and centerCrop', () => {
  it('makes the shorter side the target and keeps the aspect ratio', () => {
    expect(coverSize(20, 40, 10, 10)).toEqual([10, 20]);
    expect(coverSize(640, 480, 28, 28)).toEqual([37, 28]);
    expect(coverSize(28, 28, 28, 28)).toEqual([28, 28]);
    expect(coverSize(10, 10, 28, 56)).toEqual([56, 56]);
    // Rounding never leaves the covered side short of the target.
    expect(coverSize(1000, 999, 28, 28)[0]).toBeGreaterThanOrEqual(28);
  });

  it('crops the centre, extra pixel to the bottom/right', () => {
    const src = Float32Array.from({ length: 4 * 5 }, (_, i) => i); // 4 rows × 5 cols
    expect(Array.from(centerCrop(src, 1, 4, 5, 2, 2))).toEqual([6, 7, 11, 12]);
    expect(Array.from(centerCrop(src, 1, 4, 5, 4, 3))).toEqual([1, 2, 3, 6, 7, 8, 11, 12, 13, 16, 17, 18]);
  });
});
