/**
 * @file Per-feature standardisation, as scikit-learn's `StandardScaler` (with_mean, with_std).
 *
 * Statistics are accumulated in float64 with a two-pass (mean, then centred squares) scheme, so
 * float32 features with large offsets do not lose their variance to cancellation.
 */

import { DiffProbeError, quote } from '../errors';

/** Per-column mean and scale (population std, ddof 0; a zero std becomes 1, as sklearn does). */
export interface Standardizer {
  readonly d: number;
  readonly mean: Float64Array;
  readonly scale: Float64Array;
}

/** Row-major feature matrices accepted by the probe code. */
export type Features = Float32Array | Float64Array;

function checkShape(X: Features, n: number, d: number, where: string): void {
  if (!Number.isInteger(n) || !Number.isInteger(d) || n < 0 || d < 1 || X.length < n * d) {
    throw new DiffProbeError('internal', `${where}: X of length ${X.length} does not hold n=${n} × d=${d}`, {
      n,
      d,
      length: X.length,
    });
  }
}

/**
 * Fit a standardiser on the rows `rows` of `X` (all rows by default).
 *
 * @param X row-major n×d.
 * @param rows optional subset of row indices (e.g. the training rows), so that test rows never
 *   leak into the statistics.
 * @throws DiffProbeError('probe-data') when no row is selected.
 * @example const s = fitStandardizer(X, n, d, trainRows); const Z = applyStandardizer(X, n, d, s);
 */
export function fitStandardizer(X: Features, n: number, d: number, rows?: ArrayLike<number>): Standardizer {
  checkShape(X, n, d, 'fitStandardizer');
  const m = rows ? rows.length : n;
  if (m === 0) throw new DiffProbeError('probe-data', 'fitStandardizer: no rows to fit on', { n, d });
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let r = 0; r < m; r++) {
    const o = (rows ? rows[r] : r) * d;
    for (let j = 0; j < d; j++) mean[j] += X[o + j];
  }
  for (let j = 0; j < d; j++) mean[j] /= m;
  for (let r = 0; r < m; r++) {
    const o = (rows ? rows[r] : r) * d;
    for (let j = 0; j < d; j++) {
      const v = X[o + j] - mean[j];
      sq[j] += v * v;
    }
  }
  const scale = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const v = sq[j] / m;
    // sklearn's _is_constant_feature: a variance within rounding of zero counts as constant.
    const bound = m * Number.EPSILON * v + (m * mean[j] * Number.EPSILON) ** 2;
    scale[j] = v <= bound ? 1 : Math.sqrt(v);
  }
  return { d, mean, scale };
}

/**
 * (X − mean) / scale for every row, into `out` (a new Float32Array by default; pass a
 * Float64Array of length n·d to keep full precision).
 *
 * @returns `out`, row-major n×d.
 */
export function applyStandardizer<T extends Features = Float32Array>(
  X: Features,
  n: number,
  d: number,
  s: Standardizer,
  out?: T,
): T {
  checkShape(X, n, d, 'applyStandardizer');
  if (s.d !== d) {
    throw new DiffProbeError(
      'internal',
      `applyStandardizer: standardizer has d=${s.d}, data has d=${quote(d)}`,
    );
  }
  const res = (out ?? new Float32Array(n * d)) as T;
  if (res.length < n * d) throw new DiffProbeError('internal', `applyStandardizer: out is too short`);
  const inv = new Float64Array(d);
  for (let j = 0; j < d; j++) inv[j] = 1 / s.scale[j];
  const { mean } = s;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) res[o + j] = (X[o + j] - mean[j]) * inv[j];
  }
  return res;
}
