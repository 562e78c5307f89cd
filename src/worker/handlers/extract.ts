/**
 * @file extractFeatures with the feature cache: answer what the cache has first, then run the U-Net
 * on the rest, streaming each batch as a partial so a cancelled run keeps everything already
 * computed.
 *
 * Only the requested blocks are fetched, in batches sized from their bytes (pipeline/batch-size.ts).
 * Fetching every block would let the cache answer later requests for other blocks, but a big
 * model's full-resolution maps cost tens of MB per image per block to copy out and pool. The
 * trade-off: an image is a cache hit only when its record holds every requested block, so asking
 * for a new block later re-runs the U-Net for it (the record then gains that block). The sweep and
 * the probe ask for all their blocks in one job, so they still cost one pass per (image, t).
 */
import { DiffProbeError } from '../../core/errors';
import { numbersKey } from '../../core/manifest/numbers-key';
import type { Manifest } from '../../core/manifest/types';
import { type Pooling, pooledShape } from '../../core/pooling';
import { webgpuDevice } from '../../engine/onnx-web';
import { extractionBatchSize, extractionBudgetBytes, type GpuBufferLimits } from '../../pipeline/batch-size';
import { backendKey, imageHashes, poolingKey } from '../../pipeline/cache-key';
import { extractFeatures as extract } from '../../pipeline/extract';
import { PIPELINE_VERSION } from '../../pipeline/version';
import { blockRunners } from '../block-sessions';
import type { CachedFeatures, CacheKey } from '../cache/feature-cache';
import { featureCacheStatus } from '../cache/shared';
import type { JobContext } from '../context';
import type { ExtractParams, FeatureChunk } from '../jobs';
import type { LoadedModel } from '../model-state';
import { checkTimestep, requireModel, withRecovery } from './run-model';

function pick(features: Record<string, Float32Array>, blocks: string[]): Record<string, Float32Array> {
  return Object.fromEntries(blocks.map((b) => [b, features[b]]));
}

/** Stacks per-image vectors into one [rows, dim] matrix per block. */
function stack(
  rows: CachedFeatures[],
  blocks: string[],
): { features: Record<string, Float32Array>; dims: Record<string, number> } {
  const features: Record<string, Float32Array> = {};
  const dims: Record<string, number> = {};
  for (const b of blocks) {
    const dim = rows[0].features[b].length;
    const m = new Float32Array(rows.length * dim);
    for (const [i, r] of rows.entries()) m.set(r.features[b], i * dim);
    features[b] = m;
    dims[b] = dim;
  }
  return { features, dims };
}

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

/** Images per batch for `blocks` on the model's current backend; `upper` is the caller's batch size. */
async function batchSizeFor(model: LoadedModel, blocks: string[], upper: number): Promise<number> {
  const backend = model.info.backend;
  const budget = extractionBudgetBytes(backend, backend === 'webgpu' ? await gpuLimits() : null);
  return extractionBatchSize(model.unet.manifest, blocks, upper, budget);
}

export async function extractFeatures(params: ExtractParams, ctx: JobContext) {
  const model = requireModel(params.model);
  checkTimestep(model, params.t);
  const { count, data } = params.images;
  const { channels, height, width } = model.unet.manifest.input;
  const pixels = channels * height * width;
  // Rows are matched to labels by position: a batch one image short would shift every later row.
  if (!Number.isInteger(count) || count < 0 || data.length !== count * pixels)
    throw new DiffProbeError(
      'internal',
      `extractFeatures got ${data.length} values for ${count} images of ${channels}×${height}×${width} (${count * pixels} expected)`,
      { count, values: data.length, pixels },
    );
  const send = (chunk: FeatureChunk) =>
    ctx.partial(
      chunk,
      Object.values(chunk.features).map((f) => f.buffer as ArrayBuffer),
    );

  const feedsLabels = (model.unet.manifest.extraInputs ?? []).some((e) => e.class?.feed === 'label');
  if (params.labels && params.labels.length !== count)
    throw new DiffProbeError(
      'internal',
      `extractFeatures got ${params.labels.length} labels for ${count} images`,
    );
  const pool = poolingKey(params.pooling);
  const status = pool && params.cache !== false ? await featureCacheStatus() : null;
  const cache = status?.cache ?? null;
  const hashes = cache ? await imageHashes(data, count, pixels) : [];
  // The same ONNX bytes under another manifest (schedule, block outputs…), pipeline code or backend
  // give other numbers: all are in the key. numbersKey is memoised per manifest object.
  const numbers = cache ? numbersKey(model.unet.manifest) : '';
  // Read when a row is written: a lost device moves the rest of the job to WASM.
  const computedOn = () => backendKey(model.info.backend, model.info.adapter);
  const backends = new Set<string>();
  const keyOf = (row: number, backend = computedOn()): CacheKey => ({
    model: model.info.hash,
    numbers,
    pipeline: PIPELINE_VERSION,
    backend,
    t: params.t,
    seed: params.seed,
    pooling: pool!,
    // Fed its own label, an image's features depend on the label too.
    image: feedsLabels && params.labels ? `${hashes[row]}:y${params.labels[row]}` : hashes[row],
  });
  const hits = cache ? await cache.getMany(hashes.map((_, row) => keyOf(row))) : [];
  const readFrom = computedOn();
  // A job whose features would take more than a quarter of the cache (a grid of every block of a
  // sweep: ~0.5 GB for 3,000 images of the default model) reads it but does not write: it would
  // only push out what other work cached, for features too big to be kept anyway.
  const writes =
    cache !== null &&
    count * featureBytes(model.unet.manifest, params.blocks, params.pooling) <= cache.maxBytes / 4;

  let done = 0;
  const dims: Record<string, number> = {};
  const hitRows = hits.flatMap((h, row) => (h && params.blocks.every((b) => b in h.features) ? [row] : []));
  for (let i = 0; i < hitRows.length; i += 256) {
    const rows = hitRows.slice(i, i + 256);
    const stacked = stack(
      rows.map((r) => hits[r]!),
      params.blocks,
    );
    Object.assign(dims, stacked.dims);
    send({ rows, ...stacked, backend: readFrom });
    backends.add(readFrom);
    done += rows.length;
  }
  const off = status?.reason ? ` (feature cache off: ${status.reason})` : '';
  ctx.progress(done, count, hitRows.length ? `${hitRows.length} from cache` : `t=${params.t}${off}`);

  const finished = new Set(hitRows);
  let subgraph = false;
  let engines = 1;
  // Runs the model on every row not finished yet. If WebGPU fails mid-way (device lost, out of
  // memory), the model moves to WASM and the loop continues with the rows still missing.
  for (let attempt = 0; finished.size < count; attempt++) {
    if (attempt > 1)
      throw new DiffProbeError('internal', `extraction stopped with ${count - finished.size} images missing`);
    const missRows = Array.from({ length: count }, (_, r) => r).filter((r) => !finished.has(r));
    const x0 = new Float32Array(missRows.length * pixels);
    for (const [i, r] of missRows.entries()) x0.set(data.subarray(r * pixels, (r + 1) * pixels), i * pixels);
    const computeBlocks = params.blocks;
    // Sized on the backend this attempt runs on (a device loss moves the second one to WASM).
    const batchSize = await batchSizeFor(model, computeBlocks, params.batchSize);
    const run = async () => {
      // Many images: the blocks' sub-graph, pooled in ONNX, in a session kept for the next request
      // (worker/block-sessions.ts); else the U-Net's session with the maps pooled in JavaScript.
      const runners =
        params.subgraph === false
          ? null
          : await blockRunners(
              model,
              computeBlocks,
              params.pooling,
              params.subgraph ? Number.POSITIVE_INFINITY : missRows.length,
              params.helper !== false,
            );
      if (runners) subgraph = true;
      engines = new Set(runners ?? []).size || 1;
      const on = `on ${model.info.backend.toUpperCase()}${engines > 1 ? `, ${engines} engines` : ''}`;
      return extract(
        model.unet,
        x0,
        missRows.length,
        {
          ...params,
          batchSize,
          blocks: computeBlocks,
          alphasCumprod: model.alphasCumprod,
          labels: params.labels && Int32Array.from(missRows, (r) => params.labels![r]),
        },
        async (batch) => {
          const rows = missRows.slice(batch.start, batch.start + batch.count);
          const backend = computedOn();
          backends.add(backend);
          if (cache && writes) {
            const entries = rows.map((row, i) => ({
              key: keyOf(row, backend),
              features: Object.fromEntries(
                computeBlocks.map((b) => [
                  b,
                  batch.features[b].slice(i * batch.dims[b], (i + 1) * batch.dims[b]),
                ]),
              ),
            }));
            // A full or failing cache must not fail the extraction.
            await cache.putMany(entries).catch(() => {});
          }
          for (const b of params.blocks) dims[b] = batch.dims[b];
          send({
            rows,
            features: pick(batch.features, params.blocks),
            dims: pick(batch.dims as never, params.blocks) as never,
            backend,
          });
          for (const r of rows) finished.add(r);
          done += rows.length;
          ctx.progress(done, count, `t=${params.t} ${on}`);
        },
        () => ctx.checkpoint(),
        runners ?? undefined,
      );
    };
    if (attempt === 0) await withRecovery(model, run, false);
    else await run();
  }
  return { count, dims, cached: hitRows.length, subgraph, engines, backends: [...backends] };
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
