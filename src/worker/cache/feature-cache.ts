/**
 * @file A bounded feature cache in IndexedDB, so reopening the page or re-running a probe or sweep
 * reuses features instead of re-running the U-Net.
 *
 * One record per (model hash, t, seed, pooling, image hash) holds the pooled features of EVERY
 * block: a forward pass computes all blocks anyway, so caching them together turns a sweep over
 * 16 blocks into one pass per (image, t) and keeps the record count small (IndexedDB's cost is per
 * record, not per byte). When the total passes `maxBytes`, the oldest records go first.
 */

export interface CacheKey {
  model: string;
  t: number;
  seed: number;
  pooling: string;
  image: string;
}

export interface CachedFeatures {
  /** Block name → pooled feature vector. */
  features: Record<string, Float32Array>;
}

interface StoredRecord {
  key: [string, number, number, string, string];
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
const STORE = 'features';
const META = 'meta';

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

const toKey = (k: CacheKey): StoredRecord['key'] => [k.model, k.t, k.seed, k.pooling, k.image];

export class FeatureCache {
  private constructor(
    private readonly db: IDBDatabase,
    public maxBytes: number,
  ) {}

  /** Opens (or creates) the cache; resolves null where IndexedDB is unavailable (e.g. some private modes). */
  static async open(
    factory: IDBFactory | undefined = globalThis.indexedDB,
    maxBytes = 256 * 2 ** 20,
  ): Promise<FeatureCache | null> {
    if (!factory) return null;
    try {
      const request = factory.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        const store = db.createObjectStore(STORE, { keyPath: 'key' });
        store.createIndex('created', 'created');
        db.createObjectStore(META);
      };
      return new FeatureCache(await promisify(request), maxBytes);
    } catch {
      return null;
    }
  }

  /** Looks up many keys in one transaction; misses are null. */
  async getMany(keys: CacheKey[]): Promise<(CachedFeatures | null)[]> {
    const tx = this.db.transaction(STORE, 'readonly');
    const store = tx.objectStore(STORE);
    const records = await Promise.all(
      keys.map((k) => promisify(store.get(toKey(k)) as IDBRequest<StoredRecord | undefined>)),
    );
    return records.map((r) => (r ? unpack(r) : null));
  }

  /** Stores many entries in one transaction, then evicts the oldest beyond the size limit. */
  async putMany(entries: { key: CacheKey; features: Record<string, Float32Array> }[]): Promise<void> {
    if (!entries.length) return;
    const tx = this.db.transaction([STORE, META], 'readwrite');
    const store = tx.objectStore(STORE);
    const meta = tx.objectStore(META);
    let total = ((await promisify(meta.get('bytes'))) as number | undefined) ?? 0;
    let count = ((await promisify(meta.get('entries'))) as number | undefined) ?? 0;
    const now = Date.now();
    for (const { key, features } of entries) {
      const record = pack(toKey(key), features, now);
      const old = (await promisify(store.get(record.key))) as StoredRecord | undefined;
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
    const tx = this.db.transaction(META, 'readonly');
    const meta = tx.objectStore(META);
    const [bytes, entries] = await Promise.all([
      promisify(meta.get('bytes')),
      promisify(meta.get('entries')),
    ]);
    return { bytes: (bytes as number) ?? 0, entries: (entries as number) ?? 0, maxBytes: this.maxBytes };
  }

  async clear(): Promise<void> {
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
