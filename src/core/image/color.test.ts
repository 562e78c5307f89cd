import { describe, expect, it } from 'vitest';
import { luma, overWhite, rgbaToPlanes } from './color';

describe('luma (BT.601)', () => {
  it('weights R, G, B by 0.299, 0.587, 0.114', () => {
    expect(luma(255, 0, 0)).toBeCloseTo(0.299 * 255, 12);
    expect(luma(0, 255, 0)).toBeCloseTo(0.587 * 255, 12);
    expect(luma(0, 0, 255)).toBeCloseTo(0.114 * 255, 12);
    expect(luma(10, 20, 30)).toBeCloseTo(0.299 * 10 + 0.587 * 20 + 0.114 * 30, 12);
  });

  it('returns grey values exactly', () => {
    for (let v = 0; v <= 255; v++) expect(luma(v, v, v)).toBe(v);
    expect(luma(12.25, 12.25, 12.25)).toBe(12.25);
  });
});

describe('alpha', () => {
  it('composites over white', () => {
    expect(overWhite(0, 255)).toBe(0);
    expect(overWhite(0, 0)).toBe(255);
    expect(overWhite(100, 51)).toBeCloseTo(100 * 0.2 + 255 * 0.8, 12);
  });

  it('rgbaToPlanes gives CHW planes, or luma for one channel', () => {
    // 2 pixels: opaque red, fully transparent black
    const rgba = new Uint8Array([255, 0, 0, 255, 0, 0, 0, 0]);
    expect(Array.from(rgbaToPlanes(rgba, 2, 1, 3))).toEqual([255, 255, 0, 255, 0, 255]);
    const gray = rgbaToPlanes(rgba, 2, 1, 1);
    expect(gray[0]).toBeCloseTo(76.245, 4);
    expect(gray[1]).toBe(255);
  });
});
