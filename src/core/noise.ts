/**
 * @file The DDPM forward process and x̂_0 / ε̂ recovery on flat float32 images (the sampling
 * steps are in core/sampler/), for the three things a U-Net may predict (`PredictionType`,
 * diffusers' names):
 *
 *   epsilon       the noise ε:             x̂_0 = (x_t − √(1−ᾱ)·ε̂)/√ᾱ
 *   sample        the clean image x_0:     ε̂ = (x_t − √ᾱ·x̂_0)/√(1−ᾱ)
 *   v_prediction  v = √ᾱ·ε − √(1−ᾱ)·x_0:  x̂_0 = √ᾱ·x_t − √(1−ᾱ)·v̂,  ε̂ = √(1−ᾱ)·x_t + √ᾱ·v̂
 *
 * Arithmetic is float64 per element and rounded once to float32 on store, so results match a
 * float64 reference to float32 precision regardless of how the caller batches images.
 */

import { DiffProbeError, quote } from './errors';
import type { PredictionType } from './manifest/types';

const PREDICTION_TYPES: readonly PredictionType[] = ['epsilon', 'sample', 'v_prediction'];

function checkPredictionType(type: PredictionType): void {
  if (!PREDICTION_TYPES.includes(type))
    throw new DiffProbeError(
      'internal',
      `unknown prediction type ${quote(type)}; expected one of ${PREDICTION_TYPES.map((p) => quote(p)).join(', ')}`,
    );
}

/** x̂_0 from one element of x_t and the model output `o`; sa = √ᾱ, sb = √(1−ᾱ). float64. */
export function x0Of(type: PredictionType, xt: number, o: number, sa: number, sb: number): number {
  switch (type) {
    case 'epsilon':
      return (xt - sb * o) / sa;
    case 'sample':
      return o;
    case 'v_prediction':
      return sa * xt - sb * o;
  }
}

/**
 * ε̂ likewise. For `sample` at ᾱ = 1 (x_t = x_0, no noise in it) ε̂ is undefined; it is taken as 0,
 * which is harmless: DDIM from ᾱ = 1 has ᾱ_prev = 1 too and weights ε̂ by √(1−ᾱ_prev−σ²) = 0.
 */
export function epsOf(type: PredictionType, xt: number, o: number, sa: number, sb: number): number {
  switch (type) {
    case 'epsilon':
      return o;
    case 'sample':
      return sb > 0 ? (xt - sa * o) / sb : 0;
    case 'v_prediction':
      return sb * xt + sa * o;
  }
}

function checkSameLength(a: Float32Array, b: Float32Array, what: string): void {
  if (a.length !== b.length) {
    throw new DiffProbeError(
      'internal',
      `${what}: lengths differ (${quote(a.length)} vs ${quote(b.length)})`,
    );
  }
}

function checkAlphaBar(alphaBar: number, name = 'alphaBar'): void {
  if (!(alphaBar > 0 && alphaBar <= 1)) {
    throw new DiffProbeError('internal', `invalid ${name} ${quote(alphaBar)}; expected a number in (0, 1]`);
  }
}

/**
 * Forward diffusion q(x_t | x_0): x_t = √ᾱ·x_0 + √(1−ᾱ)·ε.
 *
 * @param x0 clean image(s), any shape, flat.
 * @param eps noise of the same length (e.g. from `imageNoise`).
 * @param alphaBar ᾱ_t in (0, 1].
 * @example noiseImage(x0, imageNoise(seed, x0), schedule.alphasCumprod[t])
 */
export function noiseImage(x0: Float32Array, eps: Float32Array, alphaBar: number): Float32Array {
  checkSameLength(x0, eps, 'noiseImage');
  checkAlphaBar(alphaBar);
  const a = Math.sqrt(alphaBar);
  const b = Math.sqrt(1 - alphaBar);
  const out = new Float32Array(x0.length);
  for (let i = 0; i < x0.length; i++) out[i] = a * x0[i] + b * eps[i];
  return out;
}

/**
 * Estimate of the clean image from an ε-prediction: x̂_0 = (x_t − √(1−ᾱ)·ε̂) / √ᾱ.
 * Not clipped: at large t the estimate can leave the data range, and showing that is the point.
 */
export function predictX0(xt: Float32Array, epsHat: Float32Array, alphaBar: number): Float32Array {
  checkSameLength(xt, epsHat, 'predictX0');
  checkAlphaBar(alphaBar);
  const a = Math.sqrt(alphaBar);
  const b = Math.sqrt(1 - alphaBar);
  const out = new Float32Array(xt.length);
  for (let i = 0; i < xt.length; i++) out[i] = (xt[i] - b * epsHat[i]) / a;
  return out;
}

/** The clean-image and noise estimates recovered from one model output. */
export interface X0AndEps {
  /** x̂_0. For `sample` this is the model output itself (the same array, not a copy). */
  readonly x0: Float32Array;
  /** ε̂. For `epsilon` this is the model output itself (the same array, not a copy). */
  readonly eps: Float32Array;
}

/**
 * Turn a model output into (x̂_0, ε̂) for its prediction type (formulas in the file comment; these
 * are diffusers' `DDIMScheduler.step` step 3). For `epsilon`, `x0` is exactly `predictX0`.
 * Not clipped, like `predictX0`: the explorer shows the model's own estimate; only sampling
 * clips or thresholds it (core/sampler/x0.ts).
 *
 * @param output the model's prediction for x_t, same length.
 * @param alphaBar ᾱ_t in (0, 1].
 * @example const { x0 } = interpretPrediction(manifest.prediction.type, xt, out, abar[t]);
 */
export function interpretPrediction(
  type: PredictionType,
  xt: Float32Array,
  output: Float32Array,
  alphaBar: number,
): X0AndEps {
  checkPredictionType(type);
  checkSameLength(xt, output, 'interpretPrediction');
  checkAlphaBar(alphaBar);
  if (type === 'epsilon') return { x0: predictX0(xt, output, alphaBar), eps: output };
  const sa = Math.sqrt(alphaBar);
  const sb = Math.sqrt(1 - alphaBar);
  const x0 = type === 'sample' ? output : new Float32Array(xt.length);
  const eps = new Float32Array(xt.length);
  for (let i = 0; i < xt.length; i++) {
    if (type === 'v_prediction') x0[i] = x0Of(type, xt[i], output[i], sa, sb);
    eps[i] = epsOf(type, xt[i], output[i], sa, sb);
  }
  return { x0, eps };
}

/**
 * What a perfect model of the given type outputs for x_t = √ᾱ·x_0 + √(1−ᾱ)·ε: ε, x_0, or
 * v = √ᾱ·ε − √(1−ᾱ)·x_0 (diffusers' `get_velocity`). The training target; the inverse of
 * `interpretPrediction`. Returns a new array.
 */
export function predictionTarget(
  type: PredictionType,
  x0: Float32Array,
  eps: Float32Array,
  alphaBar: number,
): Float32Array {
  checkPredictionType(type);
  checkSameLength(x0, eps, 'predictionTarget');
  checkAlphaBar(alphaBar);
  if (type === 'epsilon') return eps.slice();
  if (type === 'sample') return x0.slice();
  const sa = Math.sqrt(alphaBar);
  const sb = Math.sqrt(1 - alphaBar);
  const out = new Float32Array(x0.length);
  for (let i = 0; i < x0.length; i++) out[i] = sa * eps[i] - sb * x0[i];
  return out;
}
