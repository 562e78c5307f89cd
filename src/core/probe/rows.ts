/**
 * @file Gather a subset of rows (train/test splits) from row-major features and labels.
 */

import { DiffProbeError, quote } from '../errors';
import type { Features } from './standardize';

/**
 * Rows `rows` of the row-major matrix X (d columns), in that order, as a new array of X's type.
 *
 * @example const Xtrain = takeRows(X, d, trainRows); // trainRows.length × d
 */
export function takeRows<T extends Features>(X: T, d: number, rows: ArrayLike<number>): T {
  const out = new (X.constructor as { new (len: number): T })(rows.length * d);
  const nRows = Math.floor(X.length / d);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    if (!Number.isInteger(i) || i < 0 || i >= nRows) {
      throw new DiffProbeError('internal', `takeRows: row ${quote(i)} outside [0, ${nRows})`);
    }
    out.set(X.subarray(i * d, i * d + d), r * d);
  }
  return out;
}

/** Labels of rows `rows`, as an Int32Array. */
export function takeLabels(y: ArrayLike<number>, rows: ArrayLike<number>): Int32Array {
  const out = new Int32Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    if (!Number.isInteger(i) || i < 0 || i >= y.length) {
      throw new DiffProbeError('internal', `takeLabels: row ${quote(i)} outside [0, ${y.length})`);
    }
    out[r] = y[i];
  }
  return out;
}
