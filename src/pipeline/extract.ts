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

export interface ExtractOptions {
  t: number;
  seed: number;
  blocks: string[];
  pooling: Pooling;
  batchSize: number;
  /** ᾱ for every timestep (from the manifest's schedule). */
  alphasCumprod: Float64Array;
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
export type BatchRunner = (xt: Float32Array, count: number, t: Float32Array) => Promise<PooledBatch>;

/**
 * The whole U-Net with the requested blocks' maps fetched and pooled in JavaScript
 * (core/pooling.ts). The worker's extraction runs a BlockSession instead when it pays (the
 * sub-graph the blocks need, pooled in ONNX: engine/block-session.ts).
 */
export function poolInJs(unet: UNetSession, blocks: readonly string[], pooling: Pooling): BatchRunner {
  return async (xt, count, t) => {
    const maps = await unet.run(xt, count, t, [...blocks]);
    const features: Record<string, Float32Array> = {};
    const dims: Record<string, number> = {};
    for (const block of blocks) {
      const { data, dims: shape } = maps[block];
      const pooled = poolFeatures(data, shape, pooling);
      features[block] = pooled.data;
      dims[block] = pooled.dim;
    }
    return { features, dims };
  };
}

/**
 * Extracts pooled features for `count` images, one batch at a time. `onBatch` receives every batch
 * as soon as it is ready (so a cancelled run keeps what it computed); `checkpoint` is awaited
 * between batches and may throw to cancel. `runner` runs and pools one batch (default:
 * {@link poolInJs} on `unet`).
 *
 * The next batch's x_t is drawn while ONNX Runtime runs the current one: where the run is
 * asynchronous (onnxruntime-node's thread pool, a GPU) the two overlap; where it is not (WASM runs
 * on the worker's thread) nothing changes but the order.
 */
export async function extractFeatures(
  unet: UNetSession,
  x0: Float32Array,
  count: number,
  options: ExtractOptions,
  onBatch: (batch: BatchFeatures) => void | Promise<void>,
  checkpoint: () => Promise<void> = async () => {},
  runner: BatchRunner = poolInJs(unet, options.blocks, options.pooling),
): Promise<Record<string, number>> {
  const { input } = unet.manifest;
  const pixels = input.channels * input.height * input.width;
  const alphaBar = options.alphasCumprod[options.t];
  const dims: Record<string, number> = {};
  const batchSize = Math.max(1, Math.floor(options.batchSize));
  const noisy = (start: number) =>
    noisyBatch(x0, start, Math.min(batchSize, count - start), pixels, options.seed, alphaBar);
  let xt = count > 0 ? noisy(0) : new Float32Array(0);
  for (let start = 0; start < count; start += batchSize) {
    await checkpoint();
    const n = Math.min(batchSize, count - start);
    const running = runner(xt, n, new Float32Array(n).fill(options.t));
    // Drawn while the batch runs; a failed run still rejects below.
    const next = start + batchSize < count ? noisy(start + batchSize) : null;
    const pooled = await running;
    for (const block of options.blocks) dims[block] = pooled.dims[block];
    await onBatch({ start, count: n, features: pooled.features, dims: { ...dims } });
    if (next) xt = next;
  }
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
) {
  const alphaBar = alphasCumprod[t];
  const xt = noiseImage(x0, imageNoise(seed, x0), alphaBar);
  const maps = await unet.run(xt, 1, [t], ['eps', ...blocks.filter((b) => b !== 'eps')]);
  // 'eps' is UNetSession's key for the prediction output, whatever the model predicts.
  const { x0: x0Pred } = interpretPrediction(unet.manifest.prediction.type, xt, maps.eps.data, alphaBar);
  return { xt, x0Pred, maps };
}
