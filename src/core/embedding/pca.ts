/**
 * @file Principal component analysis to k dimensions (exact, deterministic).
 *
 * Centres the data, then takes the top eigenvectors of the d×d covariance (when d ≤ n) or of
 * the n×n Gram matrix (when n < d), whichever is smaller, with {@link eigh}. Cost: about
 * n·m²/2 multiply-adds to form the matrix plus O(m³) for eigh, m = min(n, d); e.g. 10,000 × 256
 * takes a fraction of a second. For m in the thousands reduce the features first.
 *
 * Sign convention: each component (row of `components`, length d) is flipped so that its entry
 * of largest magnitude is positive (ties: the first such entry). sklearn's `svd_flip` instead
 * looks at the largest entry of each column of U (the scores), so coordinates may differ from
 * sklearn's by a sign per axis; the explained variances are identical.
 */

import { DiffProbeError, quote } from '../errors';
import { eigh } from './eigh';

type Features = Float32Array | Float64Array;

export interface PcaResult {
  /** n×k row-major projections of the centred data. */
  readonly coords: Float64Array;
  /** k×d row-major unit principal axes. */
  readonly components: Float64Array;
  /** Variance along each axis (denominator n − 1, like sklearn's explained_variance_). */
  readonly explainedVariance: Float64Array;
  /** explainedVariance / total variance; sums to ≤ 1. */
  readonly explainedVarianceRatio: Float64Array;
  /** Column means that were subtracted (length d). */
  readonly mean: Float64Array;
}

const ROWS = 4; // rows folded into one pass over the covariance

/** Σ_i x_i x_iᵀ over centred rows, upper triangle, four rows per pass over C. */
function covariance(X: Features, n: number, d: number, mean: Float64Array): Float64Array {
  const C = new Float64Array(d * d);
  const buf = new Float64Array(ROWS * d);
  for (let i0 = 0; i0 < n; i0 += ROWS) {
    const r = Math.min(ROWS, n - i0);
    buf.fill(0);
    for (let t = 0; t < r; t++) {
      const o = (i0 + t) * d;
      for (let j = 0; j < d; j++) buf[t * d + j] = X[o + j] - mean[j];
    }
    const d2 = 2 * d;
    const d3 = 3 * d;
    for (let a = 0; a < d; a++) {
      const x0 = buf[a];
      const x1 = buf[d + a];
      const x2 = buf[d2 + a];
      const x3 = buf[d3 + a];
      const ro = a * d;
      for (let b = a; b < d; b++) C[ro + b] += x0 * buf[b] + x1 * buf[d + b] + x2 * buf[d2 + b] + x3 * buf[d3 + b];
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) C[a * d + b] = C[b * d + a];
  return C;
}

/** Centred Gram matrix G_ij = (x_i − μ)·(x_j − μ). */
function gram(X: Features, n: number, d: number, mean: Float64Array): Float64Array {
  const Xc = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) Xc[i * d + j] = X[i * d + j] - mean[j];
  const G = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += Xc[i * d + t] * Xc[j * d + t];
      G[i * n + j] = s;
      G[j * n + i] = s;
    }
  }
  return G;
}

/**
 * Project n×d data on its first k principal axes.
 *
 * @example const { coords, explainedVarianceRatio } = pca(X, n, d, 2); // coords: n×2
 */
export function pca(X: Features, n: number, d: number, k = 2): PcaResult {
  if (!Number.isInteger(n) || !Number.isInteger(d) || n < 1 || d < 1 || X.length < n * d) {
    throw new DiffProbeError('internal', `pca: X of length ${X.length} does not hold n=${quote(n)} × d=${quote(d)}`);
  }
  if (!Number.isInteger(k) || k < 1 || k > Math.min(n, d)) {
    throw new DiffProbeError('internal', `pca: k=${quote(k)} must be in [1, min(n, d) = ${Math.min(n, d)}]`);
  }
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += X[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (let j = 0; j < d; j++) {
    if (!Number.isFinite(mean[j])) {
      throw new DiffProbeError('probe-data', `pca: column ${j} has non-finite values`, { column: j });
    }
  }

  const components = new Float64Array(k * d);
  const values = new Float64Array(k);
  let total = 0;
  if (d <= n) {
    const C = covariance(X, n, d, mean);
    for (let j = 0; j < d; j++) total += C[j * d + j];
    const eig = eigh(C, d);
    for (let c = 0; c < k; c++) {
      values[c] = Math.max(0, eig.values[c]);
      components.set(eig.vectors.subarray(c * d, c * d + d), c * d);
    }
  } else {
    const G = gram(X, n, d, mean);
    for (let i = 0; i < n; i++) total += G[i * n + i];
    const eig = eigh(G, n);
    for (let c = 0; c < k; c++) {
      const lambda = Math.max(0, eig.values[c]);
      values[c] = lambda;
      // v = Xcᵀ u / √λ is the unit axis belonging to the Gram eigenvector u.
      if (lambda > 0) {
        const inv = 1 / Math.sqrt(lambda);
        for (let i = 0; i < n; i++) {
          const u = eig.vectors[c * n + i] * inv;
          for (let j = 0; j < d; j++) components[c * d + j] += u * (X[i * d + j] - mean[j]);
        }
      } else {
        components[c * d + c] = 1; // no variance left: any unit axis will do
      }
    }
  }

  for (let c = 0; c < k; c++) {
    let best = 0;
    for (let j = 1; j < d; j++) if (Math.abs(components[c * d + j]) > Math.abs(components[c * d + best])) best = j;
    if (components[c * d + best] < 0) for (let j = 0; j < d; j++) components[c * d + j] = -components[c * d + j];
  }

  const coords = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (X[i * d + j] - mean[j]) * components[c * d + j];
      coords[i * k + c] = s;
    }
  }
  const denom = Math.max(n - 1, 1);
  const explainedVariance = values.map((v) => v / denom);
  const explainedVarianceRatio = values.map((v) => (total > 0 ? v / total : 0));
  return { coords, components, explainedVariance, explainedVarianceRatio, mean };
}
