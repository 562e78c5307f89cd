import { describe, expect, it } from 'vitest';
import { createRng, gaussian } from '../rng';
import { PcaFit, pca } from './pca';
import { loadTsneFixture } from './tsne-fixture';

describe('pca', () => {
  it('matches sklearn PCA (explained variance, axes and coordinates up to sign)', () => {
    const f = loadTsneFixture();
    const r = pca(f.X, f.n, f.d, 3);
    for (let c = 0; c < 3; c++) {
      expect(Math.abs(r.explainedVariance[c] / f.pca.explainedVariance[c] - 1)).toBeLessThan(1e-6);
      expect(Math.abs(r.explainedVarianceRatio[c] - f.pca.explainedVarianceRatio[c])).toBeLessThan(1e-8);
      let dot = 0;
      for (let j = 0; j < f.d; j++) dot += r.components[c * f.d + j] * f.pca.components[c][j];
      expect(Math.abs(Math.abs(dot) - 1)).toBeLessThan(1e-6);
      const sign = Math.sign(dot);
      for (let i = 0; i < 5; i++) expect(r.coords[i * 3 + c] * sign).toBeCloseTo(f.pca.coordsFirst5[i][c], 4);
    }
  });

  it('flips each axis so its largest-magnitude entry is positive', () => {
    const f = loadTsneFixture();
    const r = pca(f.X, f.n, f.d, 2);
    for (let c = 0; c < 2; c++) {
      let best = 0;
      for (let j = 0; j < f.d; j++)
        if (Math.abs(r.components[c * f.d + j]) > Math.abs(r.components[c * f.d + best])) best = j;
      expect(r.components[c * f.d + best]).toBeGreaterThan(0);
    }
  });

  it('the Gram route (n < d) gives the same result as the covariance route', () => {
    const n = 12;
    const d = 30;
    const X = gaussian(createRng(5), n * d);
    const wide = pca(X, n, d, 2);
    expect(wide.explainedVarianceRatio[0]).toBeGreaterThan(wide.explainedVarianceRatio[1]);
    // Repeating every row 3 times makes n ≥ d (covariance route) without changing the axes or
    // the variance ratios.
    const reps = 3;
    const tall = new Float32Array(n * reps * d);
    for (let r = 0; r < reps; r++) tall.set(X, r * n * d);
    const t = pca(tall, n * reps, d, 2);
    for (let c = 0; c < 2; c++) {
      expect(t.explainedVarianceRatio[c]).toBeCloseTo(wide.explainedVarianceRatio[c], 10);
      let dot = 0;
      for (let j = 0; j < d; j++) dot += t.components[c * d + j] * wide.components[c * d + j];
      expect(dot).toBeCloseTo(1, 10);
    }
  });

  it('PcaFit in small steps gives the same result as pca()', () => {
    const f = loadTsneFixture();
    const fit = new PcaFit(f.X, f.n, f.d, 2);
    let steps = 1;
    while (!fit.step(1e5)) steps++;
    expect(steps).toBeGreaterThan(5);
    expect(fit.progress).toBe(1);
    const ref = pca(f.X, f.n, f.d, 2);
    let diff = 0;
    for (let t = 0; t < ref.coords.length; t++)
      diff = Math.max(diff, Math.abs(fit.result().coords[t] - ref.coords[t]));
    expect(diff).toBeLessThan(1e-9);
  });

  it('constant data gives zero variance, no NaN', () => {
    const r = pca(new Float32Array(20).fill(3), 10, 2, 2);
    expect(Array.from(r.coords).every((v) => v === 0)).toBe(true);
    expect(Array.from(r.explainedVarianceRatio)).toEqual([0, 0]);
  });
});
