/**
 * @file The CLI's PipelineRuntime (pipeline/runtime.ts): the jobs the probe and sweep
 * orchestration sends, run in this process instead of the browser's worker.
 * - extractFeatures: the worker's extraction engine (pipeline/cached-extract.ts through
 *   extract-run.ts) on onnxruntime-node with the feature cache directory, streamed as the worker
 *   streams its chunks;
 * - trainHead / applyHead: the worker's own handlers (worker/handlers/head.ts) on tfjs's WASM
 *   backend in Node (engine/tf-node.ts): the same code, the same numbers as the browser's;
 * - trainProbe / applyProbe: the worker's own handlers (worker/handlers/probe.ts), so the split,
 *   the standardisation, L-BFGS and the metrics are the app's, number for number. Probes of
 *   n·d·k ≥ ORT_OBJECTIVE_MIN_WORK put the objective's matrix products on onnxruntime-node, as
 *   the worker puts them on onnxruntime-web.
 */
import { DiffProbeError } from '../core/errors';
import { modelIdentity } from '../core/manifest/numbers-key';
import type { Pooling } from '../core/pooling';
import { ortGram } from '../engine/gram';
import { nodeRuntime } from '../engine/onnx-node';
import { createOrtDataTerm } from '../engine/probe-objective';
import { nodeTf } from '../engine/tf-node';
import { extractionBatchSize, extractionBudgetBytes } from '../pipeline/batch-size';
import { nodeBackendKey, poolingKey } from '../pipeline/cache-key';
import { byBlock, extractFeatures, poolInJs } from '../pipeline/extract';
import { gramsOfMaps, mapDims } from '../pipeline/grams';
import type { PipelineJob, PipelineRuntime } from '../pipeline/runtime';
import { cka } from '../worker/handlers/cka';
import { applyHead, trainHead } from '../worker/handlers/head';
import { applyProbe, trainProbe } from '../worker/handlers/probe';
import type { ExtractParams } from '../worker/jobs';
import type { JobParams, JobResult } from '../worker/protocol';
import { cliBlockRunners, extractRows } from './extract-run';
import type { ImageSet } from './images';
import type { ModelFile, NodeModel } from './load';
import type { Progress } from './progress';

/** ModelInfo.id of a model loaded by the CLI (what the app's jobs carry). */
export function cliModelId(model: Pick<ModelFile, 'hash' | 'manifest'>): string {
  return modelIdentity(model.hash, model.manifest);
}

/** An image set over an x_0 array (and labels) the pipeline hands over ([count, C, H, W]). */
function arraySource(data: Float32Array, count: number, labels?: Int32Array): ImageSet {
  const pixels = data.length / Math.max(1, count);
  return {
    source: { kind: 'pipeline' },
    count,
    labels: labels ?? null,
    classes: null,
    id: (row) => String(row),
    modelInput: async (rows) => {
      const out = new Float32Array(rows.length * pixels);
      for (const [i, r] of rows.entries()) out.set(data.subarray(r * pixels, (r + 1) * pixels), i * pixels);
      return out;
    },
  };
}

function poolingName(p: Pooling): string {
  const name = poolingKey(p);
  if (!name) throw new DiffProbeError('internal', 'the CLI pools every block; raw maps are not extracted');
  return name;
}

/** A worker handler's context in the CLI: progress to the terminal, partials to the caller, no Stop. */
function cliJobContext(
  progress: Progress | null,
  call: Parameters<PipelineRuntime['run']>[2],
): Parameters<typeof trainProbe>[1] {
  return {
    id: 0,
    signal: new AbortController().signal,
    progress: (done, _total, note) => progress?.update(done, note),
    partial: (step) => call.onPartial?.(step as never),
    checkpoint: async () => {},
    stopRequested: async () => false,
  };
}

export interface NodeRuntimeOptions {
  model: NodeModel;
  cacheDir: string | null;
  /** A progress display for each job, by its label and size; null for none. */
  progress?: (label: string, total: number, unit: string) => Progress | null;
}

/** Cache statistics over every extraction this runtime ran. */
export interface RuntimeStats {
  computed: number;
  cached: number;
}

export function createNodeRuntime(options: NodeRuntimeOptions): PipelineRuntime & { stats: RuntimeStats } {
  const { model } = options;
  const id = cliModelId(model);
  const stats: RuntimeStats = { computed: 0, cached: 0 };
  const gramRuntime = nodeRuntime(model.threads, 'cpu');
  const dataTerm = async (input: Parameters<typeof createOrtDataTerm>[1]) =>
    createOrtDataTerm(nodeRuntime(model.threads, 'cpu'), input);
  const runtime = {
    stats,
    async run<K extends PipelineJob>(
      job: K,
      params: JobParams<K>,
      call: Parameters<PipelineRuntime['run']>[2],
    ): Promise<JobResult<K>> {
      if (job === 'extractFeatures') {
        const p = params as ExtractParams;
        if (p.model !== undefined && p.model !== id)
          throw new DiffProbeError('model-changed', `the job is for model ${p.model}, the CLI loaded ${id}`);
        const pool = poolingName(p.pooling);
        const { count, data } = p.images;
        const progress = options.progress?.(call.label, count, 'images') ?? undefined;
        const dims: Record<string, number> = {};
        const result = await extractRows(
          {
            model,
            images: arraySource(data, count, p.labels),
            rows: Array.from({ length: count }, (_, i) => i),
            timesteps: [p.t],
            poolings: [pool],
            blocks: p.blocks,
            seed: p.seed,
            batch: p.batchSize,
            cacheDir: p.cache === false ? null : options.cacheDir,
            progress,
          },
          async (chunk) => {
            Object.assign(dims, chunk.dims[pool]);
            call.onPartial?.({
              rows: Array.from({ length: chunk.count }, (_, i) => chunk.offset + i),
              features: chunk.features[pool],
              dims: chunk.dims[pool],
              backend: nodeBackendKey(model.device),
            } as never);
          },
        );
        progress?.finish(result.cached ? `${result.cached} from the cache` : undefined);
        stats.computed += result.computed;
        stats.cached += result.cached;
        // onnxruntime-node on the CLI's --device (the worker's backendKey for the browser's backends).
        return {
          count,
          dims,
          cached: result.cached,
          backends: [nodeBackendKey(model.device)],
        } as JobResult<K>;
      }
      if (job === 'trainProbe') {
        const p = params as JobParams<'trainProbe'>;
        const progress = options.progress?.(call.label, p.maxIter, 'iterations') ?? null;
        const result = await trainProbe(p, cliJobContext(progress, call), dataTerm);
        progress?.finish(`${result.iterations} iterations (${result.stopReason})`);
        return result as JobResult<K>;
      }
      if (job === 'applyProbe') return (await applyProbe(params as JobParams<'applyProbe'>)) as JobResult<K>;
      if (job === 'extractGrams') {
        const p = params as JobParams<'extractGrams'>;
        if (p.model !== undefined && p.model !== id)
          throw new DiffProbeError('model-changed', `the job is for model ${p.model}, the CLI loaded ${id}`);
        const n = p.images.count;
        const progress = options.progress?.(call.label, 100, '%') ?? null;
        const raw = { kind: 'raw' } as const;
        const manifest = model.unet.manifest;
        const result = await gramsOfMaps({
          n,
          blocks: p.blocks,
          dims: mapDims(manifest, p.blocks),
          estimator: p.estimator,
          checkpoint: async () => {},
          progress: (done, total, note) => progress?.update(Math.floor((100 * done) / total), note),
          gram: (X, rows, dim) => ortGram(gramRuntime, X, rows, dim),
          extract: async (blocks, onBatch) => {
            // The worker's rule: the blocks' sub-graph when it pays, else the U-Net's session.
            const runners = (await cliBlockRunners(model, blocks, [raw], n))?.map((r) =>
              byBlock(r, raw, blocks),
            );
            await extractFeatures(
              model.unet,
              p.images.data,
              n,
              {
                t: p.t,
                seed: p.seed,
                blocks,
                pooling: raw,
                batchSize: extractionBatchSize(manifest, blocks, p.batchSize, extractionBudgetBytes('wasm')),
                alphasCumprod: model.alphasCumprod,
              },
              (batch) => onBatch(batch.start, batch.count, batch.features),
              async () => {},
              runners ?? poolInJs(model.unet, blocks, raw),
            );
          },
        });
        progress?.finish(`${result.passes} U-Net pass${result.passes > 1 ? 'es' : ''}`);
        return result as JobResult<K>;
      }
      if (job === 'cka') {
        const p = params as JobParams<'cka'>;
        const progress = options.progress?.(call.label, 100, '%') ?? null;
        const result = await cka(p, {
          progress: (done, total, note) => progress?.update(Math.floor((100 * done) / total), note),
          partial: (cell) => call.onPartial?.(cell as never),
          checkpoint: async () => {},
          stopRequested: async () => false,
        });
        progress?.finish(`${result.route === 'gram' ? 'through Gram matrices' : 'in feature space'}`);
        return result as JobResult<K>;
      }
      if (job === 'trainHead') {
        const p = params as JobParams<'trainHead'>;
        const batches = Math.ceil(p.train.y.length / p.head.training.batchSize);
        const progress =
          options.progress?.(call.label, batches * p.head.training.maxEpochs, 'batches') ?? null;
        const result = await trainHead(p, cliJobContext(progress, call), nodeTf);
        progress?.finish(
          `${result.iterations} epochs (${result.stopReason}), epoch ${result.bestEpoch} chosen`,
        );
        return result as JobResult<K>;
      }
      if (job === 'applyHead')
        return (await applyHead(params as JobParams<'applyHead'>, nodeTf)) as JobResult<K>;
      throw new DiffProbeError('internal', `the CLI runtime has no job ${JSON.stringify(job)}`);
    },
  };
  return runtime as PipelineRuntime & { stats: RuntimeStats };
}
