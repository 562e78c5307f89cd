/**
 * @file The gallery's words about x̂_0: whether it left the data range, at how many steps, how far,
 * and what the sampler did about it, so a model that needs clipping is visible as such.
 */
import type { SamplerOptions } from '../../core/sampler/options';
import type { DataRange, X0Stats } from '../../core/sampler/x0';
import { formatRange, formatValue } from '../../ui/value-range';

/**
 * "x̂₀ left the data range [−1, 1] at 12 of 50 steps (−36.2 … 25.1); clipped at 12 of 50 steps."
 * `planned` is the run's step count (stats may cover only the steps done so far).
 */
export function describeX0(
  stats: readonly X0Stats[],
  range: DataRange,
  options: SamplerOptions,
  planned: number,
): string {
  if (!stats.length) return '';
  const left = stats.filter((s) => s.outside > 0).length;
  const of = `${stats.length < planned ? `${stats.length} steps so far` : `${planned} steps`}`;
  if (!left) return `x̂₀ stayed in the data range ${formatRange(range)} at all ${of}.`;
  const min = Math.min(...stats.map((s) => s.min));
  const max = Math.max(...stats.map((s) => s.max));
  const head = `x̂₀ left the data range ${formatRange(range)} at ${left} of ${of} (${formatValue(min)} … ${formatValue(max)})`;
  const processed = stats.filter((s) => s.processed).length;
  switch (options.x0) {
    case 'clip':
      return `${head}; clipped at ${left} of ${stats.length} steps.`;
    case 'threshold':
      return `${head}; dynamic thresholding (percentile ${options.percentile}, cap ${options.maxThreshold}) acted at ${processed} of ${stats.length} steps.`;
    case 'none':
      return `${head} and was not clipped: if the samples look flat or like noise, turn clipping on.`;
  }
}
