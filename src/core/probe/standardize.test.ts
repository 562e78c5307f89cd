import { describe, expect, it } from 'vitest';
import { loadProbeFixture } from './probe-fixture';
import { applyStandardizer, fitStandardizer } from './standardize';

describe('fitStandardizer / applyStandardizer', () => {
  it('matches sklearn StandardScaler fitted on the training rows', () => {
    const f = loadProbeFixture();
    const rows = Array.from({ length: f.nTrain }, (_, i) => i);
    const s = fitStandardizer(f.X, f.n, f.d, rows);
    for (let j = 0; j < f.d; j++) {
      expect(s.mean[j]).toBeCloseTo(f.scalerMean[j], 10);
      expect(Math.abs(s.scale[j] / f.scalerScale[j] - 1)).toBeLessThan(1e-12);
    }
    const Z = applyStandardizer(f.X, f.n, f.d, s, new Float64Array(f.n * f.d));
    let m0 = 0;
    for (let i = 0; i < f.nTrain; i++) m0 += Z[i * f.d];
    expect(Math.abs(m0 / f.nTrain)).toBeLessThan(1e-12);
  });

  it('keeps scale 1 for constant columns (no division by zero)', () => {
    const X = new Float32Array([1, 5, 2, 5, 3, 5]);
    const s = fitStandardizer(X, 3, 2);
    expect(Array.from(s.mean)).toEqual([2, 5]);
    expect(s.scale[1]).toBe(1);
    expect(s.scale[0]).toBeCloseTo(Math.sqrt(2 / 3), 12);
    const Z = applyStandardizer(X, 3, 2, s);
    expect(Array.from(Z.filter((_, i) => i % 2 === 1))).toEqual([0, 0, 0]);
    expect(Z).toBeInstanceOf(Float32Array);
  });

  it('keeps the variance of columns with a large offset (no Σx² − (Σx)²/m cancellation)', () => {
    const n = 5001;
    const X = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      X[2 * i] = 1e4 + 0.01 * Math.sin(i); // float32 spacing at 1e4 is ~1e-3: ~10 steps of spread
      X[2 * i + 1] = -3e6 + (i % 7);
    }
    const s = fitStandardizer(X, n, 2);
    for (let j = 0; j < 2; j++) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += X[2 * i + j];
      mean /= n;
      let sq = 0;
      for (let i = 0; i < n; i++) sq += (X[2 * i + j] - mean) ** 2;
      expect(Math.abs(s.mean[j] - mean)).toBeLessThan(1e-9 * Math.abs(mean));
      expect(Math.abs(s.scale[j] / Math.sqrt(sq / n) - 1)).toBeLessThan(1e-9);
    }
  });

  it('rejects an empty row set', () => {
    expect(() => fitStandardizer(new Float32Array(4), 2, 2, [])).toThrow(/no rows/);
  });
});
