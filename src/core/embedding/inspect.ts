/**
 * @file Checks on a feature matrix before it is embedded: non-finite values (an error), constant
 * features and duplicate rows (allowed, but worth a message, since they shape the picture).
 */
import { DiffProbeError } from '../errors';
import { fnv1a32 } from '../rng';

type Features = Float32Array | Float64Array;

export interface FeatureReport {
  n: number;
  d: number;
  /** Columns with one value across all rows. */
  constantColumns: number;
  /** Rows whose features equal those of an earlier row exactly. */
  duplicateRows: number;
}

function rowsEqual(X: Features, d: number, a: number, b: number): boolean {
  for (let j = 0; j < d; j++) if (X[a * d + j] !== X[b * d + j]) return false;
  return true;
}

/**
 * Counts constant columns and exact duplicate rows of an n×d matrix.
 *
 * @throws DiffProbeError('probe-data') at the first NaN or ±Infinity, naming its row and column.
 * @example inspectFeatures(X, 2000, 64) // { n: 2000, d: 64, constantColumns: 0, duplicateRows: 3 }
 */
export function inspectFeatures(X: Features, n: number, d: number): FeatureReport {
  for (let t = 0; t < n * d; t++) {
    if (!Number.isFinite(X[t])) {
      const row = Math.floor(t / d);
      throw new DiffProbeError('probe-data', `feature ${t % d} of point ${row} is ${X[t]}`, {
        row,
        column: t % d,
      });
    }
  }
  let constantColumns = 0;
  for (let j = 0; j < d; j++) {
    const v = X[j];
    let same = true;
    for (let i = 1; i < n && same; i++) same = X[i * d + j] === v;
    if (same) constantColumns++;
  }
  // Hash each row's bytes, then confirm equality within a bucket (hash collisions are not duplicates).
  const buckets = new Map<number, number[]>();
  const bytes = new Uint8Array(X.buffer, X.byteOffset, X.byteLength);
  const rowBytes = d * X.BYTES_PER_ELEMENT;
  let duplicateRows = 0;
  for (let i = 0; i < n; i++) {
    const h = fnv1a32(bytes.subarray(i * rowBytes, (i + 1) * rowBytes));
    const bucket = buckets.get(h);
    if (!bucket) buckets.set(h, [i]);
    else if (bucket.some((r) => rowsEqual(X, d, r, i))) duplicateRows++;
    else bucket.push(i);
  }
  return { n, d, constantColumns, duplicateRows };
}

/** The messages the UI shows for a report (empty when nothing is unusual). */
export function describeFeatureReport(r: FeatureReport): string[] {
  const notes: string[] = [];
  if (r.n > 1 && r.constantColumns === r.d) {
    notes.push(
      `all ${r.n} points have identical features (every feature is constant), so the layout carries no information`,
    );
    return notes;
  }
  if (r.constantColumns > 0)
    notes.push(
      `${r.constantColumns} of ${r.d} features are constant across the points and do not affect the layout`,
    );
  if (r.duplicateRows > 0)
    notes.push(
      `${r.duplicateRows} point${r.duplicateRows === 1 ? '' : 's'} ${r.duplicateRows === 1 ? 'has' : 'have'} exactly the features of another point; such points sit on top of each other`,
    );
  return notes;
}
