import { describe, expect, it } from 'vitest';
import { createRng, gaussian } from '../rng';
import { knnAccuracy, trustworthiness } from './knn';
import { TSNE, type TsneStepInfo } from './tsne';
import { loadTsneFixture } from './tsne-fixture';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('TSNE vs sklearn 1.2 (1,000 points, 64 dims, 10 clusters)', () => {
  const f = loadTsneFixture();
  it('reaches the same quality: 10-NN accuracy ±2 points, trustworthiness ±0.01, KL ±10%', () => {
    const t = new TSNE(f.X, f.n, f.d);
    const log: TsneStepInfo[] = [];
    let s = t.step();
    while (!s.done) {
      log.push(s);
      s = t.step();
    }
    log.push(s);
    const Y = t.embedding;
    const acc = knnAccuracy(Y, f.n, 2, f.labels, 10);
    const tw = trustworthiness(f.X, f.n, f.d, Y, f.n, 2, 10);
    const skAcc = mean(f.sklearnRuns.map((r) => r.knnAccuracy10));
    const skTw = mean(f.sklearnRuns.map((r) => r.trustworthiness10));
    const skKl = mean(f.sklearnRuns.map((r) => r.kl));
    console.info(
      `t-SNE 1k: 10-NN acc ${acc.toFixed(4)} (sklearn ${skAcc.toFixed(4)}), trustworthiness ${tw.toFixed(4)} ` +
        `(sklearn ${skTw.toFixed(4)}), KL ${t.kl?.toFixed(4)} (sklearn ${skKl.toFixed(4)}), ${s.iter} iterations`,
    );
    expect(Math.abs(acc - skAcc)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(tw - skTw)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(t.kl! - skKl) / skKl).toBeLessThanOrEqual(0.1);
    expect(t.warnings).toEqual([]);
    expect(t.learningRate).toBe(50);
    // Phases in order, KL every 50 iterations, progress monotone.
    const phases = [...new Set(log.map((l) => l.phase))];
    expect(phases).toEqual(['neighbors', 'affinities', 'init', 'optimize']);
    const klIters = log.filter((l) => l.kl !== null).map((l) => l.iter);
    expect(klIters.slice(0, 3)).toEqual([50, 100, 150]);
    for (let i = 1; i < log.length; i++) expect(log[i].progress).toBeGreaterThanOrEqual(log[i - 1].progress);
    expect(s.progress).toBe(1);
  });
});

describe('TSNE edge cases', () => {
  it('clamps the perplexity for small n and reports it', () => {
    const n = 20;
    const X = gaussian(createRng(1), n * 3);
    const t = new TSNE(X, n, 3, { nIter: 300 });
    expect(t.perplexity).toBeCloseTo(19 / 3, 12);
    expect(t.kNeighbors).toBe(19);
    expect(t.warnings[0]).toMatch(/perplexity 30 is too large for 20 points/);
    t.run();
    expect(t.embedding.every(Number.isFinite)).toBe(true);
  });

  it('duplicate points and constant features give no NaN', () => {
    const n = 120;
    const d = 6;
    const z = gaussian(createRng(2), n * d);
    const X = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const src = i < 40 ? 0 : i; // rows 0–39 are identical
      for (let j = 0; j < d; j++) X[i * d + j] = j >= 4 ? 7 : z[src * d + j]; // columns 4, 5 constant
    }
    const t = new TSNE(X, n, d, { perplexity: 10, nIter: 300 });
    const s = t.run();
    expect(s.done).toBe(true);
    expect(t.embedding.every(Number.isFinite)).toBe(true);
    expect(t.betas.every(Number.isFinite)).toBe(true);
    expect(t.kl !== null && Number.isFinite(t.kl)).toBe(true);
  });

  it('all-identical points: no NaN, falls back to a random start', () => {
    const t = new TSNE(new Float32Array(30).fill(1), 10, 3, { nIter: 260 });
    t.run();
    expect(t.embedding.every(Number.isFinite)).toBe(true);
    expect(t.warnings.some((w) => /no variance/.test(w))).toBe(true);
  });

  it('is deterministic, and rejects NaN input with probe-data', () => {
    const n = 60;
    const X = gaussian(createRng(3), n * 4);
    const a = new TSNE(X, n, 4, { perplexity: 5, nIter: 300 });
    const b = new TSNE(X, n, 4, { perplexity: 5, nIter: 300 });
    a.run();
    b.run();
    expect(Array.from(a.embedding)).toEqual(Array.from(b.embedding));
    X[7] = Number.NaN;
    expect(() => new TSNE(X, n, 4)).toThrow(expect.objectContaining({ code: 'probe-data' }));
  });

  it('accepts a given or a random start', () => {
    const n = 40;
    const X = gaussian(createRng(4), n * 3);
    const init = Float64Array.from(gaussian(createRng(5), 2 * n), (v) => v * 1e-4);
    const a = new TSNE(X, n, 3, { perplexity: 5, init, nIter: 250 });
    while (a.currentPhase !== 'optimize') a.step();
    expect(Array.from(a.embedding)).toEqual(Array.from(init));
    const b = new TSNE(X, n, 3, { perplexity: 5, init: 'random', seed: 9, nIter: 250 });
    b.run();
    expect(b.embedding.every(Number.isFinite)).toBe(true);
  });

  it('ends early exaggeration like sklearn: momentum state reset, and a small gradient moves on to the second phase', () => {
    const n = 60;
    const X = gaussian(createRng(6), n * 4);
    type Inner = { update: Float64Array; gains: Float64Array };
    const a = new TSNE(X, n, 4, { perplexity: 5, nIter: 300 });
    const inner = a as unknown as Inner;
    while (a.step().iter < 250) {}
    // sklearn's second _gradient_descent call starts from update = 0 and gains = 1.
    expect(inner.update.every((v) => v === 0)).toBe(true);
    expect(inner.gains.every((v) => v === 1)).toBe(true);
    expect(a.step().iter).toBe(251);
    expect(inner.update.some((v) => v !== 0)).toBe(true);
    // min_grad_norm reached at the first check (iteration 50) ends the exaggeration phase, not the
    // run: sklearn then stops at the second phase's first check (n_iter_ = 99, i.e. 100 iterations).
    const b = new TSNE(X, n, 4, { perplexity: 5, minGradNorm: 1e9 });
    const log: TsneStepInfo[] = [];
    for (let s = b.step(); ; s = b.step()) {
      log.push(s);
      if (s.done) break;
    }
    const checks = log.filter((s) => s.kl !== null);
    expect(checks.map((s) => s.iter)).toEqual([50, 100]);
    expect(log[log.length - 1].iter).toBe(100);
    // The KL at 100 is without the ×12 exaggeration of P (roughly 12·(KL + ln 12) with it).
    expect(checks[1].kl!).toBeLessThan(checks[0].kl! / 5);
  });

  it('n = 1 is done at once', () => {
    const t = new TSNE(new Float32Array([1, 2]), 1, 2);
    expect(t.step().done).toBe(true);
    expect(Array.from(t.embedding)).toEqual([0, 0]);
  });
});
