import { describe, expect, it } from 'vitest';
import { processX0, quantileInPlace } from './x0';

describe('quantileInPlace', () => {
  it('interpolates linearly between order statistics, as torch.quantile', () => {
    // torch.quantile(torch.tensor([3., 1., 4., 1., 5.]), q) for q = 0, 0.5, 0.9, 1 → 1, 3, 4.6, 5
    const q = (p: number) => quantileInPlace(Float64Array.from([3, 1, 4, 1, 5]), p);
    expect([q(0), q(0.5), q(0.9), q(1)].map((v) => Number(v.toFixed(12)))).toEqual([1, 3, 4.6, 5]);
  });
});

describe('processX0', () => {
  const range = [-1, 1] as const;
  it('clip clamps to the range and counts what left it', () => {
    const x = Float64Array.from([-3, -1, 0.5, 2]);
    expect(processX0(x, { kind: 'clip', range })).toEqual({ min: -3, max: 2, outside: 2, processed: true });
    expect(Array.from(x)).toEqual([-1, -1, 0.5, 1]);
  });

  it('threshold: s = clamp(quantile(|x|, q), 1, cap), then clamp to ±s and divide by s', () => {
    const x = Float64Array.from([-4, -1, 0, 1, 2]);
    // |x| sorted 0 1 1 2 4; q = 0.75 → rank 3 → s = 2
    processX0(x, { kind: 'threshold', range, q: 0.75, maxThreshold: 10 });
    expect(Array.from(x)).toEqual([-1, -0.5, 0, 0.5, 1]);
    // a cap below the quantile: s = 1.5
    const y = Float64Array.from([-4, -1, 0, 1, 2]);
    processX0(y, { kind: 'threshold', range, q: 0.75, maxThreshold: 1.5 });
    expect(Array.from(y)).toEqual([-1, -1 / 1.5, 0, 1 / 1.5, 1]);
    // s < 1 is raised to 1: plain clipping, nothing rescaled
    const z = Float64Array.from([0.1, -0.2, 0.3]);
    expect(processX0(z, { kind: 'threshold', range, q: 0.995, maxThreshold: 1.5 }).processed).toBe(false);
    expect(Array.from(z)).toEqual([0.1, -0.2, 0.3]);
  });

  it('works on the range [0, 1] through its centre and half-width', () => {
    const x = Float64Array.from([-0.5, 0.25, 1.5]);
    processX0(x, { kind: 'clip', range: [0, 1] });
    expect(Array.from(x)).toEqual([0, 0.25, 1]);
    // u = 2x − 1 = [−2, −0.5, 2]; q = 1 → s = 2 → u/s = [−1, −0.25, 1] → x = [0, 0.375, 1]
    const y = Float64Array.from([-0.5, 0.25, 1.5]);
    processX0(y, { kind: 'threshold', range: [0, 1], q: 1, maxThreshold: 3 });
    expect(Array.from(y)).toEqual([0, 0.375, 1]);
  });

  it('none leaves x̂0 alone but still reports its range', () => {
    const x = Float64Array.from([-3, 2]);
    expect(processX0(x, { kind: 'none', range })).toEqual({ min: -3, max: 2, outside: 2, processed: false });
    expect(Array.from(x)).toEqual([-3, 2]);
  });
});
