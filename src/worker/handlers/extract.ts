/**
 * @file The worker's extraction job: the one extraction engine (pipeline/cached-extract.ts, which
 * the CLI drives too) on the loaded model, with what only the browser has: the IndexedDB feature
 * cache, the WebGPU device's buffer limits, the engine helper's lane (worker/block-sessions.ts),
 * and a lost WebGPU device moving the rest of the job to WASM.
 */
import { numbersKey } from '../../core/manifest/numbers-key';
import type { Manifest } from '../../core/manifest/types';
import { type Pooling, pooledShape } from '../../core/pooling';
import { webgpuDevice } from '../../engine/onnx-web';
import { extractionBudgetBytes, type GpuBufferLimits } from '../../pipeline/batch-size';
import { backendKey, poolingKey } from '../../pipeline/cache-key';
import { extractCached, type FeatureStore, poolingColumnName } from '../../pipeline/cached-extract';
import { blockRunners } from '../block-sessions';
import type { FeatureCache } from '../cache/feature-cache';
import { featureCacheStatus } from '../cache/shared';
import type { JobContext } from '../context';
import type { ExtractParams, FeatureChunk } from '../jobs';
import type { LoadedModel } from '../model-state';
import { checkTimestep, requireModel, withRecovery } from './run-model';

/** The WebGPU device's buffer limits (ORT asks the adapter's own for its device), if there is one. */
async function gpuLimits(): Promise<GpuBufferLimits | null> {
  try {
    const limits = (await webgpuDevice())?.limits;
    return limits
      ? {
          maxBufferSize: limits.maxBufferSize,
          maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        }
      : null;
  } catch {
    return null;
  }
}

/** The bytes a batch may take on the model's current backend. */
async function budgetOf(model: LoadedModel): Promise<number> {
  const backend = model.info.backend;
  return extractionBudgetBytes(backend, backend === 'webgpu' ? await gpuLimits() : null);
}

/** The IndexedDB cache as the engine's store. */
function storeOf(cache: FeatureCache): FeatureStore {
  return {
    getMany: async (keys) => (await cache.getMany([...keys])).map((hit) => hit?.features ?? null),
    putMany: (entries) => cache.putMany(entries),
  };
}

export async function extractFeatures(params: ExtractParams, ctx: JobContext) {
  const model = requireModel(params.model);
  checkTimestep(model, params.t);
  const { count, data } = params.images;
  const pooling = poolingColumnName(params.pooling);
  const status = poolingKey(params.pooling) && params.cache !== false ? await featureCacheStatus() : null;
  const cache = status?.cache ?? null;
  // A job whose features would take more than a quarter of the cache (a grid of every block of a
  // sweep: ~0.5 GB for 3,000 images of the default model) reads it but does not write: it would
  // only push out what other work cached, for features too big to be kept anyway.
  const writes =
    cache !== null &&
    count * featureBytes(model.unet.manifest, params.blocks, params.pooling) <= cache.maxBytes / 4;
  const off = status?.reason ? ` (feature cache off: ${status.reason})` : '';
  const result = await extractCached({
    unet: model.unet,
    alphasCumprod: model.alphasCumprod,
    x0: data,
    count,
    labels: params.labels,
    t: params.t,
    seed: params.seed,
    blocks: params.blocks,
    poolings: [params.pooling],
    batchSize: params.batchSize,
    budget: () => budgetOf(model),
    // Read when a row is written: a lost device moves the rest of the job to WASM.
    backend: () => backendKey(model.info.backend, model.info.adapter),
    cache: cache && {
      store: storeOf(cache),
      model: model.info.hash,
      // numbersKey is memoised per manifest object.
      numbers: numbersKey(model.unet.manifest),
      writes,
    },
    // Many images: the blocks' sub-graph, pooled in ONNX, in a session kept for the next request
    // (worker/block-sessions.ts); else the U-Net's session with the maps pooled in JavaScript.
    runners: (blocks, poolings, images) =>
      params.subgraph === false
        ? Promise.resolve(null)
        : blockRunners(
            model,
            blocks,
            poolings,
            params.subgraph ? Number.POSITIVE_INFINITY : images,
            params.helper !== false,
          ),
    onRows: (rows) => {
      const chunk: FeatureChunk = {
        rows: rows.rows,
        features: rows.features[pooling],
        dims: rows.dims[pooling],
        backend: rows.backend,
      };
      ctx.partial(
        chunk,
        Object.values(chunk.features).map((f) => f.buffer as ArrayBuffer),
      );
    },
    progress: (done, total, { fromCache, engines }) => {
      const on =
        engines === null
          ? off
          : ` on ${model.info.backend.toUpperCase()}${engines > 1 ? `, ${engines} engines` : ''}`;
      ctx.progress(
        done,
        total,
        engines === null && fromCache ? `${fromCache} from cache` : `t=${params.t}${on}`,
      );
    },
    checkpoint: () => ctx.checkpoint(),
    attempt: async (run, index) => {
      if (index === 0) await withRecovery(model, run, false);
      else await run();
    },
  });
  return {
    count,
    dims: result.dims[pooling],
    cached: result.cached,
    subgraph: result.subgraph,
    engines: result.engines,
    backends: result.backends,
  };
}

/** Bytes of one image's pooled features of `blocks` (names the manifest does not list count as the input). */
export function featureBytes(manifest: Manifest, blocks: readonly string[], pooling: Pooling): number {
  const byName = new Map(manifest.blocks.map((b) => [b.name, b]));
  const { channels, height, width } = manifest.input;
  let bytes = 0;
  for (const name of blocks) {
    const b = byName.get(name);
    const [c, h, w] = pooledShape(
      b ? [b.channels, b.resolution[0], b.resolution[1]] : [channels, height, width],
      pooling,
    );
    bytes += 4 * c * h * w;
  }
  return bytes;
}
