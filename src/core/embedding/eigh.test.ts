import { describe, expect, it } from 'vitest';
import { createRng, gaussian } from '../rng';
import { eigh } from './eigh';

function check(A: Float64Array, m: number, tol: number): void {
  const { values, vectors } = eigh(A, m);
  for (let c = 1; c < m; c++) expect(values[c]).toBeLessThanOrEqual(values[c - 1]);
  let residual = 0;
  let orth = 0;
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < m; i++) {
      let av = 0;
      for (let j = 0; j < m; j++) av += A[i * m + j] * vectors[c * m + j];
      residual = Math.max(residual, Math.abs(av - values[c] * vectors[c * m + i]));
    }
    for (let c2 = 0; c2 < m; c2++) {
      let dot = 0;
      for (let j = 0; j < m; j++) dot += vectors[c * m + j] * vectors[c2 * m + j];
      orth = Math.max(orth, Math.abs(dot - (c === c2 ? 1 : 0)));
    }
  }
  expect(residual).toBeLessThan(tol);
  expect(orth).toBeLessThan(1e-10);
}

describe('eigh', () => {
  it('2×2', () => {
    const { values, vectors } = eigh(new Float64Array([2, 1, 1, 2]), 2);
    expect(values[0]).toBeCloseTo(3, 12);
    expect(values[1]).toBeCloseTo(1, 12);
    expect(Math.abs(vectors[0])).toBeCloseTo(Math.SQRT1_2, 12);
  });

  it.each([1, 3, 17, 60])('random symmetric m=%i: A·v = λ·v, orthonormal', (m) => {
    const z = gaussian(createRng(m), m * m);
    const A = new Float64Array(m * m);
    for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) A[i * m + j] = A[j * m + i] = z[i * m + j];
    check(A, m, 1e-9);
  });

  it('repeated eigenvalues and the zero matrix', () => {
    const I = new Float64Array(16);
    for (let i = 0; i < 4; i++) I[i * 5] = 2;
    check(I, 4, 1e-12);
    const { values } = eigh(new Float64Array(9), 3);
    expect(Array.from(values)).toEqual([0, 0, 0]);
  });
});
