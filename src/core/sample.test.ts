import { describe, expect, it } from 'vitest';
import { sampleIndices } from './sample';

describe('sampleIndices', () => {
  it('is seeded, distinct and in range', () => {
    const a = sampleIndices(1000, 100, 7);
    expect(sampleIndices(1000, 100, 7)).toEqual(a);
    expect(sampleIndices(1000, 100, 8)).not.toEqual(a);
    expect(new Set(a).size).toBe(100);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThan(1000);
  });
  it('takes everything when k = n, and refuses k > n', () => {
    expect(sampleIndices(5, 5, 1).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(() => sampleIndices(5, 6, 1)).toThrow(/cannot sample 6 of 5/);
  });
});
