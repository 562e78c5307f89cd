import { describe, expect, it } from 'vitest';
import { createRng, gaussian } from '../rng';
import { knnAccuracy, nearestNeighbors } from './knn';
import { featureNeighbors, knnAccuracyOnRows, QUALITY_BUDGET, qualityRows, takeRows } from './quality';

describe('quality', () => {
  const n = 50;
  const d = 4;
  const X = gaussian(createRng(11), n * d);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);

  it('uses every row when n²·d fits the budget, else a sorted seeded sample', () => {
    expect(Array.from(qualityRows(5, 10))).toEqual([0, 1, 2, 3, 4]);
    const rows = qualityRows(10_000, 1024, 0);
    expect(rows.length).toBe(Math.floor(Math.sqrt(QUALITY_BUDGET / 1024)));
    expect(qualityRows(2000, 64).length).toBe(2000);
    for (let i = 1; i < rows.length; i++) expect(rows[i]).toBeGreaterThan(rows[i - 1]);
    expect(Array.from(qualityRows(10_000, 1024, 0))).toEqual(Array.from(rows));
  });

  it('on all rows equals core knnAccuracy; k shrinks for tiny sets; null below 2 rows', () => {
    const all = qualityRows(n, d);
    expect(knnAccuracyOnRows(X, d, labels, all, 10)).toEqual({
      accuracy: knnAccuracy(X, n, d, labels, 10),
      k: 10,
    });
    const three = Int32Array.of(0, 5, 9);
    const r = knnAccuracyOnRows(X, d, labels, three, 10)!;
    expect(r.k).toBe(2);
    expect(r.accuracy).toBe(knnAccuracy(takeRows(X, d, three), 3, d, Int32Array.of(0, 2, 0), 2));
    expect(knnAccuracyOnRows(X, d, labels, Int32Array.of(4), 10)).toBeNull();
  });

  it('featureNeighbors matches core nearestNeighbors row by row', () => {
    const ref = nearestNeighbors(X, n, d, 5).indices;
    for (const i of [0, 17, 49])
      expect(Array.from(featureNeighbors(X, n, d, i, 5))).toEqual(Array.from(ref.subarray(i * 5, i * 5 + 5)));
    expect(Array.from(featureNeighbors(Float32Array.of(0, 1), 2, 1, 0, 5))).toEqual([1]);
  });

  it('ties go to the lower index', () => {
    const Xt = Float32Array.of(0, 1, 1, 1, -1);
    expect(Array.from(featureNeighbors(Xt, 5, 1, 0, 3))).toEqual([1, 2, 3]);
  });
});
