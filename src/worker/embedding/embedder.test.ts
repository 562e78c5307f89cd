import { describe, expect, it } from 'vitest';
import { createRng, gaussian } from '../../core/rng';
import { createEmbedder } from './embedder';
import type { Embedder } from './embedder-types';

/** Three well separated clusters in 8-D. */
function clusters(n: number, seed = 1): { X: Float32Array; labels: Int32Array } {
  const d = 8;
  const z = gaussian(createRng(seed), n * d);
  const X = new Float32Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    for (let j = 0; j < d; j++) X[i * d + j] = z[i * d + j] * 0.3 + (j === labels[i] ? 6 : 0);
  }
  return { X, labels };
}

function runAll(e: Embedder): Float32Array {
  let steps = 0;
  while (!e.step().done) steps++;
  expect(steps).toBeLessThan(1e6);
  return e.coords()!;
}

const finite = (a: Float32Array) => a.every(Number.isFinite);

describe('createEmbedder', () => {
  it('t-SNE: no layout before optimisation, then a finite n×2 layout; iter and KL reported', () => {
    const { X } = clusters(60);
    const e = createEmbedder(X, 60, 8, 'tsne', { perplexity: 10, nIter: 300 });
    expect(e.coords()).toBeNull();
    const Y = runAll(e);
    expect(Y).toHaveLength(120);
    expect(finite(Y)).toBe(true);
    expect(e.iter).toBe(300);
    expect(e.kl).not.toBeNull();
    expect(e.warnings).toEqual([]);
  });

  it('t-SNE clamps a perplexity too large for n, with a message', () => {
    const { X } = clusters(20);
    const e = createEmbedder(X, 20, 8, 'tsne', { perplexity: 30, nIter: 260 });
    expect(e.warnings[0]).toMatch(/perplexity 30 is too large for 20 points; using 6\.333/);
    expect(finite(runAll(e))).toBe(true);
  });

  it('duplicate points and constant features: messages, never NaN, for every method', () => {
    const n = 45;
    const d = 5;
    const z = gaussian(createRng(7), n * d);
    const X = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const src = i < 15 ? 0 : i; // rows 0–14 identical
      for (let j = 0; j < d; j++) X[i * d + j] = j === 4 ? 3 : z[src * d + j];
    }
    for (const method of ['tsne', 'pca', 'umap'] as const) {
      const e = createEmbedder(X, n, d, method, { perplexity: 5, nIter: 260, nNeighbors: 5 });
      const Y = runAll(e);
      expect(finite(Y), method).toBe(true);
      expect(e.warnings.join(' | ')).toMatch(/1 of 5 features are constant/);
      expect(e.warnings.join(' | ')).toMatch(/14 points have exactly the features of another point/);
    }
  });

  it('all-identical points: a message and a finite layout for every method', () => {
    const X = new Float32Array(30 * 4).fill(2);
    for (const method of ['tsne', 'pca', 'umap'] as const) {
      const e = createEmbedder(X, 30, 4, method, { perplexity: 5, nIter: 260, nNeighbors: 5 });
      const Y = runAll(e);
      expect(finite(Y), method).toBe(true);
      expect(e.warnings[0]).toMatch(/all 30 points have identical features/);
    }
  });

  it('rejects NaN features with probe-data', () => {
    const { X } = clusters(10);
    X[3] = Number.NaN;
    expect(() => createEmbedder(X, 10, 8, 'tsne')).toThrow(expect.objectContaining({ code: 'probe-data' }));
  });

  it('PCA: done in one go, reports the explained variance; one feature still works', () => {
    const { X } = clusters(30);
    const e = createEmbedder(X, 30, 8, 'pca');
    expect(finite(runAll(e))).toBe(true);
    expect(e.warnings[0]).toMatch(/^PCA: the two axes explain [\d.]+% and [\d.]+% of the variance$/);
    const one = createEmbedder(Float32Array.of(1, 2, 3), 3, 1, 'pca');
    expect(Array.from(runAll(one))).toEqual([-1, 0, 0, 0, 1, 0]);
  });

  it('UMAP: seeded (same seed, same layout), clamps neighbours for small n, separates clusters', () => {
    const { X, labels } = clusters(40);
    const a = createEmbedder(X, 40, 8, 'umap', { nIter: 100, seed: 3 });
    const b = createEmbedder(X, 40, 8, 'umap', { nIter: 100, seed: 3 });
    const Ya = runAll(a);
    expect(Array.from(Ya)).toEqual(Array.from(runAll(b)));
    expect(a.iter).toBe(100);
    const small = createEmbedder(X.subarray(0, 8 * 8), 8, 8, 'umap', { nIter: 50, nNeighbors: 15 });
    expect(small.warnings[0]).toMatch(/15 UMAP neighbours are too many for 8 points; using 7/);
    expect(finite(runAll(small))).toBe(true);
    // Same-cluster points end up nearer each other than to other clusters (on average).
    let within = 0;
    let across = 0;
    let nw = 0;
    let na = 0;
    for (let i = 0; i < 40; i++)
      for (let j = i + 1; j < 40; j++) {
        const dd = Math.hypot(Ya[2 * i] - Ya[2 * j], Ya[2 * i + 1] - Ya[2 * j + 1]);
        if (labels[i] === labels[j]) {
          within += dd;
          nw++;
        } else {
          across += dd;
          na++;
        }
      }
    expect(within / nw).toBeLessThan(across / na);
  });

  it('standardise: off by default, on when asked (the result differs)', () => {
    const { X } = clusters(30);
    for (let i = 0; i < 30; i++) X[i * 8] *= 100; // one feature with a much larger scale
    const raw = runAll(createEmbedder(X, 30, 8, 'pca'));
    const std = runAll(createEmbedder(X, 30, 8, 'pca', { standardize: true }));
    expect(Array.from(raw)).not.toEqual(Array.from(std));
  });
});
