import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { type CacheKey, FeatureCache } from './feature-cache';

const key = (image: string, t = 0): CacheKey => ({ model: 'm', t, seed: 0, pooling: 'avg', image });
const feats = (v: number, n = 4) => ({ a: new Float32Array(n).fill(v), b: new Float32Array(2).fill(-v) });

describe('FeatureCache', () => {
  it('stores and returns features by key; misses are null', async () => {
    const cache = (await FeatureCache.open(new IDBFactory()))!;
    await cache.putMany([{ key: key('x'), features: feats(1) }]);
    const [hit, miss, otherT] = await cache.getMany([key('x'), key('y'), key('x', 5)]);
    expect(Array.from(hit!.features.a)).toEqual([1, 1, 1, 1]);
    expect(Array.from(hit!.features.b)).toEqual([-1, -1]);
    expect(miss).toBeNull();
    expect(otherT).toBeNull();
    expect(await cache.stats()).toMatchObject({ entries: 1, bytes: 24 });
  });

  it('replacing an entry does not double-count it', async () => {
    const cache = (await FeatureCache.open(new IDBFactory()))!;
    await cache.putMany([{ key: key('x'), features: feats(1) }]);
    await cache.putMany([{ key: key('x'), features: feats(2) }]);
    expect(await cache.stats()).toMatchObject({ entries: 1, bytes: 24 });
    expect((await cache.getMany([key('x')]))[0]!.features.a[0]).toBe(2);
  });

  it('evicts the oldest entries beyond its size limit', async () => {
    const cache = (await FeatureCache.open(new IDBFactory(), 100))!;
    for (let i = 0; i < 6; i++) {
      await cache.putMany([{ key: key(`img${i}`), features: feats(i) }]); // 24 bytes each
      await new Promise((r) => setTimeout(r, 2));
    }
    const stats = await cache.stats();
    expect(stats.bytes).toBeLessThanOrEqual(100);
    const got = await cache.getMany([0, 1, 2, 3, 4, 5].map((i) => key(`img${i}`)));
    expect(got[0]).toBeNull();
    expect(got[5]).not.toBeNull();
    expect(got.filter(Boolean).length).toBe(stats.entries);
  });

  it('clears', async () => {
    const cache = (await FeatureCache.open(new IDBFactory()))!;
    await cache.putMany([{ key: key('x'), features: feats(1) }]);
    await cache.clear();
    expect(await cache.stats()).toMatchObject({ entries: 0, bytes: 0 });
    expect((await cache.getMany([key('x')]))[0]).toBeNull();
  });

  it('reports no cache when IndexedDB is missing', async () => {
    expect(await FeatureCache.open(undefined)).toBeNull();
  });
});
