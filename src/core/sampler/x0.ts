/**
 * @file What a sampler does to x̂_0 before using it: clip it to the data range, or Imagen's dynamic
 * thresholding (Saharia et al. 2022, §2.3) as diffusers' `_threshold_sample` implements it:
 *
 *   s = quantile(|x̂_0|, p) over each image's C·H·W values;  s = clamp(s, 1, maxThreshold)
 *   x̂_0 ← clamp(x̂_0, −s, s) / s
 *
 * diffusers clips to [−clip_sample_range, clip_sample_range] and thresholds around 0, i.e. it
 * assumes data in [−c, c]. A manifest states its range [lo, hi]; with centre m = (lo + hi)/2 and
 * half-width h = (hi − lo)/2 the rules are applied to u = (x̂_0 − m)/h and mapped back, which is
 * exactly diffusers' for [−1, 1] and clips [0, 1] data to [0, 1].
 */

/** The data range of a clean image (the manifest's `input.range`). */
export type DataRange = readonly [number, number];

/**
 * `torch.quantile(values, q)` with linear interpolation: rank q·(n−1), between the two order
 * statistics around it. Sorts `values` in place.
 */
export function quantileInPlace(values: Float64Array, q: number): number {
  values.sort();
  const rank = q * (values.length - 1);
  const below = Math.floor(rank);
  const above = Math.min(values.length - 1, below + 1);
  return values[below] + (values[above] - values[below]) * (rank - below);
}

/** How x̂_0 came out at one step, over the whole batch, before processing. */
export interface X0Stats {
  readonly min: number;
  readonly max: number;
  /** Values outside the data range. */
  readonly outside: number;
  /** Whether the processing changed any value (clipping clipped, or a threshold s > 1 applied). */
  readonly processed: boolean;
}

export interface X0Processor {
  readonly kind: 'clip' | 'threshold' | 'none';
  readonly range: DataRange;
  /** Threshold only: p/100 and the cap. */
  readonly q?: number;
  readonly maxThreshold?: number;
}

/**
 * Process one image's raw x̂_0 (float64, any length) in place and report what it did. Also
 * returns the raw extremes and how many values left the range.
 */
export function processX0(x0: Float64Array, p: X0Processor): X0Stats {
  const [lo, hi] = p.range;
  let min = Infinity;
  let max = -Infinity;
  let outside = 0;
  for (const v of x0) {
    if (v < min) min = v;
    if (v > max) max = v;
    if (v < lo || v > hi) outside++;
  }
  if (p.kind === 'none' || x0.length === 0) return { min, max, outside, processed: false };
  if (p.kind === 'clip') {
    if (outside) for (let i = 0; i < x0.length; i++) x0[i] = Math.min(hi, Math.max(lo, x0[i]));
    return { min, max, outside, processed: outside > 0 };
  }
  const m = (lo + hi) / 2;
  const h = (hi - lo) / 2;
  const abs = Float64Array.from(x0, (v) => Math.abs((v - m) / h));
  const s = Math.min(p.maxThreshold ?? Infinity, Math.max(1, quantileInPlace(abs, p.q ?? 0.995)));
  // s = 1 is plain clipping; anything outside the range is then still changed.
  for (let i = 0; i < x0.length; i++) {
    const u = Math.min(s, Math.max(-s, (x0[i] - m) / h)) / s;
    x0[i] = m + h * u;
  }
  return { min, max, outside, processed: s > 1 || outside > 0 };
}

/** Combine per-image stats into the batch's. */
export function mergeX0Stats(all: readonly X0Stats[]): X0Stats {
  return {
    min: Math.min(...all.map((s) => s.min)),
    max: Math.max(...all.map((s) => s.max)),
    outside: all.reduce((n, s) => n + s.outside, 0),
    processed: all.some((s) => s.processed),
  };
}
