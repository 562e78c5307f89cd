import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLER_OPTIONS } from '../../core/sampler/options';
import { describeOutOfRange, formatValue } from '../../ui/value-range';
import { describeX0 } from './summary';

const inside = { min: -0.9, max: 0.8, outside: 0, processed: false };
const outside = { min: -36.21, max: 25.07, outside: 40, processed: true };
const o = DEFAULT_SAMPLER_OPTIONS;

describe('describeX0', () => {
  it('says how often and how far x̂₀ left the range, and what was done', () => {
    const stats = [...Array(12).fill(outside), ...Array(38).fill(inside)];
    expect(describeX0(stats, [-1, 1], o, 50)).toBe(
      'x̂₀ left the data range [−1, 1] at 12 of 50 steps (−36.2 … 25.1); clipped at 12 of 50 steps.',
    );
    expect(describeX0(stats, [-1, 1], { ...o, x0: 'none' }, 50)).toBe(
      'x̂₀ left the data range [−1, 1] at 12 of 50 steps (−36.2 … 25.1) and was not clipped: if the samples look flat or like noise, turn clipping on.',
    );
    expect(describeX0(stats.slice(0, 20), [-1, 1], { ...o, x0: 'threshold' }, 50)).toBe(
      'x̂₀ left the data range [−1, 1] at 12 of 20 steps so far (−36.2 … 25.1); dynamic thresholding (percentile 99.5, cap 1.5) acted at 12 of 20 steps.',
    );
    expect(describeX0([inside, inside], [0, 1], o, 2)).toBe(
      'x̂₀ stayed in the data range [0, 1] at all 2 steps.',
    );
    expect(describeX0([], [0, 1], o, 2)).toBe('');
  });

  it('formats values for people', () => {
    expect([-36.2149, 0.99712, 1234.5, 12345, 0, 2e-5].map(formatValue)).toEqual([
      '−36.2',
      '0.997',
      '1230',
      '1.2e+4',
      '0',
      '2.0e−5',
    ]);
  });

  it('describeOutOfRange only speaks when the values leave the range', () => {
    expect(describeOutOfRange(new Float32Array([-1, 0, 1]), [-1, 1], 'The samples run')).toBeNull();
    expect(describeOutOfRange(new Float32Array([-36, 0, 25]), [-1, 1], 'The samples run')).toBe(
      'The samples run from −36 to 25; shown clamped to [−1, 1].',
    );
  });
});
