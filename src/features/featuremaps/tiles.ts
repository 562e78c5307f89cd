/**
 * @file Pure layout and normalisation for the feature-map grid: which channel goes where, and how
 * values map to [0, 1] for the colormap. No DOM, so it is unit-tested in Node.
 */

export type ChannelOrder = 'index' | 'mean' | 'variance';
export type Normalisation = 'shared' | 'channel';

export interface ChannelSummary {
  mean: Float64Array;
  variance: Float64Array;
  min: Float64Array;
  max: Float64Array;
}

/** Per-channel mean, variance, min and max of a [C, H, W] map. */
export function summarise(data: Float32Array, channels: number, plane: number): ChannelSummary {
  const s: ChannelSummary = {
    mean: new Float64Array(channels),
    variance: new Float64Array(channels),
    min: new Float64Array(channels),
    max: new Float64Array(channels),
  };
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    let sq = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let p = c * plane; p < (c + 1) * plane; p++) {
      const v = data[p];
      sum += v;
      sq += v * v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const mean = sum / plane;
    s.mean[c] = mean;
    s.variance[c] = Math.max(0, sq / plane - mean * mean);
    s.min[c] = lo;
    s.max[c] = hi;
  }
  return s;
}

/** Channel indices in display order (descending for mean/variance; ties by index). */
export function channelOrder(summary: ChannelSummary, order: ChannelOrder): number[] {
  const idx = Array.from(summary.mean, (_, i) => i);
  if (order === 'index') return idx;
  const key = order === 'mean' ? summary.mean : summary.variance;
  return idx.sort((a, b) => key[b] - key[a] || a - b);
}

/** The [lo, hi] each channel is scaled by: one range for all channels, or each its own. */
export function channelRanges(summary: ChannelSummary, norm: Normalisation): [number, number][] {
  const n = summary.mean.length;
  if (norm === 'channel') return Array.from({ length: n }, (_, c) => [summary.min[c], summary.max[c]]);
  let lo = Infinity;
  let hi = -Infinity;
  for (let c = 0; c < n; c++) {
    lo = Math.min(lo, summary.min[c]);
    hi = Math.max(hi, summary.max[c]);
  }
  return Array.from({ length: n }, () => [lo, hi]);
}

/** Maps v in [lo, hi] to [0, 1]; a flat range maps to 0.5 so constant channels are visible as such. */
export function unit(v: number, lo: number, hi: number): number {
  if (!(hi > lo)) return 0.5;
  const u = (v - lo) / (hi - lo);
  return Math.min(1, Math.max(0, u));
}

/** Grid columns for `n` tiles: close to square, wider than tall. */
export function gridColumns(n: number): number {
  return Math.max(1, Math.ceil(Math.sqrt(n * 1.5)));
}
