/**
 * @file A bounded feature cache in IndexedDB, so reopening the page or re-running a probe or sweep
 * reuses features instead of re-running the U-Net.
 *
 * One record per (model hash, manifest digest, pipeline version, backend, t, seed, pooling, image hash)
 * holds the pooled features of the blocks computed for it: IndexedDB's cost is per record, not per
 * byte, so blocks computed together are stored together, and blocks computed later are added to
 * the same record. When the total passes `maxBytes`, the
 * oldest records go first.
 *
 * Version 2 of the database added the manifest digest and the pipeline version to the key, version
 * 3 the backend (and WebGPU adapter) that computed the features; an upgrade drops the older records
 * (nothing says which manifest, code or backend made them). A tab still
 * holding an older version open blocks the upgrade: after a short wait the cache is reported
 * unavailable, with that reason, rather than leaving the worker's queue waiting on it. An open
 * cache closes itself when a newer version asks to open (another tab with newer code) and then
 * answers as an empty cache.
 */

import type { FeatureKey } from '../../pipeline/cache-key';

/** One image's pooled features: the key both caches use (pipeline/cache-key.ts). */
export type CacheKey = FeatureKey;

export interface CachedFeatures {
  /** Block name → pooled feature vector. */
  features: Record<string, Float32Array>;
}

interface StoredRecord {
  key: [string, string, number, string, number, number, string, string];
  created: number;
  bytes: number;
  blocks: string[];
  dims: number[];
  data: ArrayBuffer;
}

export interface CacheStats {
  entries: number;
  bytes: number;
  maxBytes: number;
}

const DB_NAME = 'diffprobe-features';
const DB_VERSION = 3;
const STORE = 'features';
const META = 'meta';
/** How long an upgrade blocked by another tab may wait before the cache is reported unavailable. */
const BLOCKED_TIMEOUT_MS = 3000;

export interface OpenedCache {
  cache: FeatureCache | null;
  /** Why there is no cache (null when there is one). */
  reason: string | null;
  /** No cache because another tab blocked the upgrade: it may work once that tab closes. */
  blocked?: boolean;
}

/**
 * Opens (or creates, or upgrades) the cache. Never hangs on another tab: see the file comment.
 */
export async function openFeatureCache(
  factory: IDBFactory | undefined = globalThis.indexedDB,
  maxBytes = 256 * 2 ** 20,
  options: { blockedTimeoutMs?: number } = {},
): Promise<OpenedCache> {
  if (!factory) return { cache: null, reason: 'IndexedDB is not available in this browser (or this mode)' };
  let request: IDBOpenDBRequest;
  try {
    request = factory.open(DB_NAME, DB_VERSION);
  } catch (error) {
    return { cache: null, reason: `IndexedDB refused to open the feature cache (${String(error)})` };
  }
  request.onupgradeneeded = (event) => {
    const db = request.result;
    // Older records are keyed without the manifest and pipeline (1) or the backend (2): they
    // cannot be re-keyed.
    if (event.oldVersion < 3) {
      for (const name of Array.from(db.objectStoreNames)) db.deleteObjectStore(name);
      const store = db.createObjectStore(STORE, { keyPath: 'key' });
      store.createIndex('created', 'created');
      db.createObjectStore(META);
    }
  };
  const blockedTimeoutMs = options.blockedTimeoutMs ?? BLOCKED_TIMEOUT_MS;
  return new Promise<OpenedCache>((resolve) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = (result: OpenedCache) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    request.onsuccess = () => {
      const db = request.result;
      if (settled) {
        db.close(); // opened after we gave up waiting: nobody uses it
        return;
      }
      settle({ cache: new FeatureCache(db, maxBytes), reason: null });
    };
    request.onerror = () =>
      settle({
        cache: null,
        reason: `IndexedDB could not open the feature cache (${request.error?.message})`,
      });
    request.onblocked = () => {
      timer ??= setTimeout(
        () =>
          settle({
            cache: null,
            reason:
              'another DiffProbe tab has an older version of the feature cache open; close or reload it to use the cache',
            blocked: true,
          }),
        blockedTimeoutMs,
      );
    };
  });
}

function promisify<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

const toKey = (k: CacheKey): StoredRecord['key'] => [
  k.model,
  k.numbers,
  k.pipeline,
  k.backend,
  k.t,
  k.seed,
  k.pooling,
  k.image,
];

export class FeatureCache {
  /** Set once this connection has closed for a newer version (another tab): answer as empty. */
  private closed = false;

  constructor(
    private readonly db: IDBDatabase,
    public maxBytes: number,
  ) {
    // Let another tab with newer code upgrade the database instead of blocking it.
    db.onversionchange = () => {
      this.closed = true;
      db.close();
    };
  }

  /** Opens (or creates) the cache; resolves null where it is unavailable ({@link openFeatureCache} says why). */
  static async open(
    factory: IDBFactory | undefined = globalThis.indexedDB,
    maxBytes = 256 * 2 ** 20,
  ): Promise<FeatureCache | null> {
    return (await openFeatureCache(factory, maxBytes)).cache;
  }

  /** Looks up many keys in one transaction; misses are null. */
  async getMany(keys: CacheKey[]): Promise<(CachedFeatures | null)[]> {
    if (this.closed) return keys.map(() => null);
    const tx = this.db.transaction(STORE, 'readonly');
    const store = tx.objectStore(STORE);
    const records = await Promise.all(
      keys.map((k) => promisify(store.get(toKey(k)) as IDBRequest<StoredRecord | undefined>)),
    );
    return records.map((r) => (r ? unpack(r) : null));
  }

  /**
   * Stores many entries in one transaction, then evicts the oldest beyond the size limit. An entry
   * whose key already has a record adds its blocks to that record's (new values win), so blocks
   * computed by separate requests accumulate.
   */
  async putMany(entries: { key: CacheKey; features: Record<string, Float32Array> }[]): Promise<void> {
    if (!entries.length || this.closed) return;
    const tx = this.db.transaction([STORE, META], 'readwrite');
    const store = tx.objectStore(STORE);
    const meta = tx.objectStore(META);
    let total = ((await promisify(meta.get('bytes'))) as number | undefined) ?? 0;
    let count = ((await promisify(meta.get('entries'))) as number | undefined) ?? 0;
    const now = Date.now();
    for (const { key, features } of entries) {
      const old = (await promisify(store.get(toKey(key)))) as StoredRecord | undefined;
      const merged = old ? { ...unpack(old).features, ...features } : features;
      const record = pack(toKey(key), merged, now);
      if (old) {
        total -= old.bytes;
        count -= 1;
      }
      store.put(record);
      total += record.bytes;
      count += 1;
    }
    if (total > this.maxBytes) {
      // Oldest first, until back under 90% of the limit (so we do not evict on every put).
      const cursorRequest = store.index('created').openCursor();
      await new Promise<void>((resolve, reject) => {
        cursorRequest.onsuccess = () => {
          const cursor = cursorRequest.result;
          if (!cursor || total <= this.maxBytes * 0.9) return resolve();
          total -= (cursor.value as StoredRecord).bytes;
          count -= 1;
          cursor.delete();
          cursor.continue();
        };
        cursorRequest.onerror = () => reject(cursorRequest.error);
      });
    }
    meta.put(Math.max(0, total), 'bytes');
    meta.put(Math.max(0, count), 'entries');
    await done(tx);
  }

  async stats(): Promise<CacheStats> {
    if (this.closed) return { bytes: 0, entries: 0, maxBytes: this.maxBytes };
    const tx = this.db.transaction(META, 'readonly');
    const meta = tx.objectStore(META);
    const [bytes, entries] = await Promise.all([
      promisify(meta.get('bytes')),
      promisify(meta.get('entries')),
    ]);
    return { bytes: (bytes as number) ?? 0, entries: (entries as number) ?? 0, maxBytes: this.maxBytes };
  }

  async clear(): Promise<void> {
    if (this.closed) return;
    const tx = this.db.transaction([STORE, META], 'readwrite');
    tx.objectStore(STORE).clear();
    tx.objectStore(META).clear();
    await done(tx);
  }

  close(): void {
    this.db.close();
  }
}

function pack(
  key: StoredRecord['key'],
  features: Record<string, Float32Array>,
  created: number,
): StoredRecord {
  const blocks = Object.keys(features);
  const dims = blocks.map((b) => features[b].length);
  const data = new Float32Array(dims.reduce((a, b) => a + b, 0));
  let offset = 0;
  for (const [i, b] of blocks.entries()) {
    data.set(features[b], offset);
    offset += dims[i];
  }
  // Key strings and bookkeeping are small next to the vectors; count the vectors.
  return { key, created, bytes: data.byteLength, blocks, dims, data: data.buffer };
}

function unpack(record: StoredRecord): CachedFeatures {
  const all = new Float32Array(record.data);
  const features: Record<string, Float32Array> = {};
  let offset = 0;
  for (const [i, b] of record.blocks.entries()) {
    features[b] = all.slice(offset, offset + record.dims[i]);
    offset += record.dims[i];
  }
  return { features };
}
