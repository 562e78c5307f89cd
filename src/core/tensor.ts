/**
 * @file Shapes and a minimal float tensor. Data is always a flat, row-major (C order) typed array;
 * NCHW means index = ((n·C + c)·H + h)·W + w.
 */

import { DiffProbeError, quote } from './errors';

/** Dimensions, outermost first, e.g. [N, C, H, W]. */
export type Shape = readonly number[];

/** A flat float32 array plus its shape; `data.length === size(shape)`. */
export interface FloatTensor {
  readonly data: Float32Array;
  readonly shape: Shape;
}

/**
 * Number of elements: the product of the dimensions (1 for a scalar shape []).
 *
 * @example size([2, 3, 4]) === 24
 */
export function size(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Row-major strides in elements.
 *
 * @example strides([2, 3, 4]) // [12, 4, 1]
 */
export function strides(shape: Shape): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i];
  }
  return out;
}

/**
 * Throw unless every dimension is a non-negative integer and `length` equals `size(shape)`.
 *
 * @param what names the array in the error message.
 */
export function checkShape(length: number, shape: Shape, what = 'tensor'): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new DiffProbeError('internal', `${what}: invalid shape ${quote(shape)}`, { shape });
  }
  if (size(shape) !== length) {
    throw new DiffProbeError(
      'internal',
      `${what}: shape ${quote(shape)} needs ${size(shape)} values but the array has ${length}`,
      { shape, length },
    );
  }
}

/** Wrap data and shape after checking that they agree. */
export function tensor(data: Float32Array, shape: Shape): FloatTensor {
  checkShape(data.length, shape);
  return { data, shape };
}
