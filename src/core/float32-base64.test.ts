import { describe, expect, it } from 'vitest';
import { DiffProbeError } from './errors';
import { base64ToFloat32, float32ToBase64 } from './float32-base64';

describe('float32 base64', () => {
  it('round-trips every bit, NaN and signed zero included, over many chunks', () => {
    const v = new Float32Array(20_000);
    for (let i = 0; i < v.length; i++) v[i] = Math.sin(i) * 10 ** ((i % 20) - 10);
    v[1] = Number.NaN;
    v[2] = -0;
    const back = base64ToFloat32(float32ToBase64(v));
    expect(new Uint32Array(back.buffer)).toEqual(new Uint32Array(v.buffer));
  });

  it('matches the bytes numpy writes for <f4 (1.0 → 0000803f)', () => {
    expect(float32ToBase64(Float32Array.of(1, -2))).toBe(
      Buffer.from('0000803f000000c0', 'hex').toString('base64'),
    );
  });

  it('refuses damaged data', () => {
    expect(() => base64ToFloat32('AAA')).toThrow(DiffProbeError);
    expect(() => base64ToFloat32('!!!!')).toThrow(/not base64/);
  });
});
