import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDiffProbeError } from '../errors';
import { createRng, gaussian } from '../rng';
import {
  type CkaEstimator,
  checkCkaImages,
  ckaOf,
  featureOperand,
  gramOperand,
  gramRows,
  isConstant,
  linearGram,
  routeCosts,
  undefinedReason,
} from './linear-cka';

interface Case {
  name: string;
  n: number;
  p: number;
  q: number;
  X: number[];
  Y: number[];
  biased: number | null;
  debiased: number | null;
}
const FIXTURE: { cases: Case[] } = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../../../tools/model/fixtures/core/cka.json'), 'utf8'),
);

const ESTIMATORS: CkaEstimator[] = ['biased', 'debiased'];

function viaFeatures(
  X: ArrayLike<number>,
  Y: ArrayLike<number>,
  n: number,
  p: number,
  q: number,
  e: CkaEstimator,
) {
  return ckaOf(featureOperand(X, n, p, e), featureOperand(Y, n, q, e));
}

function viaGram(
  X: ArrayLike<number>,
  Y: ArrayLike<number>,
  n: number,
  p: number,
  q: number,
  e: CkaEstimator,
) {
  const a = gramOperand(linearGram(X, n, p), n, e, isConstant(X, n, p));
  const b = gramOperand(linearGram(Y, n, q), n, e, isConstant(Y, n, q));
  return ckaOf(a, b);
}

function randn(n: number, seed: number): Float64Array {
  return Float64Array.from(gaussian(createRng(seed), n));
}

/** A random orthogonal d×d matrix (Gram–Schmidt of a Gaussian one). */
function orthogonal(d: number, seed: number): Float64Array {
  const Q = randn(d * d, seed);
  for (let c = 0; c < d; c++) {
    for (let k = 0; k < c; k++) {
      let dot = 0;
      for (let r = 0; r < d; r++) dot += Q[r * d + c] * Q[r * d + k];
      for (let r = 0; r < d; r++) Q[r * d + c] -= dot * Q[r * d + k];
    }
    let norm = 0;
    for (let r = 0; r < d; r++) norm += Q[r * d + c] ** 2;
    for (let r = 0; r < d; r++) Q[r * d + c] /= Math.sqrt(norm);
  }
  return Q;
}

function matmul(A: Float64Array, n: number, k: number, B: Float64Array, m: number): Float64Array {
  const C = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < k; a++) for (let j = 0; j < m; j++) C[i * m + j] += A[i * k + a] * B[a * m + j];
  return C;
}

describe('linear CKA against NumPy', () => {
  for (const c of FIXTURE.cases)
    for (const e of ESTIMATORS)
      it(`${c.name}, ${e}: both routes within 1e-6 of NumPy`, () => {
        const X = Float32Array.from(c.X);
        const Y = Float32Array.from(c.Y);
        const expected = c[e];
        const f = viaFeatures(X, Y, c.n, c.p, c.q, e);
        const g = viaGram(X, Y, c.n, c.p, c.q, e);
        if (expected === null) {
          expect(f).toBeNull();
          expect(g).toBeNull();
        } else {
          expect(Math.abs(f! - expected)).toBeLessThanOrEqual(1e-6);
          expect(Math.abs(g! - expected)).toBeLessThanOrEqual(1e-6);
        }
      });

  it('the debiased estimator removes the pull towards 1 of wide random features', () => {
    const wide = FIXTURE.cases.find((c) => c.name === 'wide')!;
    expect(wide.biased!).toBeGreaterThan(0.5);
    expect(Math.abs(wide.debiased!)).toBeLessThan(0.2);
  });
});

describe('invariances', () => {
  const n = 60;
  const p = 12;
  const q = 9;
  const X = randn(n * p, 1);
  const Y = matmul(X, n, p, randn(p * q, 2), q).map((v, i) => Math.tanh(v) + 0.2 * randn(n * q, 3)[i]);
  for (const e of ESTIMATORS) {
    const base = viaFeatures(X, Y, n, p, q, e)!;
    it(`${e}: an orthogonal transform of the features leaves CKA unchanged`, () => {
      const XQ = matmul(X, n, p, orthogonal(p, 4), p);
      expect(viaFeatures(XQ, Y, n, p, q, e)!).toBeCloseTo(base, 12);
      expect(viaGram(XQ, Y, n, p, q, e)!).toBeCloseTo(base, 12);
    });
    it(`${e}: isotropic scaling leaves CKA unchanged`, () => {
      const Xs = X.map((v) => 37.5 * v);
      const Ys = Y.map((v) => 1e-3 * v);
      expect(viaFeatures(Xs, Ys, n, p, q, e)!).toBeCloseTo(base, 12);
      expect(viaGram(Xs, Ys, n, p, q, e)!).toBeCloseTo(base, 12);
    });
    it(`${e}: a constant offset per feature leaves CKA unchanged`, () => {
      const Xo = X.map((v, i) => v + 100 + (i % p));
      expect(viaFeatures(Xo, Y, n, p, q, e)!).toBeCloseTo(base, 9);
      expect(viaGram(Xo, Y, n, p, q, e)!).toBeCloseTo(base, 9);
    });
    it(`${e}: a representation is identical to itself and CKA is symmetric`, () => {
      expect(viaFeatures(X, X, n, p, p, e)!).toBeCloseTo(1, 12);
      expect(viaGram(Y, Y, n, q, q, e)!).toBeCloseTo(1, 12);
      expect(viaFeatures(Y, X, n, q, p, e)!).toBeCloseTo(base, 12);
    });
  }
});

describe('undefined values and bad input', () => {
  it('a representation that is the same for every image gives null, with the reason', () => {
    const n = 20;
    const c = new Float32Array(n * 3).fill(0.25);
    const y = Float32Array.from(randn(n * 2, 5));
    for (const e of ESTIMATORS) {
      const a = featureOperand(c, n, 3, e);
      const b = featureOperand(y, n, 2, e);
      expect(a.constant).toBe(true);
      expect(ckaOf(a, b)).toBeNull();
      expect(undefinedReason(a, b)).toBe('constant');
      expect(undefinedReason(b, b)).toBeNull();
      expect(viaGram(c, y, n, 3, 2, e)).toBeNull();
    }
  });

  it('fewer than 10 images is refused with a cka-data error naming the count', () => {
    expect(() => checkCkaImages(9)).toThrow(/at least 10 images.*got 9/);
    try {
      checkCkaImages(3);
    } catch (error) {
      expect(isDiffProbeError(error, 'cka-data')).toBe(true);
    }
    expect(() => checkCkaImages(10)).not.toThrow();
  });

  it('NaN in the features is an error, not a NaN similarity', () => {
    const X = Float32Array.from(randn(30, 6));
    X[7] = Number.NaN;
    expect(() => featureOperand(X, 10, 3, 'biased')).toThrow(/NaN/);
  });
});

describe('Gram matrices', () => {
  it('gramRows over consecutive ranges fills the same K as one call, and K is X·Xᵀ', () => {
    const n = 23;
    const d = 17;
    const X = Float32Array.from(randn(n * d, 9));
    const whole = linearGram(X, n, d);
    const parts = new Float64Array(n * n);
    for (const [s, e] of [
      [0, 5],
      [5, 6],
      [6, 19],
      [19, 23],
    ])
      gramRows(X, n, d, parts, s, e);
    expect(parts).toEqual(whole);
    let k = 0;
    for (let a = 0; a < d; a++) k += X[3 * d + a] * X[11 * d + a];
    expect(whole[3 * n + 11]).toBeCloseTo(k, 12);
    expect(whole[11 * n + 3]).toBe(whole[3 * n + 11]);
  });

  it('float32 storage of a centred Gram keeps CKA within 1e-6', () => {
    const n = 50;
    const X = Float32Array.from(randn(n * 40, 11));
    const Y = Float32Array.from(randn(n * 30, 12).map((v, i) => v + X[i % (n * 40)]));
    for (const e of ESTIMATORS) {
      const exact = viaGram(X, Y, n, 40, 30, e)!;
      const a = gramOperand(linearGram(X, n, 40), n, e, false, 'float32');
      const b = gramOperand(linearGram(Y, n, 30), n, e, false, 'float32');
      expect(Math.abs(ckaOf(a, b)! - exact)).toBeLessThan(1e-6);
    }
  });

  it('the cost model prefers feature space for pooled features and Gram matrices for full maps', () => {
    const pairs: [number, number][] = [];
    for (let i = 0; i < 16; i++) for (let j = i; j < 16; j++) pairs.push([i, j]);
    const pooled = routeCosts(1000, Array(16).fill(64), pairs);
    expect(pooled.features).toBeLessThan(pooled.gram);
    const maps = routeCosts(1000, Array(16).fill(64 * 14 * 14), pairs);
    expect(maps.gram).toBeLessThan(maps.features);
  });
});
