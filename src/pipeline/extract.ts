/**
 * @file Feature extraction, the paper's recipe, written once for the worker, the CLI and the tests:
 * for each batch of clean images x_0, draw per-image noise ε (seeded, content-keyed), form
 * x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε, run the U-Net once, and pool the requested blocks' maps.
 */

import { interpretPrediction, noiseImage } from '../core/noise';
import { type Pooling, poolFeatures } from '../core/pooling';
import { imageNoise } from '../core/rng';
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

/**
 * Extracts pooled features for `count` images, one batch at a time. `onBatch` receives every batch
 * as soon as it is ready (so a cancelled run keeps what it computed); `checkpoint` is awaited
 * between batches and may throw to cancel.
 */
export async function extractFeatures(
  unet: UNetSession,
  x0: Float32Array,
  count: number,
  options: ExtractOptions,
  onBatch: (batch: BatchFeatures) => void | Promise<void>,
  checkpoint: () => Promise<void> = async () => {},
): Promise<Record<string, number>> {
  const { input } = unet.manifest;
  const pixels = input.channels * input.height * input.width;
  const alphaBar = options.alphasCumprod[options.t];
  const dims: Record<string, number> = {};
  const batchSize = Math.max(1, Math.floor(options.batchSize));
  for (let start = 0; start < count; start += batchSize) {
    await checkpoint();
    const n = Math.min(batchSize, count - start);
    const xt = noisyBatch(x0, start, n, pixels, options.seed, alphaBar);
    const maps = await unet.run(xt, n, new Float32Array(n).fill(options.t), options.blocks);
    const features: Record<string, Float32Array> = {};
    for (const block of options.blocks) {
      const { data, dims: shape } = maps[block];
      const pooled = poolFeatures(data, shape, options.pooling);
      features[block] = pooled.data;
      dims[block] = pooled.dim;
    }
    await onBatch({ start, count: n, features, dims: { ...dims } });
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
