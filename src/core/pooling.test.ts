import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  adaptiveAvgPool2d,
  channelStats,
  globalAvgPool,
  globalMaxPool,
  gridSide,
  pooledShape,
  poolFeatures,
} from './pooling';

interface PoolCase {
  shape: [number, number, number, number];
  input: number[];
  outputs: { size: [number, number]; values: number[]; values64: number[] }[];
  avg: number[];
  max: number[];
}

const fixture: { cases: PoolCase[] } = JSON.parse(
  readFileSync(new URL('../../tools/model/fixtures/core/pooling.json', import.meta.url), 'utf8'),
);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('adaptiveAvgPool2d vs torch', () => {
  const rows = fixture.cases.flatMap((c) =>
    c.outputs.map((o) => ({ c, o, label: `${c.shape} → ${o.size}` })),
  );
  it.each(rows)('$label', ({ c, o }) => {
    const y = adaptiveAvgPool2d(Float32Array.from(c.input), c.shape, o.size[0], o.size[1]);
    expect(y.shape).toEqual([c.shape[0], c.shape[1], o.size[0], o.size[1]]);
    const d32 = maxAbsDiff(y.data, o.values);
    const d64 = maxAbsDiff(y.data, o.values64);
    console.info(`adaptive ${c.shape} → ${o.size}: max |Δ| vs torch f32 ${d32}, vs f64 ${d64}`);
    expect(d32).toBeLessThanOrEqual(1e-6);
  });

  it('uses overlapping bins for 7 → 2 (rows 0–3 and 3–6)', () => {
    const x = Float32Array.from({ length: 7 }, (_, i) => i); // 1×1×7×1 column 0..6
    const y = adaptiveAvgPool2d(x, [1, 1, 7, 1], 2, 1);
    expect(Array.from(y.data)).toEqual([1.5, 4.5]);
  });
});

describe('global pools and poolFeatures', () => {
  const c = fixture.cases[0];
  const x = Float32Array.from(c.input);
  const [n, ch, h, w] = c.shape;

  it('globalAvgPool / globalMaxPool match torch mean / amax', () => {
    expect(maxAbsDiff(globalAvgPool(x, c.shape).data, c.avg)).toBeLessThanOrEqual(1e-6);
    expect(Array.from(globalMaxPool(x, c.shape).data)).toEqual(c.max);
  });

  it('globalMaxPool propagates NaN like torch', () => {
    expect(Number.isNaN(globalMaxPool(new Float32Array([1, Number.NaN, 3, 0]), [1, 1, 2, 2]).data[0])).toBe(
      true,
    );
  });

  it('returns [N, D] in channel-major (c, i, j) order', () => {
    const avg = poolFeatures(x, c.shape, { kind: 'avg' });
    expect(avg.shape).toEqual([n, ch]);
    expect(avg.dim).toBe(ch);
    const max = poolFeatures(x, c.shape, { kind: 'max' });
    expect(max.dim).toBe(ch);
    const ad = poolFeatures(x, c.shape, { kind: 'adaptive', size: 2 });
    expect(ad.shape).toEqual([n, ch * 4]);
    // torch's pooled.flatten(1) is exactly the NCHW buffer of the pooled map.
    expect(maxAbsDiff(ad.data, c.outputs[1].values)).toBeLessThanOrEqual(1e-6);
    const raw = poolFeatures(x, c.shape, { kind: 'raw' });
    expect(raw.shape).toEqual([n, ch * h * w]);
    expect(raw.data).not.toBe(x);
    expect(Array.from(raw.data)).toEqual(Array.from(x));
  });

  it('handles an empty batch and rejects non-NCHW shapes', () => {
    const empty = poolFeatures(new Float32Array(0), [0, 8, 7, 7], { kind: 'adaptive', size: 4 });
    expect(empty.shape).toEqual([0, 128]);
    expect(() => poolFeatures(x, [ch, h, w], { kind: 'avg' })).toThrow(/NCHW/);
    expect(() => poolFeatures(x, [n, ch, h, w + 1], { kind: 'avg' })).toThrow(/needs/);
  });
});

describe('channelStats', () => {
  it('per-channel mean, population variance, min and max of one image', () => {
    // 2 images × 2 channels × 1×3
    const x = new Float32Array([1, 2, 3, 10, 10, 10, -1, 0, 4, 5, 5, 8]);
    const s0 = channelStats(x, [2, 2, 1, 3]);
    expect(Array.from(s0.mean)).toEqual([2, 10]);
    expect(s0.variance[0]).toBeCloseTo(2 / 3, 12);
    expect(s0.variance[1]).toBe(0);
    expect(Array.from(s0.min)).toEqual([1, 10]);
    expect(Array.from(s0.max)).toEqual([3, 10]);
    const s1 = channelStats(x, [2, 2, 1, 3], 1);
    expect(Array.from(s1.mean)).toEqual([1, 6]);
    expect(Array.from(s1.min)).toEqual([-1, 5]);
    expect(() => channelStats(x, [2, 2, 1, 3], 2)).toThrow(/out of range/);
  });

  it('accepts CHW', () => {
    const s = channelStats(new Float32Array([1, 3, 5, 7]), [2, 1, 2]);
    expect(Array.from(s.mean)).toEqual([2, 6]);
    expect(Array.from(s.variance)).toEqual([1, 1]);
  });
});

describe('grid pooling (the map as tokens)', () => {
  it("keeps sides within the grid, divides exactly where it can, else uses torch's bins", () => {
    expect([28, 14, 7, 32, 16, 64, 13, 12, 10, 9].map((s) => gridSide(s, 8))).toEqual([
      7, 7, 7, 8, 8, 8, 8, 6, 5, 8,
    ]);
    expect(gridSide(28, 16)).toBe(14);
    expect(gridSide(28, 4)).toBe(4);
    expect(pooledShape([64, 14, 14], { kind: 'grid', size: 8 })).toEqual([64, 7, 7]);
  });
  it('is adaptive average pooling to that grid, flattened channel-major', () => {
    const x = Float32Array.from({ length: 2 * 3 * 14 * 13 }, (_, i) => Math.sin(i));
    const shape = [2, 3, 14, 13];
    const f = poolFeatures(x, shape, { kind: 'grid', size: 8 });
    expect(f.dim).toBe(3 * 7 * 8);
    expect(f.data).toEqual(adaptiveAvgPool2d(x, shape, 7, 8).data);
  });
});
