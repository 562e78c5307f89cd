/**
 * @file The sampler's settings, named after the references they reproduce, their defaults and their
 * validation. Every setting changes the samples, so a run records all of them (exports, URLs).
 *
 *   method        'ddim': diffusers' DDIMScheduler.step / guided-diffusion's ddim_sample;
 *                 'ddpm': ancestral sampling, DDPMScheduler.step / guided-diffusion's p_sample
 *   steps         sampling steps (DDPM with steps = T is the full ancestral sampler)
 *   spacing       which timesteps: linspace, leading or trailing (core/sampler/timesteps.ts)
 *   stepsOffset   diffusers' steps_offset (leading spacing only)
 *   eta           DDIM's η: 0 deterministic … 1 DDPM-like noise
 *   setAlphaToOne DDIM's last step goes to ᾱ = 1 (a clean sample) or, when false, to ᾱ_0
 *   x0            what happens to x̂_0 before it is used: 'clip' to the model's data range
 *                 (diffusers' clip_sample, guided-diffusion's clip_denoised), 'threshold'
 *                 (Imagen's dynamic thresholding, diffusers' `thresholding`), or 'none'
 *   percentile    the threshold's percentile of |x̂_0| (diffusers' dynamic_thresholding_ratio × 100)
 *   maxThreshold  the threshold's cap (diffusers' sample_max_value), in units of the range's half-width
 *   epsFromX0     DDIM: re-derive ε̂ from the processed x̂_0 (guided-diffusion always does;
 *                 diffusers' use_clipped_model_output) rather than use the model's own ε̂
 *   variance      DDPM with a fixed-variance model: σ² = β̃ (posterior, 'small') or β ('large');
 *                 a model with learned σ (manifest prediction.variance) uses its own
 */
import { DiffProbeError, quote } from '../errors';
import { TIMESTEP_SPACINGS, type TimestepSpacing } from './timesteps';

export type SamplerMethod = 'ddim' | 'ddpm';
export type X0Processing = 'clip' | 'threshold' | 'none';
/** σ² of a fixed-variance DDPM step: β̃_t (diffusers' fixed_small) or β_t (fixed_large). */
export type FixedVariance = 'small' | 'large';

export interface SamplerOptions {
  readonly method: SamplerMethod;
  readonly steps: number;
  readonly spacing: TimestepSpacing;
  readonly stepsOffset: number;
  readonly eta: number;
  readonly setAlphaToOne: boolean;
  readonly x0: X0Processing;
  readonly percentile: number;
  readonly maxThreshold: number;
  readonly epsFromX0: boolean;
  readonly variance: FixedVariance;
}

export const SAMPLER_METHODS: readonly SamplerMethod[] = ['ddim', 'ddpm'];
export const X0_PROCESSINGS: readonly X0Processing[] = ['clip', 'threshold', 'none'];
export const FIXED_VARIANCES: readonly FixedVariance[] = ['small', 'large'];

/**
 * The reference samplers' defaults: x̂_0 clipped (diffusers' clip_sample = True, guided-diffusion's
 * clip_denoised = True), DDIM with η = 0 and set_alpha_to_one. Timesteps are `linspace`, which
 * starts at T−1 like guided-diffusion's respacing (diffusers' DDIM default, `leading`, starts
 * ⌊T/n⌋ − 1 short of it). Thresholding uses diffusers' ratio 0.995 and DeepFloyd IF's cap 1.5
 * (diffusers' default cap, 1, would make it plain clipping). ε̂ is the model's (diffusers).
 */
export const DEFAULT_SAMPLER_OPTIONS: SamplerOptions = {
  method: 'ddim',
  steps: 50,
  spacing: 'linspace',
  stepsOffset: 0,
  eta: 0,
  setAlphaToOne: true,
  x0: 'clip',
  percentile: 99.5,
  maxThreshold: 1.5,
  epsFromX0: false,
  variance: 'small',
};

/** One thing wrong with a set of options: which field, and why (quoting the value). */
export interface SamplerProblem {
  readonly field: keyof SamplerOptions;
  readonly message: string;
}

/**
 * Everything wrong with `o` for a schedule of T timesteps (empty when it can run). Only the
 * settings the method uses are checked: a DDPM run does not care about η.
 */
export function samplerProblems(o: SamplerOptions, T: number): SamplerProblem[] {
  const out: SamplerProblem[] = [];
  const bad = (field: keyof SamplerOptions, message: string) => out.push({ field, message });
  if (!SAMPLER_METHODS.includes(o.method))
    bad('method', `unknown sampler ${quote(o.method)}; use ddim or ddpm`);
  if (Number.isNaN(o.steps)) bad('steps', 'steps: enter a whole number of steps');
  else if (!Number.isInteger(o.steps)) bad('steps', `steps ${quote(o.steps)}: expected a whole number`);
  else if (o.steps < 1) bad('steps', `steps ${quote(o.steps)}: the sampler needs at least 1 step`);
  else if (o.steps > T)
    bad(
      'steps',
      `steps ${quote(o.steps)}: the model's schedule has only ${T} timesteps, so at most ${T} steps`,
    );
  if (!TIMESTEP_SPACINGS.includes(o.spacing))
    bad('spacing', `unknown timestep spacing ${quote(o.spacing)}; use linspace, leading or trailing`);
  if (!Number.isInteger(o.stepsOffset) || o.stepsOffset < 0)
    bad('stepsOffset', `steps offset ${quote(o.stepsOffset)}: expected an integer ≥ 0`);
  else if (o.spacing === 'leading' && Number.isInteger(o.steps) && o.steps >= 1 && o.steps <= T) {
    const top = (o.steps - 1) * Math.floor(T / o.steps) + o.stepsOffset;
    if (top > T - 1)
      bad(
        'stepsOffset',
        `steps offset ${quote(o.stepsOffset)} moves the noisiest of ${o.steps} leading timesteps to ${top}, past the last timestep ${T - 1}`,
      );
  }
  if (o.method === 'ddim') {
    if (Number.isNaN(o.eta)) bad('eta', 'η: enter a number from 0 to 1');
    else if (!(o.eta >= 0)) bad('eta', `η ${quote(o.eta)}: η cannot be negative (0 is deterministic DDIM)`);
    else if (!(o.eta <= 1))
      bad('eta', `η ${quote(o.eta)}: above 1 the DDIM noise exceeds the step's variance; use 0 … 1`);
  }
  if (!X0_PROCESSINGS.includes(o.x0))
    bad('x0', `unknown x̂₀ processing ${quote(o.x0)}; use clip, threshold or none`);
  if (o.x0 === 'threshold') {
    if (!(o.percentile > 0 && o.percentile <= 100))
      bad('percentile', `percentile ${quote(o.percentile)}: expected a number in (0, 100]`);
    if (!(o.maxThreshold >= 1))
      bad(
        'maxThreshold',
        `threshold cap ${quote(o.maxThreshold)}: expected a number ≥ 1 (1 is plain clipping)`,
      );
  }
  if (o.method === 'ddpm' && !FIXED_VARIANCES.includes(o.variance))
    bad('variance', `unknown variance ${quote(o.variance)}; use small (β̃) or large (β)`);
  return out;
}

/** Throws the first of {@link samplerProblems} as DiffProbeError('sampler-options'). */
export function checkSamplerOptions(o: SamplerOptions, T: number): void {
  const problems = samplerProblems(o, T);
  if (problems.length)
    throw new DiffProbeError('sampler-options', problems.map((p) => p.message).join('; '), {
      fields: problems.map((p) => p.field),
    });
}
