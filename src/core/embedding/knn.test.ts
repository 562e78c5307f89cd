import { describe, expect, it } from 'vitest';
import { knnAccuracy, nearestNeighbors, trustworthiness } from './knn';
import { loadTsneFixture } from './tsne-fixture';

const { small } = loadTsneFixture();
const X = Float64Array.from(small.X.flat());
const Y = Float64Array.from(small.Y.flat());
const n = small.X.length;

describe('trustworthiness', () => {
  it('matches sklearn.manifold.trustworthiness', () => {
    expect(trustworthiness(X, n, 5, Y, n, 2, 5)).toBeCloseTo(small.trustworthiness5, 12);
    expect(trustworthiness(X, n, 5, Y, n, 2, 10)).toBeCloseTo(small.trustworthiness10, 12);
    expect(trustworthiness(X, n, 5, X, n, 5, 5)).toBe(1);
    expect(small.trustworthinessSelf5).toBe(1);
  });

  it('requires k < n/2', () => {
    expect(() => trustworthiness(X, n, 5, Y, n, 2, 20)).toThrow(
      expect.objectContaining({ code: 'probe-data' }),
    );
  });
});

describe('knnAccuracy', () => {
  it('matches the reference vote (ties → distance sum → label)', () => {
    expect(knnAccuracy(Y, n, 2, small.labels, 5)).toBeCloseTo(small.knnAccuracy5Y, 12);
    expect(knnAccuracy(X, n, 5, small.labels, 3)).toBeCloseTo(small.knnAccuracy3X, 12);
  });

  it('breaks a tied vote by the smaller distance sum', () => {
    // Point 0 at the origin; two class-1 points at distance 1, two class-2 points at distance 2.
    const P = new Float64Array([0, 0, 1, 0, -1, 0, 2, 0, -2, 0]);
    const labels = [1, 1, 1, 2, 2];
    // k = 4 for point 0: votes 2 × class 1 (sum 2) vs 2 × class 2 (sum 4) → class 1, correct.
    const { indices } = nearestNeighbors(P, 5, 2, 4);
    expect(Array.from(indices.subarray(0, 4))).toEqual([1, 2, 3, 4]);
    expect(knnAccuracy(P, 5, 2, labels, 4)).toBeGreaterThan(0);
  });
});
