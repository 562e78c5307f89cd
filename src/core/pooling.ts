/**
 * @file Pooling U-Net feature maps (NCHW float32) into per-image feature vectors, plus
 * per-channel statistics for the feature-map view. Sums run in float64 so that results don't
 * depend on map size; outputs are float32.
 */

import { DiffProbeError, quote } from './errors';
import { checkShape, type FloatTensor, type Shape } from './tensor';

/** How a block's [C, H, W] map becomes one vector per image. */
export type Pooling =
  | { kind: 'avg' }
  | { kind: 'max' }
  | { kind: 'adaptive'; size: 1 | 2 | 4 }
  /**
   * The map kept as a map, each side adaptively average-pooled to at most `size` cells (see
   * {@link gridSide}): the tokens of an attention head.
   */
  | { kind: 'grid'; size: GridSize }
  | { kind: 'raw' };

/** The grids a block map can be pooled to, for a head that reads positions (an attention head). */
export const GRID_SIZES = [4, 8, 16] as const;
export type GridSize = (typeof GRID_SIZES)[number];

/**
 * Cells along one side of `side` positions for a grid of at most `size`: the side itself when it
 * fits; else side / ceil(side / size) when that divides exactly (28 → 7, 14 → 7, 32 → 8: every cell
 * averages the same number of positions, as an AveragePool does); else `size` (torch's adaptive
 * bins, which overlap when they do not divide: 13 → 8).
 *
 * @example gridSide(14, 8) === 7; gridSide(7, 8) === 7; gridSide(13, 8) === 8
 */
export function gridSide(side: number, size: number): number {
  if (side <= size) return side;
  const k = Math.ceil(side / size);
  return side % k === 0 ? side / k : size;
}

/**
 * The per-image shape [C, h, w] of a block map [C, H, W] after `pooling`: [C, 1, 1] for the
 * global poolings, [C, s, s] for adaptive s, the grid for 'grid', the map itself for 'raw'. The
 * features are this, flattened channel-major.
 */
export function pooledShape(
  map: readonly [number, number, number],
  pooling: Pooling,
): [number, number, number] {
  const [c, h, w] = map;
  switch (pooling.kind) {
    case 'avg':
    case 'max':
      return [c, 1, 1];
    case 'adaptive':
      return [c, pooling.size, pooling.size];
    case 'grid':
      return [c, gridSide(h, pooling.size), gridSide(w, pooling.size)];
    case 'raw':
      return [c, h, w];
  }
}

/** Pooled features: `shape` is [N, D] with `dim` = D. */
export interface PooledFeatures extends FloatTensor {
  readonly dim: number;
}

function nchw(x: Float32Array, shape: Shape, what: string): [number, number, number, number] {
  if (shape.length !== 4) {
    throw new DiffProbeError('internal', `${what}: expected an NCHW shape, got ${quote(shape)}`, { shape });
  }
  checkShape(x.length, shape, what);
  return [shape[0], shape[1], shape[2], shape[3]];
}

/**
 * Like `torch.nn.functional.adaptive_avg_pool2d`: output cell (i, j) averages input rows
 * floor(i·H/outH) … ceil((i+1)·H/outH)−1 and the same for columns, so bins may overlap
 * when H is not a multiple of outH (e.g. 7 → 2 uses rows 0–3 and 3–6).
 *
 * @param x NCHW data; @param shape [N, C, H, W].
 * @returns [N, C, outH, outW].
 */
export function adaptiveAvgPool2d(x: Float32Array, shape: Shape, outH: number, outW: number): FloatTensor {
  const [n, c, h, w] = nchw(x, shape, 'adaptiveAvgPool2d');
  if (!(Number.isInteger(outH) && Number.isInteger(outW) && outH >= 1 && outW >= 1)) {
    throw new DiffProbeError('internal', `adaptiveAvgPool2d: invalid output size ${quote([outH, outW])}`);
  }
  const out = new Float32Array(n * c * outH * outW);
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * h * w;
    for (let i = 0; i < outH; i++) {
      const r0 = Math.floor((i * h) / outH);
      const r1 = Math.ceil(((i + 1) * h) / outH);
      for (let j = 0; j < outW; j++) {
        const c0 = Math.floor((j * w) / outW);
        const c1 = Math.ceil(((j + 1) * w) / outW);
        let sum = 0;
        for (let r = r0; r < r1; r++) {
          const row = base + r * w;
          for (let q = c0; q < c1; q++) sum += x[row + q];
        }
        out[o++] = sum / ((r1 - r0) * (c1 - c0));
      }
    }
  }
  return { data: out, shape: [n, c, outH, outW] };
}

/** Mean over H×W per (image, channel). @returns [N, C]. */
export function globalAvgPool(x: Float32Array, shape: Shape): FloatTensor {
  const [n, c, h, w] = nchw(x, shape, 'globalAvgPool');
  const hw = h * w;
  const out = new Float32Array(n * c);
  for (let p = 0; p < n * c; p++) {
    let sum = 0;
    for (let k = p * hw, end = k + hw; k < end; k++) sum += x[k];
    out[p] = sum / hw;
  }
  return { data: out, shape: [n, c] };
}

/** Max over H×W per (image, channel); NaN if any value is NaN, like torch. @returns [N, C]. */
export function globalMaxPool(x: Float32Array, shape: Shape): FloatTensor {
  const [n, c, h, w] = nchw(x, shape, 'globalMaxPool');
  const hw = h * w;
  const out = new Float32Array(n * c);
  for (let p = 0; p < n * c; p++) {
    let m = Number.NEGATIVE_INFINITY;
    for (let k = p * hw, end = k + hw; k < end; k++) {
      const v = x[k];
      if (v > m || Number.isNaN(v)) m = v;
      if (Number.isNaN(m)) break;
    }
    out[p] = m;
  }
  return { data: out, shape: [n, c] };
}

/**
 * One feature vector per image, flattened channel-major (c, then i, then j) exactly like
 * torch's `pooled.flatten(1)`.
 *
 * - avg / max: D = C; adaptive s: D = C·s·s; grid s: D = C·h·w with h, w = gridSide(H, s),
 *   gridSide(W, s); raw: D = C·H·W (a copy of the map).
 *
 * @param x NCHW data; @param shape [N, C, H, W].
 * @returns `{ data, shape: [N, D], dim: D }`.
 * @example poolFeatures(map, [8, 64, 7, 7], { kind: 'adaptive', size: 2 }).dim === 256
 */
export function poolFeatures(x: Float32Array, shape: Shape, pooling: Pooling): PooledFeatures {
  const [n, c, h, w] = nchw(x, shape, 'poolFeatures');
  let data: Float32Array;
  switch (pooling.kind) {
    case 'avg':
      data = globalAvgPool(x, shape).data;
      break;
    case 'max':
      data = globalMaxPool(x, shape).data;
      break;
    case 'adaptive':
      if (![1, 2, 4].includes(pooling.size)) {
        throw new DiffProbeError('internal', `poolFeatures: invalid adaptive size ${quote(pooling.size)}`);
      }
      // NCHW of the pooled map is already the (n, c, i, j) order that flatten(1) produces.
      data = adaptiveAvgPool2d(x, shape, pooling.size, pooling.size).data;
      break;
    case 'grid': {
      if (!(GRID_SIZES as readonly number[]).includes(pooling.size)) {
        throw new DiffProbeError('internal', `poolFeatures: invalid grid size ${quote(pooling.size)}`);
      }
      const [, gh, gw] = pooledShape([c, h, w], pooling);
      data = adaptiveAvgPool2d(x, shape, gh, gw).data;
      break;
    }
    case 'raw':
      data = x.slice();
      break;
    default:
      throw new DiffProbeError('internal', `poolFeatures: unknown pooling ${quote(pooling)}`);
  }
  const [pc, ph, pw] = pooledShape([c, h, w], pooling);
  const dim = pc * ph * pw;
  return { data, shape: [n, dim], dim };
}

/** Per-channel statistics of one image's feature map; each array has length C. */
export interface ChannelStats {
  readonly mean: Float64Array;
  /** Population variance (divides by H·W). */
  readonly variance: Float64Array;
  readonly min: Float32Array;
  readonly max: Float32Array;
}

/**
 * Mean, variance, min and max of every channel of image `index` in an NCHW (or CHW) map.
 * Two-pass variance in float64, so large-mean channels don't lose precision.
 */
export function channelStats(x: Float32Array, shape: Shape, index = 0): ChannelStats {
  const full = shape.length === 3 ? [1, ...shape] : shape;
  const [n, c, h, w] = nchw(x, full, 'channelStats');
  if (!(Number.isInteger(index) && index >= 0 && index < n)) {
    throw new DiffProbeError('internal', `channelStats: image index ${quote(index)} out of range 0…${n - 1}`);
  }
  const hw = h * w;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  const min = new Float32Array(c);
  const max = new Float32Array(c);
  for (let ch = 0; ch < c; ch++) {
    const start = (index * c + ch) * hw;
    let sum = 0;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let k = start; k < start + hw; k++) {
      const v = x[k];
      sum += v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const m = sum / hw;
    let ss = 0;
    for (let k = start; k < start + hw; k++) ss += (x[k] - m) ** 2;
    mean[ch] = m;
    variance[ch] = ss / hw;
    min[ch] = lo;
    max[ch] = hi;
  }
  return { mean, variance, min, max };
}
