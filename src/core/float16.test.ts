import { describe, expect, it } from 'vitest';
import { FLOAT16_MAX, float16Bits, float16Value, fromFloat16Bits, toFloat16Bits } from './float16';

describe('float16 ⇄ float32', () => {
  it('rounds to the nearest half, ties to even, as NumPy’s float16 does', () => {
    // Expected bits from numpy: np.float16(np.float32(v)).view(np.uint16).
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [1 / 3, 0x3555],
      [65504, 0x7bff],
      [65519, 0x7bff],
      [65520, 0x7c00], // the tie above the largest half rounds to Inf
      [1e5, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // the tie below it rounds to even: 0
      [1.5 * 2 ** -25, 0x0001],
      [3e-5, 0x01f7],
      [-2.5e-7, 0x8004],
    ];
    for (const [v, bits] of cases) expect(float16Bits(v), `${v}`).toBe(bits);
    expect(float16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(Number.isNaN(float16Value(float16Bits(Number.NaN)))).toBe(true);
    expect(FLOAT16_MAX).toBe(float16Value(0x7bff));
  });

  it('reads back every one of the 65,536 patterns to itself', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const values = fromFloat16Bits(all);
    const again = toFloat16Bits(values);
    const wrong: number[] = [];
    for (let b = 0; b < 65536; b++) {
      const nan = (b & 0x7c00) === 0x7c00 && (b & 0x3ff) !== 0;
      if (nan ? !Number.isNaN(values[b]) : again[b] !== b) wrong.push(b);
    }
    expect(wrong).toEqual([]);
  });
});
