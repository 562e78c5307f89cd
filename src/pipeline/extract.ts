/**
 * @file Feature extraction, the paper's recipe, written once for the worker, the CLI and the tests:
 * for each batch of clean images x_0, draw per-image noise ε (seeded, content-keyed), form
 * x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε, run the U-Net once, and pool the requested blocks' maps.
 */

import { interpretPrediction, noiseImage } from '../core/noise';
import { type Pooling, poolFeatures } from '../core/pooling';
import { imageNoise } from '../core/rng';
import type { PooledBatch } from '../engine/block-session';
import type { UNetSession } from '../engine/unet-session';
import { featureColumn } from './cache-key';

export interface ExtractOptions {
  t: number;
  seed: number;
  blocks: string[];
  pooling: Pooling;
  batchSize: number;
  /** ᾱ for every timestep (from the manifest's schedule). */
  alphasCumprod: Float64Array;
  /** Each image's class index, for a class input fed each image's own label (row i ↔ image i). */
  labels?: Int32Array;
}

export interface BatchFeatures {
  start: number;
  count: number;
  /** One [count, dim] row-major matrix per block. */
  features: Record<string, Float32Array>;
  dims: Record<string, number>;
}

/** Builds x_t for `count` images of `pixels` values each, starting at image `start`. */
export function noisyBatch(
  x0: Float32Array,
  start: number,
  count: number,
  pixels: number,
  seed: number,
  alphaBar: number,
): Float32Array {
  const xt = new Float32Array(count * pixels);
  for (let i = 0; i < count; i++) {
    const clean = x0.subarray((start + i) * pixels, (start + i + 1) * pixels);
    xt.set(noiseImage(clean, imageNoise(seed, clean), alphaBar), i * pixels);
  }
  return xt;
}

/** Runs one batch of x_t through a U-Net and pools the requested blocks. */
export type BatchRunner = (
  xt: Float32Array,
  count: number,
  t: Float32Array,
  labels?: Int32Array,
) => Promise<PooledBatch>;

/**
 * The whole U-Net with the requested blocks' maps fetched and pooled in JavaScript
 * (core/pooling.ts). The worker's extraction runs a BlockSession instead when it pays (the
 * sub-graph the blocks need, pooled in ONNX: engine/block-session.ts).
 */
export function poolInJs(unet: UNetSession, blocks: readonly string[], pooling: Pooling): BatchRunner {
  return byBlock(poolColumnsInJs(unet, blocks, [pooling]), pooling, blocks);
}

/**
 * {@link poolInJs} for several poolings of each block from one run, keyed featureColumn(pooling,
 * block): the fallback of the cached extraction (cached-extract.ts) when the sub-graph does not pay.
 */
export function poolColumnsInJs(
  unet: UNetSession,
  blocks: readonly string[],
  poolings: readonly Pooling[],
): BatchRunner {
  return async (xt, count, t, labels) => {
    const maps = await unet.run(xt, count, t, [...blocks], { labels });
    const features: Record<string, Float32Array> = {};
    const dims: Record<string, number> = {};
    for (const block of blocks)
      for (const pooling of poolings) {
        const pooled = poolFeatures(maps[block].data, maps[block].dims, pooling);
        const column = featureColumn(pooling, block);
        features[column] = pooled.data;
        dims[column] = pooled.dim;
      }
    return { features, dims };
  };
}

/**
 * A runner whose features are named featureColumn(pooling, block) (a sub-graph's:
 * block-sessions.ts) as one named by block, for callers of one pooling (the Gram matrices' raw maps).
 */
export function byBlock(runner: BatchRunner, pooling: Pooling, blocks: readonly string[]): BatchRunner {
  return async (xt, count, t, labels) => {
    const pooled = await runner(xt, count, t, labels);
    const features: Record<string, Float32Array> = {};
    const dims: Record<string, number> = {};
    for (const block of blocks) {
      const column = featureColumn(pooling, block);
      features[block] = pooled.features[column];
      dims[block] = pooled.dims[column];
    }
    return { features, dims };
  };
}

/**
 * Extracts pooled features for `count` images, one batch at a time. `onBatch` receives every batch,
 * in order, as soon as it and the ones before it are ready (so a cancelled run keeps what it
 * computed); `checkpoint` is awaited before each batch and may throw to cancel. `runners` run and
 * pool one batch each (default: {@link poolInJs} on `unet`).
 *
 * With several runners (the worker's second WASM engine: worker/engine-helper/) each takes the
 * next batch when it is free, so a slower one simply takes fewer. The first is the primary: its
 * failure fails the extraction; another's failure puts its batches back for the others (a batch
 * that fails everywhere, e.g. NaN from the model, fails on the primary with its own error). A
 * runner listed twice has two batches in flight (but near the end of the job): one on another
 * worker then always has the next batch queued while this thread is busy.
 *
 * A single runner draws its next batch's x_t while ONNX Runtime runs the current one: where the
 * run is asynchronous (onnxruntime-node's thread pool, a GPU) the two overlap; where it is not
 * (WASM on the worker's thread) nothing changes but the order.
 */
export async function extractFeatures(
  unet: UNetSession,
  x0: Float32Array,
  count: number,
  options: ExtractOptions,
  onBatch: (batch: BatchFeatures) => void | Promise<void>,
  checkpoint: () => Promise<void> = async () => {},
  runners: BatchRunner | readonly BatchRunner[] = poolInJs(unet, options.blocks, options.pooling),
): Promise<Record<string, number>> {
  const { input } = unet.manifest;
  const pixels = input.channels * input.height * input.width;
  const alphaBar = options.alphasCumprod[options.t];
  const dims: Record<string, number> = {};
  const batchSize = Math.max(1, Math.floor(options.batchSize));
  const sizeOf = (start: number) => Math.min(batchSize, count - start);
  const noisy = (start: number) => noisyBatch(x0, start, sizeOf(start), pixels, options.seed, alphaBar);

  /** Batch starts not yet taken by a runner, in order; a failed helper's batches go back in front. */
  const queue: number[] = [];
  for (let start = 0; start < count; start += batchSize) queue.push(start);
  const ready = new Map<number, PooledBatch>();
  let nextToEmit = 0;
  let stopped = false;
  let emitting: Promise<void> = Promise.resolve();
  /** Hands the finished batches to onBatch in order, one call at a time. */
  const emit = () => {
    emitting = emitting.then(async () => {
      for (let pooled = ready.get(nextToEmit); pooled && !stopped; pooled = ready.get(nextToEmit)) {
        const start = nextToEmit;
        ready.delete(start);
        nextToEmit += batchSize;
        for (const block of options.blocks) dims[block] = pooled.dims[block];
        await onBatch({ start, count: sizeOf(start), features: pooled.features, dims: { ...dims } });
      }
    });
    return emitting;
  };

  const lanes = Array.isArray(runners) ? runners : [runners as BatchRunner];
  /** Lanes that are not a runner's second listing. */
  const firsts = lanes.filter((r, i) => lanes.indexOf(r) === i).length;
  /**
   * One lane: takes the next batch, runs it, emits it, until the queue is empty. A single lane takes
   * its next batch ahead, to draw its x_t while the run is in flight. Several lanes take a batch only
   * when they can run it (a batch taken ahead would wait behind another), and a runner's second
   * listing (`spare`) stops taking batches near the end, when queueing one more behind that runner
   * would finish later than leaving it to the others.
   */
  const lane = async (runner: BatchRunner, primary: boolean, spare: boolean) => {
    const take = () => (spare && queue.length <= firsts ? undefined : queue.shift());
    let start = take();
    let xt = start === undefined ? null : noisy(start);
    while (start !== undefined && xt && !stopped) {
      await checkpoint();
      const n = sizeOf(start);
      const running = runner(
        xt,
        n,
        new Float32Array(n).fill(options.t),
        options.labels?.subarray(start, start + n),
      );
      // Drawn while the batch runs; a failed run still rejects below.
      const ahead = lanes.length === 1 ? take() : undefined;
      const aheadXt = ahead === undefined ? null : noisy(ahead);
      let pooled: PooledBatch;
      try {
        pooled = await running;
      } catch (error) {
        if (primary || stopped) throw error;
        // A helper failed (its worker died, ran out of memory…): the others take its batches.
        queue.unshift(start);
        queue.sort((a, b) => a - b);
        console.warn('an extraction helper failed; the batches continue without it', error);
        return;
      }
      if (stopped) return;
      ready.set(start, pooled);
      await emit();
      start = lanes.length === 1 ? ahead : take();
      xt = lanes.length === 1 ? aheadXt : start === undefined ? null : noisy(start);
    }
  };

  // Rejects at the first failure (a cancel included) without waiting for a helper's batch in flight;
  // `stopped` keeps that batch from being emitted when it lands.
  // The others start first: a WASM run on this thread blocks it for a whole batch, and a runner on
  // another worker should have its first batch before that.
  const order = lanes.map((_, i) => i).reverse();
  const running = order.map((i) =>
    lane(lanes[i], i === 0, lanes.indexOf(lanes[i]) !== i).catch((error) => {
      stopped = true;
      throw error;
    }),
  );
  await Promise.all(running);
  // A helper that failed after the primary had found the queue empty left its batches there.
  if (queue.length) await lane(lanes[0], true, false);
  await emitting;
  return dims;
}

/**
 * One image at one t: x_t, the predicted x̂_0 and raw block maps, for the feature-map explorer.
 * x̂_0 is recovered from the model's output per the manifest's `prediction.type`.
 */
export async function forwardOne(
  unet: UNetSession,
  x0: Float32Array,
  t: number,
  seed: number,
  blocks: string[],
  alphasCumprod: Float64Array,
  label?: number,
) {
  const alphaBar = alphasCumprod[t];
  const xt = noiseImage(x0, imageNoise(seed, x0), alphaBar);
  const maps = await unet.run(xt, 1, [t], ['eps', ...blocks.filter((b) => b !== 'eps')], {
    labels: label === undefined ? undefined : [label],
  });
  // 'eps' is UNetSession's key for the prediction output, whatever the model predicts.
  const { x0: x0Pred } = interpretPrediction(unet.manifest.prediction.type, xt, maps.eps.data, alphaBar);
  return { xt, x0Pred, maps };
}
