import { describe, expect, it } from 'vitest';
import { fromFloat16Bits, toFloat16Array, toFloat16Bits } from './float16';

describe('float16', () => {
  it('rounds as numpy float32 → float16 does', () => {
    // /usr/bin/python3: [int(np.float16(np.float32(v)).view(np.uint16)) for v in values]
    const values = [
      0,
      1,
      -1,
      0.1,
      100,
      999,
      65504,
      65520,
      1e-8,
      6e-8,
      3e-5,
      -0.16,
      0.5,
      1e5,
      2 ** -24 * 1.5,
      2049,
      2051,
    ];
    const numpy = [
      0, 15360, 48128, 11878, 22080, 25550, 31743, 31744, 0, 1, 503, 45343, 14336, 31744, 2, 26624, 26626,
    ];
    expect(values.map(toFloat16Bits)).toEqual(numpy);
  });

  it('keeps NaN and infinities, and reads its own patterns back', () => {
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(Number.NaN)))).toBe(true);
    expect(fromFloat16Bits(toFloat16Bits(-Infinity))).toBe(-Infinity);
    for (let bits = 0; bits < 0x7c00; bits += 7) expect(toFloat16Bits(fromFloat16Bits(bits))).toBe(bits);
    expect(Array.from(toFloat16Array([0.5, 999]))).toEqual([14336, 25550]);
  });
});
