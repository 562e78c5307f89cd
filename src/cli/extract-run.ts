/**
 * @file The CLI's extraction: pooled features of chosen image rows at one or more t and poolings,
 * through the one extraction engine the worker runs (pipeline/cached-extract.ts: the feature cache
 * and its keys, the blocks' sub-graph pooled in ONNX when it pays, batches sized from their bytes,
 * the lanes), on onnxruntime-node with the cache in a directory (feature-cache.ts). Rows go in
 * chunks (x_0 of a chunk is made once and serves every t), and each chunk's matrices are handed on
 * in row order, so outputs stream to disk and memory stays bounded at any data-set size.
 */
import { dirname } from 'node:path';
import { DiffProbeError } from '../core/errors';
import { numbersKey } from '../core/manifest/numbers-key';
import type { Pooling } from '../core/pooling';
import { BlockSession } from '../engine/block-session';
import { nodeRuntime } from '../engine/onnx-node';
import { extractionBudgetBytes } from '../pipeline/batch-size';
import { BlockSessionPool, LARGE_MODEL_BYTES, type SubgraphEntry } from '../pipeline/block-sessions';
import { featureColumn, nodeBackendKey } from '../pipeline/cache-key';
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

/** A loaded model's sub-graph sessions, kept across chunks, timesteps and jobs of one process. */
interface Lanes {
  pool: BlockSessionPool;
  /** Each entry's sessions beyond the pool's own. */
  extra: WeakMap<SubgraphEntry, Promise<BlockSession[]>>;
}
const lanesOf = new WeakMap<NodeModel['unet'], Lanes>();

/**
 * Sessions of one thread each, one per --threads, taking the next batch when free: on the default
 * model at 2 threads they ran 1.85× as fast as one session of 2 threads (tools/bench/cli-lanes.ts,
 * 2026-12-06, a busy machine). CPU only, and each session holds the weights: big models
 * (over LARGE_MODEL_BYTES) keep one, and all lanes together hold at most LANE_WEIGHT_BYTES.
 */
function laneCount(model: NodeModel): number {
  const bytes = model.bytes.byteLength;
  if (model.device !== 'cpu' || bytes > LARGE_MODEL_BYTES) return 1;
  return Math.max(1, Math.min(model.threads, Math.floor(LANE_WEIGHT_BYTES / bytes)));
}

/** The most bytes of weights the CLI's extraction lanes hold together. */
const LANE_WEIGHT_BYTES = 2 ** 30;

function lanesFor(model: NodeModel): Lanes {
  let found = lanesOf.get(model.unet);
  if (found) return found;
  const count = laneCount(model);
  const one = count > 1 ? nodeRuntime(1, 'cpu', { modelDir: dirname(model.modelPath) }) : undefined;
  const extra = new WeakMap<SubgraphEntry, Promise<BlockSession[]>>();
  const pool = new BlockSessionPool(
    {
      unet: model.unet,
      // The file's bytes: the sub-graph reaches the block tensors inside the graph (no need for
      // them to be outputs); external data is read beside the file (engine/onnx-node.ts).
      sessionBytes: model.bytes,
      modelBytes: model.bytes.byteLength,
      runtime: one,
    },
    {
      opened: (entry) => {
        if (!one) return;
        const columns = entry.poolings.flatMap((p) => entry.blocks.map((b) => featureColumn(p, b)));
        const open = async () => {
          try {
            return await BlockSession.open(model.unet, await entry.plan, columns, entry.poolings[0], {}, one);
          } catch {
            // The main session reports a plan that fails; a lane that fails only leaves fewer lanes.
            return null;
          }
        };
        extra.set(
          entry,
          Promise.all(Array.from({ length: count - 1 }, open)).then((s) =>
            s.filter((x): x is BlockSession => x !== null),
          ),
        );
      },
      releasing: async (entry) => {
        for (const s of (await extra.get(entry)) ?? []) await s.release();
      },
    },
  );
  found = { pool, extra };
  lanesOf.set(model.unet, found);
  return found;
}

/**
 * The CLI's runners on the blocks' sub-graph (the worker's rule and pool), or null for the U-Net's
 * own session: one lane per thread (see laneCount).
 */
export async function cliBlockRunners(
  model: NodeModel,
  blocks: readonly string[],
  poolings: readonly Pooling[],
  images: number,
): Promise<BatchRunner[] | null> {
  const { pool, extra } = lanesFor(model);
  const found = await pool.entry(blocks, poolings, images);
  if (!found) return null;
  const sessions = [found.session, ...((await extra.get(found.entry)) ?? [])];
  return sessions.map(
    (s): BatchRunner =>
      (xt, count, t, labels) =>
        s.run(xt, count, t, labels),
  );
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
