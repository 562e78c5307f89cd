/**
 * @file The CLI's extraction: pooled features of chosen image rows at one or more t and poolings,
 * through the feature cache, with pipeline/extract.ts doing the work (noise, batching, the U-Net)
 * exactly as in the worker. Rows go in chunks (x_0 of a chunk is made once and serves every t),
 * and each chunk's matrices are handed on in row order, so outputs stream to disk and memory
 * stays bounded at any data-set size.
 */
import { numbersKey } from '../core/manifest/numbers-key';
import { type Pooling, poolFeatures } from '../core/pooling';
import type { UNetSession } from '../engine/unet-session';
import { extractionBatchSize, extractionBudgetBytes } from '../pipeline/batch-size';
import { imageHashes, poolingKey } from '../pipeline/cache-key';
import { type BatchRunner, extractFeatures } from '../pipeline/extract';
import { PIPELINE_VERSION } from '../pipeline/version';
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

const SEP = '\u0000';

/**
 * A batch runner that runs the U-Net once and pools every block with every pooling: its keys are
 * `pooling\0block`. (The worker's runner, poolInJs, does one pooling; the CLI's `features` grid
 * asks for several in one pass.)
 */
export function poolManyInJs(
  unet: UNetSession,
  blocks: readonly string[],
  poolings: Record<string, Pooling>,
): BatchRunner {
  return async (xt, count, t) => {
    const maps = await unet.run(xt, count, t, [...blocks]);
    const features: Record<string, Float32Array> = {};
    const dims: Record<string, number> = {};
    for (const block of blocks)
      for (const [name, pooling] of Object.entries(poolings)) {
        const pooled = poolFeatures(maps[block].data, maps[block].dims, pooling);
        features[`${name}${SEP}${block}`] = pooled.data;
        dims[`${name}${SEP}${block}`] = pooled.dim;
      }
    return { features, dims };
  };
}

/** Extracts `req`, calling `onChunk` in order (chunk by chunk, and t by t within a chunk). */
export async function extractRows(
  req: ExtractRequest,
  onChunk: (chunk: ExtractChunk) => Promise<void>,
): Promise<{ computed: number; cached: number }> {
  const { model, images, rows, blocks } = req;
  const manifest = model.unet.manifest;
  const pixels = manifest.input.channels * manifest.input.height * manifest.input.width;
  const batch = extractionBatchSize(manifest, blocks, req.batch, extractionBudgetBytes('wasm'));
  const numbers = numbersKey(manifest);
  const caches = new Map<string, NodeFeatureCache>();
  const cacheFor = (t: number, pool: string) => {
    if (!req.cacheDir) return null;
    const key = `${t}/${pool}`;
    let c = caches.get(key);
    if (!c) {
      c = new NodeFeatureCache(req.cacheDir, {
        model: model.sha256,
        numbers,
        pipeline: PIPELINE_VERSION,
        t,
        seed: req.seed,
        pooling: poolingKey(POOLING_BY_NAME[pool])!,
        device: model.device,
      });
      caches.set(key, c);
    }
    return c;
  };
  const total = rows.length * req.timesteps.length;
  let done = 0;
  let computed = 0;
  let cached = 0;
  for (let offset = 0; offset < rows.length; offset += CHUNK) {
    const chunkRows = rows.slice(offset, offset + CHUNK);
    const n = chunkRows.length;
    const x0 = await images.modelInput(chunkRows, manifest);
    await req.onModelInput?.(x0, n);
    const hashes = req.cacheDir ? await imageHashes(x0, n, pixels) : [];
    for (const t of req.timesteps) {
      const features: ExtractChunk['features'] = {};
      const dims: ExtractChunk['dims'] = {};
      for (const p of req.poolings) {
        features[p] = {};
        dims[p] = {};
      }
      // Rows whose every pooling has every block cached are served; the rest run once for all.
      const hits = await Promise.all(
        req.poolings.map((p) => cacheFor(t, p)?.getMany(hashes, blocks) ?? null),
      );
      const missing: number[] = [];
      for (let i = 0; i < n; i++) if (!hits.every((h) => h?.[i])) missing.push(i);
      const missSet = new Set(missing);
      const setRow = (p: string, b: string, i: number, v: Float32Array) => {
        dims[p][b] ??= v.length;
        features[p][b] ??= new Float32Array(n * v.length);
        features[p][b].set(v, i * v.length);
      };
      for (const [pi, p] of req.poolings.entries())
        for (let i = 0; i < n; i++)
          if (!missSet.has(i)) for (const b of blocks) setRow(p, b, i, hits[pi]![i]![b]);
      cached += n - missing.length;
      done += n - missing.length;
      req.progress?.update(done, `t=${t}${cached ? `, ${cached} from cache` : ''}`);
      if (missing.length) {
        const xm = new Float32Array(missing.length * pixels);
        for (const [j, i] of missing.entries()) xm.set(x0.subarray(i * pixels, (i + 1) * pixels), j * pixels);
        const poolings = Object.fromEntries(req.poolings.map((p) => [p, POOLING_BY_NAME[p]]));
        const keys = req.poolings.flatMap((p) => blocks.map((b) => `${p}${SEP}${b}`));
        await extractFeatures(
          model.unet,
          xm,
          missing.length,
          // The runner pools; `pooling` here only names the default runner's, which is not used.
          {
            t,
            seed: req.seed,
            blocks: keys,
            pooling: POOLING_BY_NAME[req.poolings[0]],
            batchSize: batch,
            alphasCumprod: model.alphasCumprod,
          },
          async (b) => {
            const entries = new Map<string, { image: string; features: Record<string, Float32Array> }[]>();
            for (let j = 0; j < b.count; j++) {
              const i = missing[b.start + j];
              for (const key of keys) {
                const [p, block] = key.split(SEP);
                const dim = b.dims[key];
                const v = b.features[key].subarray(j * dim, (j + 1) * dim);
                setRow(p, block, i, v);
                if (req.cacheDir) {
                  const list = entries.get(p) ?? [];
                  if (!entries.has(p)) entries.set(p, list);
                  if (list[j]?.image !== hashes[i]) list[j] = { image: hashes[i], features: {} };
                  list[j].features[block] = v.slice();
                }
              }
            }
            await Promise.all([...entries].map(([p, list]) => cacheFor(t, p)!.putMany(list)));
            computed += b.count;
            done += b.count;
            req.progress?.update(done, `t=${t}${cached ? `, ${cached} from cache` : ''}`);
          },
          async () => {},
          poolManyInJs(model.unet, blocks, poolings),
        );
      }
      await onChunk({ t, offset, count: n, features, dims });
    }
  }
  req.progress?.update(total);
  return { computed, cached };
}
