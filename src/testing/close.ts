/**
 * @file Closeness checks for the numeric unit tests (vitest only: it imports `expect`).
 */
import { expect } from 'vitest';

/**
 * Largest error of a float32 result against a float64 reference, in units of "one float32
 * rounding": |a − b| / (2⁻²⁴·|b| + 1e-12). ≤ 1 means correctly rounded up to float64 noise (the
 * 1e-12 absorbs the float64 rounding of the reference where terms cancel to near zero).
 */
export function maxRoundings(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++)
    m = Math.max(m, Math.abs(a[i] - b[i]) / (2 ** -24 * Math.abs(b[i]) + 1e-12));
  return m;
}

/** Every |a[i] − b[i]| ≤ tol, same lengths. */
export function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol);
}
