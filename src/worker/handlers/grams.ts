/**
 * @file extractGrams: the centred Gram matrices of blocks' full maps (pipeline/grams.ts), with the
 * maps extracted on the model's sub-graph sessions (unpooled) like any extraction. Not cached:
 * full maps are too large for the feature cache, and the Gram matrices depend on the set of images.
 */
import { ortGram } from '../../engine/gram';
import { webRuntime } from '../../engine/onnx-web';
import type { OrtRuntime } from '../../engine/ort-types';
import { extractionBatchSize, extractionBudgetBytes } from '../../pipeline/batch-size';
import { byBlock, extractFeatures as extract } from '../../pipeline/extract';
import { gramsOfMaps, mapDims } from '../../pipeline/grams';
import { blockRunners } from '../block-sessions';
import type { JobContext } from '../context';
import type { GramParams, GramResult } from '../jobs';
import { checkTimestep, requireModel, withRecovery } from './run-model';

/** One WASM runtime object for the Gram sessions (engine/gram.ts keeps one session per runtime). */
let wasm: Promise<OrtRuntime> | null = null;
const gramRuntime = () => {
  wasm ??= webRuntime('wasm');
  return wasm;
};

export async function extractGrams(params: GramParams, ctx: JobContext): Promise<GramResult> {
  const model = requireModel(params.model);
  checkTimestep(model, params.t);
  const { count: n, data } = params.images;
  const manifest = model.unet.manifest;
  const raw = { kind: 'raw' } as const;
  return gramsOfMaps({
    n,
    blocks: params.blocks,
    dims: mapDims(manifest, params.blocks),
    estimator: params.estimator,
    checkpoint: () => ctx.checkpoint(),
    // ORT's GEMM on WASM (also for a model on WebGPU: the maps are in the worker's memory by then).
    gram: async (X, n, dim) => ortGram(await gramRuntime(), X, n, dim),
    progress: (done, total, note) => ctx.progress(done, total, note),
    extract: async (blocks, onBatch) => {
      const run = async () => {
        const runners = (await blockRunners(model, blocks, raw, n))?.map((r) => byBlock(r, raw, blocks));
        const budget = extractionBudgetBytes(model.info.backend === 'webgpu' ? 'webgpu' : 'wasm');
        await extract(
          model.unet,
          data,
          n,
          {
            t: params.t,
            seed: params.seed,
            blocks,
            pooling: raw,
            batchSize: extractionBatchSize(manifest, blocks, params.batchSize, budget),
            alphasCumprod: model.alphasCumprod,
          },
          (batch) => onBatch(batch.start, batch.count, batch.features),
          () => ctx.checkpoint(),
          runners ?? undefined,
        );
      };
      await withRecovery(model, run);
    },
  });
}
