/**
 * @file The denoising check on a U-Net: a few images, noised at a few t with the same seeded,
 * content-keyed noise as extraction, run once per candidate timestep convention; the prediction's
 * error under each (core/timestep/denoising-check.ts) says which convention the network was trained
 * with, and the per-t errors are a quick sanity check of any model.
 */
import { isDiffProbeError } from '../core/errors';
import type { PredictionType } from '../core/manifest/types';
import { imageNoise } from '../core/rng';
import {
  CONVENTION_IDS,
  EDM_SIGMA_DATA,
  type TimestepConvention,
  timestepFeed,
} from '../core/timestep/convention';
import {
  type CheckVerdict,
  type ConventionErrors,
  checkTimesteps,
  checkVerdict,
  conventionsFor,
  epsErrors,
  feedGroups,
  geometricMean,
  PREDICTION_TYPES,
} from '../core/timestep/denoising-check';
import type { UNetSession } from '../engine/unet-session';
import { noisyBatch } from './extract';

export interface DenoisingCheckOptions {
  /** Integer steps to check (default: checkTimesteps(T), 5%…95% of T). */
  readonly timesteps?: readonly number[];
  readonly seed: number;
}

export interface DenoisingCheckResult {
  readonly timesteps: number[];
  readonly images: number;
  /** Best first. */
  readonly rows: ConventionErrors[];
  readonly verdict: CheckVerdict;
  /** The manifest's convention and prediction type when the check ran. */
  readonly manifestConvention: TimestepConvention;
  readonly manifestType: PredictionType;
  /** Conventions this timestep input cannot take (an integer input takes only the step). */
  readonly skipped: TimestepConvention[];
}

/**
 * Runs the check for `count` images `x0` ([count, C, H, W], the model's input); `onRun` is
 * awaited after each U-Net run (progress, and a chance to cancel).
 */
export async function denoisingCheck(
  unet: UNetSession,
  x0: Float32Array,
  count: number,
  options: DenoisingCheckOptions,
  onRun: (done: number, total: number) => void | Promise<void> = () => {},
): Promise<DenoisingCheckResult> {
  const { manifest, alphasCumprod } = unet;
  const { input, timestep } = manifest;
  const pixels = input.channels * input.height * input.width;
  const timesteps = [...(options.timesteps ?? checkTimesteps(alphasCumprod.length))];
  const possible = conventionsFor(timestep.dtype);
  const sigmaData = timestep.sigmaData ?? EDM_SIGMA_DATA;
  const groups = feedGroups(possible, timesteps, alphasCumprod, sigmaData);
  // Scalar timestep inputs take one t per run: every run here has one t.
  const total = groups.length * timesteps.length;
  const sums = groups.map(() => new Map<PredictionType, { mse: number[]; rel: number[] }>());
  let done = 0;
  for (const t of timesteps) {
    const alphaBar = alphasCumprod[t];
    const xt = noisyBatch(x0, 0, count, pixels, options.seed, alphaBar);
    // The ε that x_t was made of (noisyBatch draws it the same way).
    const eps = new Float32Array(count * pixels);
    for (let i = 0; i < count; i++)
      eps.set(imageNoise(options.seed, x0.subarray(i * pixels, (i + 1) * pixels)), i * pixels);
    for (const [g, group] of groups.entries()) {
      const convention = group[0];
      const out = await runOrNonFinite(unet, xt, count, t, convention);
      done++;
      if (!out) {
        // NaN or Inf in the output: this convention cannot be the model's.
        for (const type of convention === 'sigma' ? ['sample' as const] : PREDICTION_TYPES) {
          const entry = sums[g].get(type) ?? { mse: [], rel: [] };
          entry.mse.push(Number.POSITIVE_INFINITY);
          entry.rel.push(Number.POSITIVE_INFINITY);
          sums[g].set(type, entry);
        }
        await onRun(done, total);
        continue;
      }
      const prediction = firstChannels(out, count, pixels);
      // Under `sigma` the session has applied c_skip/c_out: the output is x̂_0 = D, and the network's
      // all-zero output F = 0 gives D = (c_skip/√ᾱ)·x_t.
      const zero =
        convention === 'sigma'
          ? xt.map((v) => v * timestepFeed('sigma', t, alphasCumprod.length, alphaBar, sigmaData).outputSkip)
          : new Float32Array(prediction.length);
      const types: readonly PredictionType[] = convention === 'sigma' ? ['sample'] : PREDICTION_TYPES;
      for (const type of types) {
        const { mse, zeroMse } = epsErrors(type, xt, prediction, zero, eps, alphaBar);
        const entry = sums[g].get(type) ?? { mse: [], rel: [] };
        entry.mse.push(mse);
        entry.rel.push(mse / zeroMse);
        sums[g].set(type, entry);
      }
      await onRun(done, total);
    }
  }
  const rows: ConventionErrors[] = groups.map((group, g) => {
    const byType = [...sums[g].entries()].map(([type, e]) => ({ type, ...e, score: geometricMean(e.rel) }));
    const best = byType.reduce((a, b) => (b.score < a.score ? b : a));
    return {
      convention: group[0],
      same: group,
      type: best.type,
      relative: best.rel,
      mse: best.mse,
      score: best.score,
    };
  });
  rows.sort((a, b) => a.score - b.score);
  return {
    timesteps,
    images: count,
    rows,
    verdict: checkVerdict(rows),
    manifestConvention: timestep.convention ?? 'index',
    manifestType: manifest.prediction.type,
    skipped: CONVENTION_IDS.filter((c) => !possible.includes(c)),
  };
}

/** The prediction under `convention`, or null when the model gives NaN or Inf there. */
async function runOrNonFinite(
  unet: UNetSession,
  xt: Float32Array,
  count: number,
  t: number,
  convention: TimestepConvention,
): Promise<Float32Array | null> {
  try {
    const out = await unet.run(xt, count, new Float32Array(count).fill(t), ['eps'], { convention });
    return out.eps.data;
  } catch (error) {
    if (isDiffProbeError(error, 'model-nonfinite')) return null;
    throw error;
  }
}

/** The first C channels of each image (a learned-variance output has 2·C). */
function firstChannels(data: Float32Array, count: number, pixels: number): Float32Array {
  if (data.length === count * pixels) return data;
  const per = data.length / count;
  const out = new Float32Array(count * pixels);
  for (let i = 0; i < count; i++) out.set(data.subarray(i * per, i * per + pixels), i * pixels);
  return out;
}
