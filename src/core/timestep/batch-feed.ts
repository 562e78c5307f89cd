/**
 * @file One batch's timestep feed: the values the graph's timestep input gets (in the shape its
 * manifest gives: [], [N], [N, 1] or [N, 1, 1, 1]) and, for `sigma`, the per-image scales of the
 * image and of the prediction output. The engine turns it into tensors (engine/unet-session.ts).
 */
import { DiffProbeError } from '../errors';
import type { ManifestTimestep } from '../manifest/types';
import { EDM_SIGMA_DATA, scalesTensors, type TimestepConvention, timestepFeed } from './convention';

export interface BatchTimestepFeed {
  /** The timestep tensor's values (one, for a scalar input) and dims. */
  readonly values: readonly number[];
  readonly dims: readonly number[];
  /** Per image: x fed = inputScale·x_t; prediction = outputSkip·x_t + outputScale·output. Null: identity. */
  readonly scales: {
    readonly input: Float64Array;
    readonly outputSkip: Float64Array;
    readonly outputScale: Float64Array;
  } | null;
}

/** The dims of a timestep input of `rank` for a batch of `count` (rank 0: a scalar). */
export function timestepDims(rank: number, count: number): number[] {
  if (rank === 0) return [];
  return [count, ...Array.from({ length: rank - 1 }, () => 1)];
}

/**
 * The feed for `count` images at integer steps `t` (one per image) under the manifest's timestep
 * input, or under `convention` when given (the denoising check tries each).
 *
 * @throws DiffProbeError('internal') for a scalar timestep with several t in one batch, or a t that
 *   is not a step of the schedule.
 */
export function batchTimestepFeed(
  timestep: ManifestTimestep,
  t: ArrayLike<number>,
  count: number,
  alphasCumprod: ArrayLike<number>,
  convention: TimestepConvention = timestep.convention ?? 'index',
): BatchTimestepFeed {
  const rank = timestep.rank ?? 1;
  const steps = alphasCumprod.length;
  let ts = Array.from(t);
  if (rank === 0) {
    // A scalar timestep serves the whole batch; the pipeline always runs one t per batch.
    if (ts.some((v) => v !== ts[0]))
      throw new DiffProbeError('internal', `this model takes one scalar timestep per batch, got ${ts}`);
  } else if (ts.length !== count) {
    throw new DiffProbeError('internal', `${ts.length} timesteps for a batch of ${count}`);
  }
  const feeds = ts.map((step) => {
    if (!Number.isInteger(step) || step < 0 || step >= steps)
      throw new DiffProbeError('internal', `timestep ${step} is outside 0…${steps - 1}`);
    return timestepFeed(convention, step, steps, alphasCumprod[step], timestep.sigmaData ?? EDM_SIGMA_DATA);
  });
  const perImage = rank === 0 ? Array.from({ length: count }, () => feeds[0]) : feeds;
  if (rank === 0) ts = ts.slice(0, 1);
  const scaled = feeds.some(scalesTensors);
  return {
    values: (rank === 0 ? feeds.slice(0, 1) : feeds).map((f) => f.value),
    dims: timestepDims(rank, count),
    scales: scaled
      ? {
          input: Float64Array.from(perImage, (f) => f.inputScale),
          outputSkip: Float64Array.from(perImage, (f) => f.outputSkip),
          outputScale: Float64Array.from(perImage, (f) => f.outputScale),
        }
      : null,
  };
}

/** x_t with each image multiplied by its scale (a new array). */
export function scaleImages(xt: Float32Array, count: number, scale: Float64Array): Float32Array {
  const per = xt.length / count;
  const out = new Float32Array(xt.length);
  for (let i = 0; i < count; i++) {
    const s = scale[i];
    for (let j = i * per; j < (i + 1) * per; j++) out[j] = s * xt[j];
  }
  return out;
}

/**
 * The graph's output read as the manifest's prediction: skip·x_t + scale·output per image, in
 * place. `output` may have more channels than x_t (learned variance): only the first C of each
 * image, the prediction, are mapped.
 */
export function mapPrediction(
  output: Float32Array,
  xt: Float32Array,
  count: number,
  skip: Float64Array,
  scale: Float64Array,
): void {
  const per = xt.length / count;
  const outPer = output.length / count;
  for (let i = 0; i < count; i++) {
    const a = skip[i];
    const b = scale[i];
    for (let j = 0; j < per; j++) output[i * outPer + j] = a * xt[i * per + j] + b * output[i * outPer + j];
  }
}
