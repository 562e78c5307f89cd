import { describe, expect, it } from 'vitest';
import { EtaEstimator, formatDuration } from './progress';

describe('EtaEstimator', () => {
  it('is unknown at first, then extrapolates the recent rate', () => {
    let now = 0;
    const eta = new EtaEstimator(() => now);
    expect(eta.update(0, 100)).toBeNull();
    now = 1000;
    expect(eta.update(10, 100)).toBe(9000);
    now = 2000;
    expect(eta.update(20, 100)).toBe(8000);
    expect(eta.update(100, 100)).toBe(0);
  });

  it('forgets a slow start once the window has moved on', () => {
    let now = 0;
    const eta = new EtaEstimator(() => now, 3);
    eta.update(0, 100);
    now = 10_000; // a slow first batch (e.g. shader compilation)
    eta.update(1, 100);
    for (let i = 2; i <= 4; i++) {
      now += 100;
      eta.update(i, 100);
    }
    expect(eta.update(4, 100)).toBe(9600);
  });
});

describe('formatDuration', () => {
  it('formats', () => {
    expect(formatDuration(400)).toBe('<1 s');
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(65_000)).toBe('1 min 05 s');
    expect(formatDuration(3_725_000)).toBe('1 h 02 min');
  });
});
