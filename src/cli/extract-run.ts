/**
 * @file The CLI's extraction: pooled features of chosen image rows at one or more t and poolings,
 * through the one extraction engine the worker runs (pipeline/cached-extract.ts: the feature cache
 * and its keys, the blocks' sub-graph pooled in ONNX when it pays, batches sized from their bytes,
 * the lanes), on onnxruntime-node with the cache in a directory (feature-cache.ts). Rows go in
 * chunks (x_0 of a chunk is made once and serves every t), and each chunk's matrices are handed on
 * in row order, so outputs stream to disk and memory stays bounded at any data-set size.
 */
import { DiffProbeError } from '../core/errors';
import { numbersKey } from '../core/manifest/numbers-key';
import type { Pooling } from '../core/pooling';
import { extractionBudgetBytes } from '../pipeline/batch-size';
import { BlockSessionPool } from '../pipeline/block-sessions';
import { nodeBackendKey } from '../pipeline/cache-key';
import { extractCached } from '../pipeline/cached-extract';
import type { BatchRunner } from '../pipeline/extract';
import { POOLING_BY_NAME } from './common';
import { NodeFeatureCache } from './feature-cache';
import type { ImageSet } from './images';
import type { NodeModel } from './load';
import type { Progress } from './progress';

export interface ExtractRequest {
  model: NodeModel;
  images: ImageSet;
  /** Rows of `images`, in output order. */
  rows: readonly number[];
  timesteps: readonly number[];
  /** Pooling names (POOLING_BY_NAME). */
  poolings: readonly string[];
  blocks: readonly string[];
  seed: number;
  /** Upper bound on images per U-Net run. */
  batch: number;
  /** Cache directory, or null. */
  cacheDir: string | null;
  /** Called with each chunk's model inputs x_0 ([count, C, H, W], in row order), e.g. for --save-x0. */
  onModelInput?: (x0: Float32Array, count: number) => Promise<void>;
  progress?: Progress;
}

/** One chunk of output: rows `offset`… of the request at timestep `t`, per pooling and block. */
export interface ExtractChunk {
  t: number;
  offset: number;
  count: number;
  /** features[pooling][block]: [count, dim] row-major. */
  features: Record<string, Record<string, Float32Array>>;
  dims: Record<string, Record<string, number>>;
}

/** Images per chunk: x_0 and the cache lookups are done per chunk. */
export const CHUNK = 512;

/** Each loaded model's sub-graph sessions, kept across chunks, timesteps and jobs of one process. */
const pools = new WeakMap<NodeModel['unet'], BlockSessionPool>();

/**
 * The CLI's runners on the blocks' sub-graph (the worker's rule and pool), or null for the U-Net's
 * own session. One lane: onnxruntime-node's own thread pool already runs every core (--threads),
 * where the browser's WASM engine has one thread and a helper for the rest.
 */
export async function cliBlockRunners(
  model: NodeModel,
  blocks: readonly string[],
  poolings: readonly Pooling[],
  images: number,
): Promise<BatchRunner[] | null> {
  let pool = pools.get(model.unet);
  if (!pool) {
    pool = new BlockSessionPool({
      unet: model.unet,
      // The file's bytes: the sub-graph reaches the block tensors inside the graph (no need for
      // them to be outputs); external data is read beside the file (engine/onnx-node.ts).
      sessionBytes: model.bytes,
      modelBytes: model.bytes.byteLength,
    });
    pools.set(model.unet, pool);
  }
  const found = await pool.entry(blocks, poolings, images);
  return found ? [(xt, count, t, labels) => found.session.run(xt, count, t, labels)] : null;
}

/** The labels of `rows`, for a class input fed each image's own label; an error when there are none. */
function labelsOf(images: ImageSet, rows: readonly number[]): Int32Array {
  const labels = images.labels;
  if (!labels)
    throw new DiffProbeError(
      'model-input',
      `a class input is fed each image's own label, but these images (${String(images.source.name ?? images.source.kind)}) have no labels: give --labels, or --condition <input>=<class>`,
    );
  return Int32Array.from(rows, (r) => labels[r]);
}

/** Extracts `req`, calling `onChunk` in order (chunk by chunk, and t by t within a chunk). */
export async function extractRows(
  req: ExtractRequest,
  onChunk: (chunk: ExtractChunk) => Promise<void>,
): Promise<{ computed: number; cached: number; subgraph: boolean }> {
  const { model, images, rows, blocks } = req;
  const manifest = model.unet.manifest;
  const feedsLabels = (manifest.extraInputs ?? []).some((e) => e.class?.feed === 'label');
  const poolings = req.poolings.map((p) => POOLING_BY_NAME[p]);
  const store = req.cacheDir ? new NodeFeatureCache(req.cacheDir) : null;
  const backend = nodeBackendKey(model.device);
  const total = rows.length * req.timesteps.length;
  let done = 0;
  let computed = 0;
  let cached = 0;
  let subgraph = false;
  for (let offset = 0; offset < rows.length; offset += CHUNK) {
    const chunkRows = rows.slice(offset, offset + CHUNK);
    const n = chunkRows.length;
    const x0 = await images.modelInput(chunkRows, manifest);
    await req.onModelInput?.(x0, n);
    // A class input fed each image's own label: the labels go with the images, and into the cache key.
    const labels = feedsLabels ? labelsOf(images, chunkRows) : undefined;
    for (const t of req.timesteps) {
      const features: ExtractChunk['features'] = {};
      const dims: ExtractChunk['dims'] = {};
      for (const p of req.poolings) {
        features[p] = {};
        dims[p] = {};
      }
      const before = done;
      const result = await extractCached({
        unet: model.unet,
        alphasCumprod: model.alphasCumprod,
        x0,
        count: n,
        labels,
        t,
        seed: req.seed,
        blocks,
        poolings,
        batchSize: req.batch,
        // The worker's WASM budget: the outputs land in this process's memory as they do in the worker's.
        budget: () => extractionBudgetBytes('wasm'),
        backend: () => backend,
        cache: store && { store, model: model.hash, numbers: numbersKey(manifest), writes: true },
        runners: (b, p, count) => cliBlockRunners(model, b, p, count),
        onRows: (got) => {
          for (const p of req.poolings)
            for (const b of blocks) {
              const dim = got.dims[p][b];
              dims[p][b] = dim;
              features[p][b] ??= new Float32Array(n * dim);
              const m = got.features[p][b];
              for (const [i, row] of got.rows.entries())
                features[p][b].set(m.subarray(i * dim, (i + 1) * dim), row * dim);
            }
        },
        progress: (finished, _n, { fromCache }) => {
          done = before + finished;
          req.progress?.update(
            done,
            `t=${t}${cached + fromCache ? `, ${cached + fromCache} from cache` : ''}`,
          );
        },
      });
      cached += result.cached;
      computed += result.computed;
      subgraph ||= result.subgraph;
      done = before + n;
      await onChunk({ t, offset, count: n, features, dims });
    }
  }
  req.progress?.update(total);
  return { computed, cached, subgraph };
}
