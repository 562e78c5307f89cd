/**
 * @file The one extraction engine, driven by the worker (worker/handlers/extract.ts) and the CLI
 * (cli/extract-run.ts) alike: answer what the feature cache has first, then run the U-Net on the
 * rest — the blocks' sub-graph pooled in ONNX when it pays (block-sessions.ts), else the U-Net with
 * the maps pooled in JavaScript — in batches sized from their bytes (batch-size.ts), on the lanes
 * the caller's runners give (extract.ts), streaming each batch as rows so that a cancelled run keeps
 * everything already computed, and writing what it computed back to the cache.
 *
 * What differs between the two stays with them: the store (IndexedDB, a directory), the backend's
 * byte budget and key, the extra engine (the worker's helper), the retry after a lost WebGPU device.
 *
 * Only the requested blocks are fetched. Fetching every block would let the cache answer later
 * requests for other blocks, but a big model's full-resolution maps cost tens of MB per image per
 * block to copy out and pool. The trade-off: an image is a cache hit only when its records hold
 * every requested block under every requested pooling (cache-key.ts cacheHit), so asking for a new
 * block later re-runs the U-Net for it (the record then gains that block). The sweep and the probe
 * ask for all their blocks in one job, so they still cost one pass per (image, t).
 */
import { DiffProbeError } from '../core/errors';
import type { Pooling } from '../core/pooling';
import type { UNetSession } from '../engine/unet-session';
import { extractionBatchSize } from './batch-size';
import { cacheHit, type FeatureKey, featureColumn, imageHashes, imageKey, poolingKey } from './cache-key';
import { type BatchRunner, extractFeatures, poolColumnsInJs } from './extract';
import { PIPELINE_VERSION } from './version';

/** A feature cache: records of pooled vectors by {@link FeatureKey}. */
export interface FeatureStore {
  /** Per key: the vectors its record holds (of whichever blocks), or null. */
  getMany(keys: readonly FeatureKey[]): Promise<(Record<string, Float32Array> | null)[]>;
  /** Adds each entry's vectors to its key's record. May fail: the extraction goes on without it. */
  putMany(entries: { key: FeatureKey; features: Record<string, Float32Array> }[]): Promise<void>;
}

/** Rows of the request, with each pooling's [rows, dim] matrix per block. */
export interface ExtractedRows {
  /** Request rows, ascending within one call. */
  rows: number[];
  /** features[poolingName][block] (poolingName: cache-key.ts poolingKey, 'raw' for raw maps). */
  features: Record<string, Record<string, Float32Array>>;
  dims: Record<string, Record<string, number>>;
  /** The backend key of what computed them (for cached rows, the key they were found under). */
  backend: string;
  fromCache: boolean;
}

export interface CachedExtractRequest {
  unet: UNetSession;
  alphasCumprod: Float64Array;
  /** x_0 of `count` images, [count, C, H, W]. */
  x0: Float32Array;
  count: number;
  /** Each image's class (row i ↔ image i), for a class input fed the image's own label. */
  labels?: Int32Array;
  t: number;
  seed: number;
  blocks: readonly string[];
  poolings: readonly Pooling[];
  /** Most images per run (the caller's batch size); fewer when the maps would not fit `budget`. */
  batchSize: number;
  /** Bytes a batch may take (batch-size.ts extractionBudgetBytes); asked again for each attempt. */
  budget: () => number | Promise<number>;
  /** The backend key of features computed now; read for every batch (a lost device moves to WASM). */
  backend: () => string;
  /** The cache, the model's part of its keys, and whether to write (null: no cache). */
  cache: { store: FeatureStore; model: string; numbers: string; writes: boolean } | null;
  /**
   * Runners on the blocks' sub-graph (block-sessions.ts, with the caller's lanes), or null to pool
   * in JavaScript on the U-Net's session.
   */
  runners: (
    blocks: readonly string[],
    poolings: readonly Pooling[],
    images: number,
  ) => Promise<readonly BatchRunner[] | null>;
  onRows: (rows: ExtractedRows) => void | Promise<void>;
  progress?: (done: number, total: number, state: { fromCache: number; engines: number | null }) => void;
  /** Awaited before each batch; may throw to cancel. */
  checkpoint?: () => Promise<void>;
  /**
   * Runs one attempt over the rows still missing. The worker's moves the model to WASM when WebGPU
   * fails and returns; a second attempt then runs what is left. Default: run it.
   */
  attempt?: (run: () => Promise<void>, index: number) => Promise<void>;
}

export interface CachedExtractResult {
  count: number;
  dims: Record<string, Record<string, number>>;
  cached: number;
  computed: number;
  /** Whether the sub-graph ran (any attempt). */
  subgraph: boolean;
  /** Engines of the last attempt that ran the U-Net (1 when none did). */
  engines: number;
  /** Every backend key the rows came from. */
  backends: string[];
}

/** Cached rows go out in groups of this many. */
const HIT_GROUP = 256;

/** The pooling's name in results and keys: its registered key, 'raw' for raw maps. */
export function poolingColumnName(p: Pooling): string {
  return poolingKey(p) ?? p.kind;
}

export async function extractCached(req: CachedExtractRequest): Promise<CachedExtractResult> {
  const { unet, x0, count, blocks, poolings } = req;
  const { channels, height, width } = unet.manifest.input;
  const pixels = channels * height * width;
  if (!Number.isInteger(count) || count < 0 || x0.length !== count * pixels)
    throw new DiffProbeError(
      'internal',
      `extraction got ${x0.length} values for ${count} images of ${channels}×${height}×${width} (${count * pixels} expected)`,
      { count, values: x0.length, pixels },
    );
  if (req.labels && req.labels.length !== count)
    throw new DiffProbeError('internal', `extraction got ${req.labels.length} labels for ${count} images`);
  const names = poolings.map(poolingColumnName);
  const keyed = poolings.every((p) => poolingKey(p) !== null);
  // Raw maps are too large to cache.
  const cache = keyed ? req.cache : null;
  const feedsLabels = (unet.manifest.extraInputs ?? []).some((e) => e.class?.feed === 'label');
  const images = cache ? await imageHashes(x0, count, pixels) : [];
  const keyOf = (row: number, pooling: string, backend: string): FeatureKey => ({
    model: cache!.model,
    numbers: cache!.numbers,
    pipeline: PIPELINE_VERSION,
    backend,
    t: req.t,
    seed: req.seed,
    pooling,
    image: imageKey(images[row], feedsLabels && req.labels ? req.labels[row] : undefined),
  });

  const dims: Record<string, Record<string, number>> = Object.fromEntries(names.map((n) => [n, {}]));
  const backends = new Set<string>();
  let done = 0;
  let engines: number | null = null;
  let fromCache = 0;
  const finished = new Set<number>();

  if (cache) {
    const readFrom = req.backend();
    const records = await Promise.all(
      names.map(async (name) => {
        const found = await cache.store
          .getMany(Array.from({ length: count }, (_, row) => keyOf(row, name, readFrom)))
          .catch(() => [] as null[]);
        return Array.from({ length: count }, (_, row) => cacheHit(found[row], blocks));
      }),
    );
    const hitRows = Array.from({ length: count }, (_, row) => row).filter((row) =>
      records.every((r) => r[row]),
    );
    for (let i = 0; i < hitRows.length; i += HIT_GROUP) {
      const rows = hitRows.slice(i, i + HIT_GROUP);
      const features: ExtractedRows['features'] = {};
      const groupDims: ExtractedRows['dims'] = {};
      for (const [j, name] of names.entries()) {
        features[name] = {};
        groupDims[name] = {};
        for (const b of blocks) {
          const dim = records[j][rows[0]]![b].length;
          const m = new Float32Array(rows.length * dim);
          for (const [k, row] of rows.entries()) m.set(records[j][row]![b], k * dim);
          features[name][b] = m;
          groupDims[name][b] = dim;
          dims[name][b] = dim;
        }
      }
      backends.add(readFrom);
      await req.onRows({ rows, features, dims: groupDims, backend: readFrom, fromCache: true });
      for (const row of rows) finished.add(row);
    }
    fromCache = hitRows.length;
    done = hitRows.length;
  }
  req.progress?.(done, count, { fromCache, engines });

  let subgraph = false;
  let computed = 0;
  const attempt = req.attempt ?? ((run) => run());
  // Each attempt runs the rows not finished yet; a second one only follows an attempt that gave up
  // (the worker's lost WebGPU device: the rest runs on WASM).
  for (let index = 0; finished.size < count; index++) {
    if (index > 1)
      throw new DiffProbeError('internal', `extraction stopped with ${count - finished.size} images missing`);
    const missRows = Array.from({ length: count }, (_, r) => r).filter((r) => !finished.has(r));
    const xm = new Float32Array(missRows.length * pixels);
    for (const [i, r] of missRows.entries()) xm.set(x0.subarray(r * pixels, (r + 1) * pixels), i * pixels);
    const columns = poolings.flatMap((p) => blocks.map((b) => featureColumn(p, b)));
    await attempt(async () => {
      // Sized on the backend this attempt runs on.
      const batchSize = extractionBatchSize(unet.manifest, blocks, req.batchSize, await req.budget());
      const runners = await req.runners(blocks, poolings, missRows.length);
      if (runners) subgraph = true;
      engines = new Set(runners ?? []).size || 1;
      await extractFeatures(
        unet,
        xm,
        missRows.length,
        {
          t: req.t,
          seed: req.seed,
          blocks: columns,
          // The runners pool; this names only the default runner's pooling, which is not used.
          pooling: poolings[0],
          batchSize,
          alphasCumprod: req.alphasCumprod,
          labels: req.labels && Int32Array.from(missRows, (r) => req.labels![r]),
        },
        async (batch) => {
          const rows = missRows.slice(batch.start, batch.start + batch.count);
          const backend = req.backend();
          backends.add(backend);
          const features: ExtractedRows['features'] = {};
          const batchDims: ExtractedRows['dims'] = {};
          for (const [j, name] of names.entries()) {
            features[name] = {};
            batchDims[name] = {};
            for (const b of blocks) {
              const column = featureColumn(poolings[j], b);
              features[name][b] = batch.features[column];
              batchDims[name][b] = batch.dims[column];
              dims[name][b] = batch.dims[column];
            }
          }
          if (cache?.writes) {
            const entries = names.flatMap((name) =>
              rows.map((row, i) => ({
                key: keyOf(row, name, backend),
                features: Object.fromEntries(
                  blocks.map((b) => {
                    const dim = batchDims[name][b];
                    return [b, features[name][b].slice(i * dim, (i + 1) * dim)];
                  }),
                ),
              })),
            );
            // A full or failing cache must not fail the extraction.
            await cache.store.putMany(entries).catch(() => {});
          }
          await req.onRows({ rows, features, dims: batchDims, backend, fromCache: false });
          for (const r of rows) finished.add(r);
          computed += rows.length;
          done += rows.length;
          req.progress?.(done, count, { fromCache, engines });
        },
        req.checkpoint,
        runners ?? poolColumnsInJs(unet, blocks, poolings),
      );
    }, index);
  }
  return {
    count,
    dims,
    cached: fromCache,
    computed,
    subgraph,
    engines: engines ?? 1,
    backends: [...backends],
  };
}
