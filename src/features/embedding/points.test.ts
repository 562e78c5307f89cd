import { describe, expect, it } from 'vitest';
import { choosePoints, classCentres, classCounts, fitExtent, nearestPoint, pointsInBox } from './points';

describe('points', () => {
  it('chooses the first N or a seeded sample', () => {
    expect(choosePoints(3, 100, 'first', 9)).toEqual([0, 1, 2]);
    expect(choosePoints(500, 100, 'first', 0)).toHaveLength(100);
    const a = choosePoints(10, 100, 'sample', 4);
    expect(a).toEqual(choosePoints(10, 100, 'sample', 4));
    expect(new Set(a).size).toBe(10);
    expect(a).not.toEqual(choosePoints(10, 100, 'sample', 5));
  });

  it('fits with equal units per pixel on both axes and pads', () => {
    const coords = Float32Array.of(0, 0, 10, 2);
    const e = fitExtent(coords, () => true, 200, 100, 0);
    expect((e.x1 - e.x0) / 200).toBeCloseTo((e.y1 - e.y0) / 100, 12);
    expect(e.x0).toBeCloseTo(0);
    expect(e.x1).toBeCloseTo(10);
    expect((e.y0 + e.y1) / 2).toBeCloseTo(1);
    const padded = fitExtent(coords, () => true, 200, 100, 0.05);
    expect(padded.x1 - padded.x0).toBeCloseTo(11);
  });

  it('a layout with no spread, or no visible point, gets a finite box', () => {
    for (const e of [
      fitExtent(Float32Array.of(3, 3, 3, 3), () => true, 100, 100),
      fitExtent(Float32Array.of(0, 0), () => true, 100, 100),
      fitExtent(Float32Array.of(1, 2), () => false, 100, 100),
    ]) {
      expect([e.x0, e.x1, e.y0, e.y1].every(Number.isFinite)).toBe(true);
      expect(e.x1).toBeGreaterThan(e.x0);
      expect(e.y1).toBeGreaterThan(e.y0);
    }
  });

  it('hit test: nearest visible point within the radius', () => {
    const sx = Float32Array.of(10, 20, 30);
    const sy = Float32Array.of(10, 10, 10);
    expect(nearestPoint(sx, sy, 19, 11, () => true, 5)).toBe(1);
    expect(nearestPoint(sx, sy, 19, 11, (i) => i !== 1, 5)).toBe(-1);
    expect(nearestPoint(sx, sy, 50, 50, () => true, 5)).toBe(-1);
  });

  it('box selection takes visible points inside, whichever corner came first', () => {
    const sx = Float32Array.of(10, 20, 30);
    const sy = Float32Array.of(10, 15, 40);
    expect(pointsInBox(sx, sy, [25, 20], [5, 5], () => true)).toEqual([0, 1]);
    expect(pointsInBox(sx, sy, [5, 5], [25, 20], (i) => i !== 0)).toEqual([1]);
  });

  it('counts classes', () => {
    expect(classCounts(Int32Array.of(0, 2, 2, 5), 3)).toEqual([1, 0, 2]);
  });

  it('gives each class its count, centre and RMS spread', () => {
    const coords = Float32Array.of(0, 0, 2, 0, 5, 5, 9, 9);
    const c = classCentres(coords, Int32Array.of(1, 1, 2, 7), 3);
    expect(c[0]).toEqual({ count: 0, x: 0, y: 0, spread: 0 });
    expect(c[1]).toEqual({ count: 2, x: 1, y: 0, spread: 1 });
    expect(c[2]).toEqual({ count: 1, x: 5, y: 5, spread: 0 });
  });
});
