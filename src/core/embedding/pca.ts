/**
 * @file Principal component analysis to k dimensions (exact, deterministic).
 *
 * Centres the data, then takes the top eigenvectors of the d×d covariance (when d ≤ n) or of
 * the n×n Gram matrix (when n < d), whichever is smaller, with {@link eigh}. Cost: about
 * n·m²/2 multiply-adds to form the matrix plus O(m³) for eigh, m = min(n, d); e.g. 10,000 × 256
 * takes a fraction of a second. For m in the thousands reduce the features first. {@link PcaFit}
 * does the same work in bounded steps (row blocks of the matrix) for a worker; {@link pca} runs it
 * to the end.
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

/** Adds Σ x_i x_iᵀ (upper triangle) of centred rows [from, to) to C, four rows per pass. */
function accumulateCovariance(
  X: Features,
  d: number,
  mean: Float64Array,
  C: Float64Array,
  buf: Float64Array,
  from: number,
  to: number,
): void {
  const d2 = 2 * d;
  const d3 = 3 * d;
  for (let i0 = from; i0 < to; i0 += ROWS) {
    const r = Math.min(ROWS, to - i0);
    buf.fill(0);
    for (let t = 0; t < r; t++) {
      const o = (i0 + t) * d;
      for (let j = 0; j < d; j++) buf[t * d + j] = X[o + j] - mean[j];
    }
    for (let a = 0; a < d; a++) {
      const x0 = buf[a];
      const x1 = buf[d + a];
      const x2 = buf[d2 + a];
      const x3 = buf[d3 + a];
      const ro = a * d;
      for (let b = a; b < d; b++)
        C[ro + b] += x0 * buf[b] + x1 * buf[d + b] + x2 * buf[d2 + b] + x3 * buf[d3 + b];
    }
  }
}

/** Rows [from, to) of the centred Gram matrix G_ij = (x_i − μ)·(x_j − μ), upper triangle. */
function accumulateGram(
  Xc: Float64Array,
  n: number,
  d: number,
  G: Float64Array,
  from: number,
  to: number,
): void {
  for (let i = from; i < to; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += Xc[i * d + t] * Xc[j * d + t];
      G[i * n + j] = s;
    }
  }
}

type PcaPhase = 'matrix' | 'eigen' | 'done';

/**
 * Step-wise PCA: call {@link step} until it returns true, then {@link result}. Each step does
 * about `budget` multiply-adds of the matrix build, or the whole eigen-decomposition + projection.
 *
 * @example const f = new PcaFit(X, n, d, 2); while (!f.step()) await tick(); const r = f.result();
 */
export class PcaFit {
  readonly n: number;
  readonly d: number;
  readonly k: number;
  private readonly X: Features;
  private readonly mean: Float64Array;
  private readonly useGram: boolean;
  private readonly M: Float64Array;
  private readonly buf: Float64Array;
  private readonly Xc: Float64Array | null;
  private row = 0;
  private phase: PcaPhase = 'matrix';
  private res: PcaResult | null = null;

  constructor(X: Features, n: number, d: number, k = 2) {
    if (!Number.isInteger(n) || !Number.isInteger(d) || n < 1 || d < 1 || X.length < n * d) {
      throw new DiffProbeError(
        'internal',
        `pca: X of length ${X.length} does not hold n=${quote(n)} × d=${quote(d)}`,
      );
    }
    if (!Number.isInteger(k) || k < 1 || k > Math.min(n, d)) {
      throw new DiffProbeError(
        'internal',
        `pca: k=${quote(k)} must be in [1, min(n, d) = ${Math.min(n, d)}]`,
      );
    }
    this.X = X;
    this.n = n;
    this.d = d;
    this.k = k;
    const mean = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += X[i * d + j];
    for (let j = 0; j < d; j++) {
      mean[j] /= n;
      if (!Number.isFinite(mean[j])) {
        throw new DiffProbeError('probe-data', `pca: column ${j} has non-finite values`, { column: j });
      }
    }
    this.mean = mean;
    this.useGram = n < d;
    const m = Math.min(n, d);
    this.M = new Float64Array(m * m);
    this.buf = new Float64Array(ROWS * d);
    this.Xc = null;
    if (this.useGram) {
      const Xc = new Float64Array(n * d);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) Xc[i * d + j] = X[i * d + j] - mean[j];
      this.Xc = Xc;
    }
  }

  /** Fraction done, in [0, 1] (the eigen step counts as the last 10%). */
  get progress(): number {
    return this.phase === 'done' ? 1 : (0.9 * this.row) / this.n;
  }

  /** One bounded piece of work; true when the result is ready. */
  step(budget = 2e7): boolean {
    const { n, d } = this;
    if (this.phase === 'matrix') {
      const perRow = this.useGram ? ((n - this.row) * d) / 2 : (d * d) / 2;
      const rows = Math.max(ROWS, Math.ceil(budget / Math.max(perRow, 1) / ROWS) * ROWS);
      const to = Math.min(n, this.row + rows);
      if (this.useGram) accumulateGram(this.Xc!, n, d, this.M, this.row, to);
      else accumulateCovariance(this.X, d, this.mean, this.M, this.buf, this.row, to);
      this.row = to;
      if (to === n) this.phase = 'eigen';
      return false;
    }
    if (this.phase === 'eigen') {
      this.res = this.finish();
      this.phase = 'done';
    }
    return true;
  }

  /** The fit; throws if called before {@link step} returned true. */
  result(): PcaResult {
    if (!this.res) throw new DiffProbeError('internal', 'PcaFit.result() before the fit finished');
    return this.res;
  }

  private finish(): PcaResult {
    const { n, d, k, X, mean, M } = this;
    const m = Math.min(n, d);
    for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) M[a * m + b] = M[b * m + a];
    let total = 0;
    for (let a = 0; a < m; a++) total += M[a * m + a];
    const eig = eigh(M, m);
    const components = new Float64Array(k * d);
    const values = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      const lambda = Math.max(0, eig.values[c]);
      values[c] = lambda;
      if (!this.useGram) {
        components.set(eig.vectors.subarray(c * d, c * d + d), c * d);
      } else if (lambda > 0) {
        // v = Xcᵀ u / √λ is the unit axis belonging to the Gram eigenvector u.
        const Xc = this.Xc!;
        const inv = 1 / Math.sqrt(lambda);
        for (let i = 0; i < n; i++) {
          const u = eig.vectors[c * n + i] * inv;
          for (let j = 0; j < d; j++) components[c * d + j] += u * Xc[i * d + j];
        }
      } else {
        components[c * d + c] = 1; // no variance left: any unit axis will do
      }
    }
    for (let c = 0; c < k; c++) {
      let best = 0;
      for (let j = 1; j < d; j++)
        if (Math.abs(components[c * d + j]) > Math.abs(components[c * d + best])) best = j;
      if (components[c * d + best] < 0)
        for (let j = 0; j < d; j++) components[c * d + j] = -components[c * d + j];
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
}

/**
 * Project n×d data on its first k principal axes (synchronously; see {@link PcaFit}).
 *
 * @example const { coords, explainedVarianceRatio } = pca(X, n, d, 2); // coords: n×2
 */
export function pca(X: Features, n: number, d: number, k = 2): PcaResult {
  const fit = new PcaFit(X, n, d, k);
  while (!fit.step(Number.POSITIVE_INFINITY));
  return fit.result();
}
