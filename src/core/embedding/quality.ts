/**
 * @file How well a 2-D layout keeps the classes apart, against the features it came from:
 * leave-one-out k-NN accuracy in both spaces on the same rows; and the nearest neighbours of one
 * point in the original features, for the hover tooltip.
 */

import { sampleIndices } from '../sample';
import { knnAccuracy } from './knn';

type Features = Float32Array | Float64Array;

/**
 * Multiply-adds allowed for the original-space k-NN, which costs rows²·d: about 2 s in a worker
 * on a slow machine. 2,000 points × 64 features fit whole; past the budget the readout uses a
 * seeded sample of rows (both spaces on the same rows).
 */
export const QUALITY_BUDGET = 5e8;

/** Rows to evaluate: all n, or a sorted seeded sample of the most that fit the budget. */
export function qualityRows(n: number, d: number, seed = 0, budget = QUALITY_BUDGET): Int32Array {
  const m = Math.min(n, Math.max(2, Math.floor(Math.sqrt(budget / Math.max(d, 1)))));
  if (m >= n) return Int32Array.from({ length: n }, (_, i) => i);
  return Int32Array.from(sampleIndices(n, m, seed).sort((a, b) => a - b));
}

/** The rows `rows` of a row-major n×d matrix, as a new matrix. */
export function takeRows(X: Features, d: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * d);
  for (let r = 0; r < rows.length; r++) out.set(X.subarray(rows[r] * d, rows[r] * d + d), r * d);
  return out;
}

/**
 * Leave-one-out k-NN accuracy of `labels` on the given rows of X (n×d); k is lowered to rows − 1
 * for tiny sets. Returns null when there are fewer than 2 rows.
 *
 * @example knnAccuracyOnRows(coords, 2, labels, qualityRows(n, d), 10) // 0.91
 */
export function knnAccuracyOnRows(
  X: Features,
  d: number,
  labels: ArrayLike<number>,
  rows: Int32Array,
  k = 10,
): { accuracy: number; k: number } | null {
  const m = rows.length;
  if (m < 2) return null;
  const kk = Math.min(k, m - 1);
  const sub = takeRows(X, d, rows);
  const y = Int32Array.from(rows, (r) => labels[r]);
  return { accuracy: knnAccuracy(sub, m, d, y, kk), k: kk };
}

/**
 * The k nearest other rows of row `i` by squared Euclidean distance, nearest first; ties go to
 * the lower index (as core/embedding/knn.ts). O(n·d): fine on the main thread for a hover.
 *
 * @example featureNeighbors(X, n, d, 12, 5) // Int32Array [40, 7, 1033, 5, 891]
 */
export function featureNeighbors(X: Features, n: number, d: number, i: number, k: number): Int32Array {
  const kk = Math.max(0, Math.min(k, n - 1));
  const idx = new Int32Array(kk);
  const dist = new Float64Array(kk).fill(Number.POSITIVE_INFINITY);
  const xi = i * d;
  for (let j = 0; j < n; j++) {
    if (j === i) continue;
    let s = 0;
    const xj = j * d;
    for (let t = 0; t < d; t++) {
      const v = X[xi + t] - X[xj + t];
      s += v * v;
    }
    if (kk === 0 || s >= dist[kk - 1]) continue;
    let p = kk - 1;
    while (p > 0 && dist[p - 1] > s) {
      dist[p] = dist[p - 1];
      idx[p] = idx[p - 1];
      p--;
    }
    dist[p] = s;
    idx[p] = j;
  }
  return idx;
}
