import { describe, expect, it } from 'vitest';
import { checkShape, size, strides, tensor } from './tensor';

describe('tensor', () => {
  it('size and strides are row-major', () => {
    expect(size([2, 3, 4])).toBe(24);
    expect(size([])).toBe(1);
    expect(size([5, 0])).toBe(0);
    expect(strides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(strides([7])).toEqual([1]);
    expect(strides([])).toEqual([]);
  });

  it('checkShape rejects bad dimensions and mismatched lengths, quoting the shape', () => {
    expect(() => checkShape(6, [2, 3])).not.toThrow();
    expect(() => checkShape(5, [2, 3])).toThrow(/\[2,3\] needs 6 values but the array has 5/);
    expect(() => checkShape(0, [-1])).toThrow(/invalid shape \[-1\]/);
    expect(() => tensor(new Float32Array(4), [2, 2.5])).toThrow(/2\.5/);
  });
});
