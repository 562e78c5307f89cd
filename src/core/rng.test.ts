import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRng, fnv1a32, gaussian, imageNoise, splitmix32 } from './rng';

interface RngFixture {
  splitmix32From0: number[];
  uint32: { seed: number; stream: number; values: number[] }[];
  floatsSeed42: number[];
  gaussian: { seed: number; stream: number; values: number[] };
  gaussianOdd: { seed: number; stream: number; values: number[] };
  fnv1a32: { bytes: number[]; hash: number }[];
  imageNoise: { seed: number; x0: number[]; stream: number; noise: number[] };
}

const fixture: RngFixture = JSON.parse(
  readFileSync(new URL('../../tools/model/fixtures/core/rng.json', import.meta.url), 'utf8'),
);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('splitmix32 / xoshiro128** match tools/model/rng.py exactly', () => {
  it('splitmix32 sequence from state 0', () => {
    let st = 0;
    const values = fixture.splitmix32From0.map(() => {
      const r = splitmix32(st);
      st = r.state;
      return r.value;
    });
    expect(values).toEqual(fixture.splitmix32From0);
  });

  it.each(fixture.uint32)('first 16 uint32 of seed $seed stream $stream', ({ seed, stream, values }) => {
    const rng = createRng(seed, stream);
    expect(values.map(() => rng.nextUint32())).toEqual(values);
  });

  it('first 16 floats of seed 42 (exact: the division by 2^32 is exact in both)', () => {
    const rng = createRng(42);
    const floats = fixture.floatsSeed42.map(() => rng.nextFloat());
    expect(floats).toEqual(fixture.floatsSeed42);
    for (const f of floats) expect(f > 0 && f < 1).toBe(true);
  });
});

describe('gaussian', () => {
  it('matches Python to ≤ 1e-6 (1000 values)', () => {
    const { seed, stream, values } = fixture.gaussian;
    const z = gaussian(createRng(seed, stream), values.length);
    const diff = maxAbsDiff(z, values);
    console.info(`gaussian: max |TS − Python| = ${diff}`);
    expect(diff).toBeLessThanOrEqual(1e-6);
  });

  it('odd counts drop the last z1', () => {
    const { seed, stream, values } = fixture.gaussianOdd;
    expect(maxAbsDiff(gaussian(createRng(seed, stream), 5), values)).toBeLessThanOrEqual(1e-6);
    // The first 4 of 6 equal the 4 of 4: pairs are independent of n.
    const six = gaussian(createRng(1), 6);
    const four = gaussian(createRng(1), 4);
    expect(Array.from(six.subarray(0, 4))).toEqual(Array.from(four));
  });

  it('has mean ≈ 0 and std ≈ 1 over 100k samples', () => {
    const z = gaussian(createRng(12345), 100_000);
    let sum = 0;
    let sq = 0;
    for (const v of z) {
      sum += v;
      sq += v * v;
    }
    const mean = sum / z.length;
    const std = Math.sqrt(sq / z.length - mean * mean);
    // Standard error of the mean is 1/√1e5 ≈ 0.0032; of the std ≈ 0.0022.
    expect(Math.abs(mean)).toBeLessThan(0.015);
    expect(Math.abs(std - 1)).toBeLessThan(0.01);
  });

  it('different streams of one seed differ', () => {
    expect(createRng(5, 0).nextUint32()).not.toBe(createRng(5, 1).nextUint32());
  });
});

describe('fnv1a32', () => {
  it.each(fixture.fnv1a32)('hash of $bytes.length bytes', ({ bytes, hash }) => {
    expect(fnv1a32(Uint8Array.from(bytes))).toBe(hash);
  });
});

describe('imageNoise', () => {
  it('matches Python image_noise to ≤ 1e-6 and uses the same stream', () => {
    const { seed, x0, stream, noise } = fixture.imageNoise;
    const x = Float32Array.from(x0);
    x[0] = -0; // JSON cannot carry -0; the fixture set it deliberately
    const bytes = new Uint8Array(x.buffer);
    expect(fnv1a32(bytes)).toBe(stream);
    const diff = maxAbsDiff(imageNoise(seed, x), noise);
    console.info(`imageNoise: max |TS − Python| = ${diff}`);
    expect(diff).toBeLessThanOrEqual(1e-6);
  });

  it('respects byteOffset of subarrays', () => {
    const big = new Float32Array(10).map((_, i) => i / 10);
    const sub = big.subarray(3, 7);
    expect(Array.from(imageNoise(1, sub))).toEqual(Array.from(imageNoise(1, sub.slice())));
  });

  it('depends on the image content', () => {
    const a = new Float32Array([0.1, 0.2, 0.3]);
    const b = new Float32Array([0.1, 0.2, 0.31]);
    expect(imageNoise(1, a)[0]).not.toBe(imageNoise(1, b)[0]);
  });
});
