/**
 * @file The denoising check's arithmetic: which timestep convention makes a trained network
 * denoise. The network sees x_t = √ᾱ·x_0 + √(1−ᾱ)·ε fed under each convention; its output, read
 * as each prediction type, gives ε̂; the error is E(ε̂ − ε)² relative to what an all-zero output
 * would score under the same reading (so 1 = no better than predicting nothing, whatever the type).
 * The convention whose relative error is lowest, by a clear margin, is the model's. An untrained
 * network, or one that is not a noise predictor, scores ≥ 1 everywhere: the check then says it
 * cannot tell. pipeline/denoising-check.ts runs it on a U-Net; this file is pure.
 */
import type { PredictionType, TimestepDtype } from '../manifest/types';
import { interpretPrediction } from '../noise';
import {
  CONVENTION_IDS,
  conventionSpec,
  EDM_SIGMA_DATA,
  type TimestepConvention,
  timestepFeed,
} from './convention';

export const PREDICTION_TYPES: readonly PredictionType[] = ['epsilon', 'sample', 'v_prediction'];

/**
 * The default grid: 5 steps from 5% to 95% of T (t = 0 has almost no noise to find). With 4 images
 * this separated every test model as well as 8 images at 7 steps (margins within ±20%, 3 seeds).
 */
export function checkTimesteps(steps: number): number[] {
  const fractions = [0.05, 0.25, 0.5, 0.75, 0.95];
  return [...new Set(fractions.map((f) => Math.min(steps - 1, Math.max(0, Math.round(f * steps)))))];
}

/** The conventions a timestep input of `dtype` can be fed (an integer input: only the step). */
export function conventionsFor(dtype: TimestepDtype): TimestepConvention[] {
  return CONVENTION_IDS.filter((c) => dtype.startsWith('float') || conventionSpec(c).integerInput);
}

/**
 * Conventions that feed the same numbers at every checked step (at T = 1000, `scaled` is `index`)
 * are one candidate: the check cannot tell them apart, and need not. The first of each group
 * (in registry order) names it.
 */
export function feedGroups(
  conventions: readonly TimestepConvention[],
  timesteps: readonly number[],
  alphasCumprod: ArrayLike<number>,
  sigmaData = EDM_SIGMA_DATA,
): TimestepConvention[][] {
  const steps = alphasCumprod.length;
  const signature = (c: TimestepConvention) =>
    timesteps
      .map((t) => {
        const f = timestepFeed(c, t, steps, alphasCumprod[t], sigmaData);
        return [f.value, f.inputScale, f.outputSkip, f.outputScale].join(',');
      })
      .join(';');
  const groups = new Map<string, TimestepConvention[]>();
  for (const c of conventions) {
    const key = signature(c);
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()];
}

/**
 * Mean of (ε̂ − ε)² over `xt`, with ε̂ recovered from `output` read as `type` (noise.ts), and the
 * same for an all-zero output. float64 sums.
 */
export function epsErrors(
  type: PredictionType,
  xt: Float32Array,
  output: Float32Array,
  zero: Float32Array,
  eps: Float32Array,
  alphaBar: number,
): { mse: number; zeroMse: number } {
  const hat = interpretPrediction(type, xt, output, alphaBar).eps;
  const hat0 = interpretPrediction(type, xt, zero, alphaBar).eps;
  let s = 0;
  let s0 = 0;
  for (let i = 0; i < eps.length; i++) {
    s += (hat[i] - eps[i]) ** 2;
    s0 += (hat0[i] - eps[i]) ** 2;
  }
  return { mse: s / eps.length, zeroMse: s0 / eps.length };
}

/** One candidate convention's errors. */
export interface ConventionErrors {
  /** The convention, and the others that feed the same numbers at the checked steps. */
  readonly convention: TimestepConvention;
  readonly same: readonly TimestepConvention[];
  /** The reading of the output with the lowest error (`sample` for `sigma`: EDM's D is x̂_0). */
  readonly type: PredictionType;
  /** Per checked t: E(ε̂ − ε)² / the same for an all-zero output (1 = no denoising). */
  readonly relative: readonly number[];
  /** Per checked t: E(ε̂ − ε)². */
  readonly mse: readonly number[];
  /** Geometric mean of `relative` over t: what the candidates are ranked by. */
  readonly score: number;
}

export type Clarity = 'clear' | 'likely' | 'cannot-tell';

export interface CheckVerdict {
  readonly clarity: Clarity;
  /** The recommended convention (the lowest error), or null when the check cannot tell. */
  readonly best: TimestepConvention | null;
  /** The runner-up's score over the best's (how clear the margin is), or null with one candidate. */
  readonly margin: number | null;
  /** One sentence for the dialog and the CLI. */
  readonly text: string;
}

/** A best score above this is too close to "no denoising" to read anything from. */
export const DENOISES_BELOW = 0.5;
/** Margins (runner-up's error over the best's) for "clear" and "likely". */
export const CLEAR_MARGIN = 3;
export const LIKELY_MARGIN = 1.5;

export function geometricMean(values: readonly number[]): number {
  if (!values.length) return Number.NaN;
  return Math.exp(values.reduce((s, v) => s + Math.log(Math.max(v, 1e-12)), 0) / values.length);
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return 'non-finite';
  return x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toPrecision(2);
}

export function nameOf(row: Pick<ConventionErrors, 'convention' | 'same'>): string {
  return row.same.length > 1 ? row.same.join(' = ') : row.convention;
}

/**
 * The verdict from the candidates' errors (any order). Clear: the best denoises (score <
 * DENOISES_BELOW) and the runner-up's error is ≥ 3× its; likely: ≥ 1.5×; otherwise it cannot tell.
 */
export function checkVerdict(rows: readonly ConventionErrors[]): CheckVerdict {
  const sorted = [...rows].sort((a, b) => a.score - b.score);
  const [best, second] = sorted;
  if (!best) return { clarity: 'cannot-tell', best: null, margin: null, text: 'Nothing was checked.' };
  const margin = second ? second.score / best.score : null;
  if (!(best.score < DENOISES_BELOW))
    return {
      clarity: 'cannot-tell',
      best: null,
      margin,
      text: `Cannot tell: the model removes no noise under any convention (its lowest error, under ${nameOf(best)}, is ${fmt(best.score)}× that of predicting nothing). It may be untrained, not a noise predictor, or on another schedule.`,
    };
  if (margin === null)
    return {
      clarity: 'likely',
      best: best.convention,
      margin,
      text: `${nameOf(best)}: the model denoises (error ${fmt(best.score)} of predicting nothing); ${best.same.length > 1 ? 'the other conventions feed the same numbers here' : 'it is the only convention this timestep input can take'}.`,
    };
  const versus = Number.isFinite(second.score)
    ? `${nameOf(second)} has ${fmt(margin)}× its error`
    : `${nameOf(second)} gives NaN or Inf`;
  if (margin >= CLEAR_MARGIN)
    return { clarity: 'clear', best: best.convention, margin, text: `Clearly ${nameOf(best)}: ${versus}.` };
  if (margin >= LIKELY_MARGIN)
    return {
      clarity: 'likely',
      best: best.convention,
      margin,
      text: `Likely ${nameOf(best)}, but the margin is small: ${versus}.`,
    };
  return {
    clarity: 'cannot-tell',
    best: null,
    margin,
    text: `Cannot tell: ${nameOf(best)} and ${nameOf(second)} give nearly the same error (${fmt(margin)}×).`,
  };
}

/**
 * When the check recommends another convention than the one the model is fed under now (a σ-model
 * opened under `index`): one sentence saying so, for the dialog and the CLI; null when they agree,
 * or when the check cannot tell. Conventions that feed the same numbers agree.
 *
 * @example conventionMismatch(rows, verdict, 'index') // "The model is fed under index now, but it denoises under sigma (…)"
 */
export function conventionMismatch(
  rows: readonly ConventionErrors[],
  verdict: CheckVerdict,
  current: TimestepConvention,
): string | null {
  if (!verdict.best) return null;
  const best = rows.find((r) => r.convention === verdict.best);
  if (!best || best.same.includes(current)) return null;
  const now = rows.find((r) => r.same.includes(current));
  const versus =
    now && Number.isFinite(now.score)
      ? `, ${fmt(now.score / best.score)}× lower error than under ${current}`
      : '';
  return `The model is fed under ${current} now, but it denoises under ${nameOf(best)}${versus}: features computed under ${current} are at the wrong noise level.`;
}
