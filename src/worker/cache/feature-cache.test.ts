import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { type CacheKey, FeatureCache, openFeatureCache } from './feature-cache';

const key = (image: string, t = 0, numbers = 'n', pipeline = 1): CacheKey => ({
  model: 'm',
  numbers,
  pipeline,
  backend: 'wasm',
  t,
  seed: 0,
  pooling: 'avg',
  image,
});
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

  it('blocks stored later for the same key join the record', async () => {
    const cache = (await FeatureCache.open(new IDBFactory()))!;
    await cache.putMany([{ key: key('x'), features: { a: new Float32Array([1, 2]) } }]);
    await cache.putMany([{ key: key('x'), features: { b: new Float32Array([3]) } }]);
    let [hit] = await cache.getMany([key('x')]);
    expect(Array.from(hit!.features.a)).toEqual([1, 2]);
    expect(Array.from(hit!.features.b)).toEqual([3]);
    expect(await cache.stats()).toMatchObject({ entries: 1, bytes: 12 });
    await cache.putMany([{ key: key('x'), features: { a: new Float32Array([4, 5]) } }]);
    [hit] = await cache.getMany([key('x')]);
    expect(Array.from(hit!.features.a)).toEqual([4, 5]);
    expect(Array.from(hit!.features.b)).toEqual([3]);
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
    expect(await openFeatureCache(undefined)).toMatchObject({
      cache: null,
      reason: expect.stringMatching(/IndexedDB/),
    });
  });

  it('keys on the manifest digest and the pipeline version too', async () => {
    const cache = (await FeatureCache.open(new IDBFactory()))!;
    await cache.putMany([{ key: key('x', 0, 'schedule-a', 1), features: feats(1) }]);
    const [same, otherManifest, otherPipeline] = await cache.getMany([
      key('x', 0, 'schedule-a', 1),
      key('x', 0, 'schedule-b', 1),
      key('x', 0, 'schedule-a', 2),
    ]);
    expect(same).not.toBeNull();
    expect(otherManifest).toBeNull();
    expect(otherPipeline).toBeNull();
  });

  it('keys on the backend: features computed on a WebGPU adapter are not served to WASM or another adapter', async () => {
    const cache = (await FeatureCache.open(new IDBFactory()))!;
    const on = (backend: string) => ({ ...key('x'), backend });
    await cache.putMany([{ key: on('webgpu:nvidia ampere'), features: feats(7) }]);
    const [same, wasm, otherAdapter] = await cache.getMany([
      on('webgpu:nvidia ampere'),
      on('wasm'),
      on('webgpu:amd rdna3'),
    ]);
    expect(same!.features.a[0]).toBe(7);
    expect(wasm).toBeNull();
    expect(otherAdapter).toBeNull();
  });
});

/** The version-1 database as DiffProbe created it before keys held the manifest and pipeline. */
async function openVersion1(factory: IDBFactory): Promise<IDBDatabase> {
  const request = factory.open('diffprobe-features', 1);
  request.onupgradeneeded = () => {
    const store = request.result.createObjectStore('features', { keyPath: 'key' });
    store.createIndex('created', 'created');
    request.result.createObjectStore('meta');
  };
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const tx = db.transaction(['features', 'meta'], 'readwrite');
  tx.objectStore('features').put({
    key: ['m', 0, 0, 'avg', 'x'],
    created: 1,
    bytes: 4,
    blocks: ['a'],
    dims: [1],
    data: new ArrayBuffer(4),
  });
  tx.objectStore('meta').put(4, 'bytes');
  tx.objectStore('meta').put(1, 'entries');
  await new Promise((resolve) => {
    tx.oncomplete = resolve;
  });
  return db;
}

describe('FeatureCache versions', () => {
  it('the upgrade from version 1 drops its records (their keys lack the manifest and pipeline)', async () => {
    const factory = new IDBFactory();
    (await openVersion1(factory)).close();
    const cache = (await FeatureCache.open(factory))!;
    expect(await cache.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('another tab holding the old version open: no cache, with the reason, instead of a hung open', async () => {
    const factory = new IDBFactory();
    const oldTab = await openVersion1(factory); // never closes, like a tab running the old code
    const started = Date.now();
    const { cache, reason, blocked } = await openFeatureCache(factory, undefined, { blockedTimeoutMs: 50 });
    expect(cache).toBeNull();
    expect(reason).toMatch(/another (DiffProbe )?tab/i);
    expect(blocked).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
    oldTab.close();
  });

  it('an open cache steps aside when a newer version opens in another tab, and then answers as empty', async () => {
    const factory = new IDBFactory();
    const cache = (await FeatureCache.open(factory))!;
    await cache.putMany([{ key: key('x'), features: feats(1) }]);
    const newer = factory.open('diffprobe-features', 99);
    await new Promise<void>((resolve, reject) => {
      newer.onsuccess = () => resolve();
      newer.onblocked = () => reject(new Error('blocked by the open cache'));
    });
    newer.result.close();
    expect(await cache.getMany([key('x')])).toEqual([null]);
    await expect(cache.putMany([{ key: key('y'), features: feats(2) }])).resolves.toBeUndefined();
  });
});
