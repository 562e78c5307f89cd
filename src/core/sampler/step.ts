/**
 * @file One sampling step from x_t to the next, less noisy timestep, for a batch of images: DDIM
 * (diffusers' `DDIMScheduler.step`, guided-diffusion's `ddim_sample`) and ancestral DDPM
 * (`DDPMScheduler.step`, `p_sample`), with x̂_0 clipped or thresholded in between (x0.ts).
 *
 * With ᾱ_t at this step and ᾱ_p at the next (1 after the last, or ᾱ_0 for DDIM without
 * set_alpha_to_one), β'_t = 1 − ᾱ_t/ᾱ_p and α'_t = ᾱ_t/ᾱ_p are the respaced process's own
 * (guided-diffusion's SpacedDiffusion, diffusers' `current_beta_t`):
 *
 *   DDIM  σ = η·√((1−ᾱ_p)/(1−ᾱ_t))·√(1−ᾱ_t/ᾱ_p)
 *         x_p = √ᾱ_p·x̂_0 + √(1−ᾱ_p−σ²)·ε̂ + σ·z
 *   DDPM  x_p = (√ᾱ_p·β'_t/(1−ᾱ_t))·x̂_0 + (√α'_t·(1−ᾱ_p)/(1−ᾱ_t))·x_t + σ·z, no z at the last step
 *         σ² = β̃_t = (1−ᾱ_p)/(1−ᾱ_t)·β'_t ('small'), β'_t ('large'), or learned:
 *         learned_range  log σ² = f·log β'_t + (1−f)·log β̃_t, f = (v+1)/2  (guided-diffusion)
 *         learned        log σ² = v                                   (guided-diffusion)
 *
 * ε̂ in DDIM is the model's (diffusers) or re-derived from the processed x̂_0,
 * ε̂ = (x_t − √ᾱ_t·x̂_0)/√(1−ᾱ_t) (guided-diffusion; diffusers' use_clipped_model_output).
 * A learned variance does not enter DDIM (guided-diffusion's ddim_sample ignores it too).
 *
 * diffusers' `learned` differs: its DDPMScheduler takes that output as σ² itself, not log σ²;
 * the manifest's contract (docs/manifest.md) follows guided-diffusion, where the models come from.
 *
 * Arithmetic is float64 per element, stored as float32 once, like core/noise.ts.
 */
import { DiffProbeError, quote } from '../errors';
import type { PredictionType } from '../manifest/types';
import { epsOf, x0Of } from '../noise';
import type { FixedVariance, SamplerMethod } from './options';
import { mergeX0Stats, processX0, type X0Processor, type X0Stats } from './x0';

/** How a model with learned σ gives it (the manifest's `prediction.variance`). */
export type LearnedVariance = 'learned_range' | 'learned';

/** DDIM's σ for η between ᾱ_t and ᾱ_p (0 for η = 0). */
export function ddimSigma(eta: number, abarT: number, abarPrev: number): number {
  if (!(eta > 0) || abarT >= 1) return 0;
  return eta * Math.sqrt((1 - abarPrev) / (1 - abarT)) * Math.sqrt(1 - abarT / abarPrev);
}

export interface StepSettings {
  readonly method: SamplerMethod;
  readonly type: PredictionType;
  readonly process: X0Processor;
  /** DDIM */
  readonly eta: number;
  readonly epsFromX0: boolean;
  /** DDPM, fixed variance */
  readonly variance: FixedVariance;
  /** DDPM, learned σ: how `variance` values read; absent for fixed-variance models. */
  readonly learned?: LearnedVariance;
}

export interface StepInput {
  /** count × pixels values of x_t. */
  readonly xt: Float32Array;
  /** The model's prediction at x_t, same length. */
  readonly output: Float32Array;
  /** The model's variance values (learned σ), same length; needed when settings.learned is set. */
  readonly varianceValues?: Float32Array;
  readonly count: number;
  readonly abarT: number;
  readonly abarPrev: number;
  /** The sampler's last step (DDPM adds no noise there). */
  readonly last: boolean;
  /** Standard normals z, same length, when {@link stepNeedsNoise} says so. */
  readonly noise?: Float32Array;
}

export interface StepResult {
  /** The next sample x_p. */
  readonly x: Float32Array;
  /** x̂_0 as the step used it (processed). */
  readonly x0: Float32Array;
  readonly stats: X0Stats;
}

/** Whether this step draws z: DDIM when σ > 0 (as diffusers, also at a last step to ᾱ_0), DDPM before the last. */
export function stepNeedsNoise(s: StepSettings, abarT: number, abarPrev: number, last: boolean): boolean {
  return s.method === 'ddim' ? ddimSigma(s.eta, abarT, abarPrev) > 0 : !last;
}

function checkLengths(input: StepInput, s: StepSettings): void {
  const n = input.xt.length;
  const lengths: [string, Float32Array | undefined][] = [
    ['output', input.output],
    ['variance', s.method === 'ddpm' && s.learned ? input.varianceValues : undefined],
    ['noise', input.noise],
  ];
  for (const [what, a] of lengths)
    if (a && a.length !== n)
      throw new DiffProbeError(
        'internal',
        `sampler step: ${what} has ${quote(a.length)} values, x_t ${quote(n)}`,
      );
  if (n % input.count !== 0)
    throw new DiffProbeError('internal', `sampler step: ${n} values do not split into ${input.count} images`);
  if (s.method === 'ddpm' && s.learned && !input.varianceValues)
    throw new DiffProbeError('internal', `sampler step: a ${s.learned} model needs its variance values`);
  if (!(input.abarT > 0 && input.abarT <= 1 && input.abarPrev > 0 && input.abarPrev <= 1))
    throw new DiffProbeError(
      'internal',
      `sampler step: invalid ᾱ ${quote(input.abarT)} → ${quote(input.abarPrev)}`,
    );
}

/**
 * One step for a batch of `count` images (formulas in the file comment).
 *
 * @example samplerStep({ xt, output, count: 8, abarT: abar[999], abarPrev: abar[979], last: false }, settings)
 */
export function samplerStep(input: StepInput, s: StepSettings): StepResult {
  checkLengths(input, s);
  const { xt, output, count, abarT, abarPrev, last } = input;
  const z = input.noise;
  if (stepNeedsNoise(s, abarT, abarPrev, last) && !z)
    throw new DiffProbeError('internal', 'sampler step: this step needs noise');
  const pixels = xt.length / count;
  const sa = Math.sqrt(abarT);
  const sb = Math.sqrt(1 - abarT);
  const sPrev = Math.sqrt(abarPrev);
  const x = new Float32Array(xt.length);
  const x0Out = new Float32Array(xt.length);
  const stats: X0Stats[] = [];
  const coef = s.method === 'ddim' ? ddimCoefficients(s.eta, abarT, abarPrev) : null;
  const ddpm = s.method === 'ddpm' ? ddpmCoefficients(abarT, abarPrev) : null;
  const x0 = new Float64Array(pixels);
  for (let k = 0; k < count; k++) {
    const off = k * pixels;
    for (let i = 0; i < pixels; i++) x0[i] = x0Of(s.type, xt[off + i], output[off + i], sa, sb);
    stats.push(processX0(x0, s.process));
    for (let i = 0; i < pixels; i++) {
      const j = off + i;
      x0Out[j] = x0[i];
      if (coef) {
        const eps = !s.epsFromX0
          ? epsOf(s.type, xt[j], output[j], sa, sb)
          : sb > 0
            ? (xt[j] - sa * x0[i]) / sb
            : 0;
        x[j] = sPrev * x0[i] + coef.dir * eps + (coef.sigma > 0 ? coef.sigma * (z as Float32Array)[j] : 0);
      } else if (ddpm) {
        const mean = ddpm.c0 * x0[i] + ddpm.ct * xt[j];
        x[j] = last
          ? mean
          : mean + Math.exp(0.5 * ddpmLogVariance(ddpm, s, input.varianceValues?.[j])) * z![j];
      }
    }
  }
  return { x, x0: x0Out, stats: mergeX0Stats(stats) };
}

function ddimCoefficients(eta: number, abarT: number, abarPrev: number) {
  const sigma = ddimSigma(eta, abarT, abarPrev);
  // max(0, …) guards against −1e-17 from rounding when σ² ≈ 1−ᾱ_p (η = 1 at the last step).
  return { sigma, dir: Math.sqrt(Math.max(0, 1 - abarPrev - sigma * sigma)) };
}

interface DdpmCoefficients {
  /** weights of x̂_0 and x_t in the posterior mean */
  readonly c0: number;
  readonly ct: number;
  readonly logBeta: number;
  readonly logBetaTilde: number;
}

function ddpmCoefficients(abarT: number, abarPrev: number): DdpmCoefficients {
  const alpha = abarT / abarPrev;
  const beta = 1 - alpha;
  // ᾱ_t = 1 (a schedule that starts clean): x_t is x_0, and the mean is x̂_0.
  if (!(abarT < 1)) return { c0: 1, ct: 0, logBeta: -Infinity, logBetaTilde: -Infinity };
  return {
    c0: (Math.sqrt(abarPrev) * beta) / (1 - abarT),
    ct: (Math.sqrt(alpha) * (1 - abarPrev)) / (1 - abarT),
    logBeta: Math.log(beta),
    // diffusers clamps β̃ at 1e-20 before the log; it only reaches 0 at a last step, which adds no noise.
    logBetaTilde: Math.log(Math.max(1e-20, ((1 - abarPrev) / (1 - abarT)) * beta)),
  };
}

/** log σ² of one element of a DDPM step. */
function ddpmLogVariance(c: DdpmCoefficients, s: StepSettings, v: number | undefined): number {
  if (s.learned === 'learned') return v as number;
  if (s.learned === 'learned_range') {
    const f = ((v as number) + 1) / 2;
    return f * c.logBeta + (1 - f) * c.logBetaTilde;
  }
  return s.variance === 'large' ? c.logBeta : c.logBetaTilde;
}
