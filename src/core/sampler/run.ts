/**
 * @file The sampling loop: seeded x_T, the model at each timestep, one step (step.ts) after
 * another. The model is a function, so the same loop runs in the worker (onnxruntime-web), in Node
 * (onnxruntime-node, the parity tests) and on recorded predictions.
 *
 * Noise: x_T = gaussian(createRng(seed, 0x6e6e), count·pixels), then z = gaussian(same rng, count·pixels)
 * at each step that draws noise (stepNeedsNoise), in order. tools/model/sampler_reference.py draws
 * the same numbers (tools/model/rng.py).
 */
import { DiffProbeError, isDiffProbeError, quote } from '../errors';
import type { PredictionType } from '../manifest/types';
import { createRng, gaussian } from '../rng';
import { checkSamplerOptions, type SamplerOptions } from './options';
import { type LearnedVariance, type StepSettings, samplerStep, stepNeedsNoise } from './step';
import { samplerTimesteps } from './timesteps';
import type { DataRange, X0Stats } from './x0';

/** The noise stream of a sample seed (the value generate has always used). */
export const SAMPLER_STREAM = 0x6e6e;

/** What the model gives at (x_t, t): its prediction and, for learned σ, the variance values. */
export interface ModelStepOutput {
  readonly output: Float32Array;
  readonly variance?: Float32Array;
}

/** Runs the model on x_t (count images) at timestep t, the `index`-th step (0-based). */
export type SamplerModel = (x: Float32Array, t: number, index: number) => Promise<ModelStepOutput>;

export interface SamplerSetup {
  readonly count: number;
  /** Values per image, C·H·W. */
  readonly pixels: number;
  readonly alphasCumprod: ArrayLike<number>;
  /** The data range of x_0 (manifest input.range): where clipping clips. */
  readonly range: DataRange;
  readonly type: PredictionType;
  /** The manifest's prediction.variance: the model's learned σ (DDPM uses it). */
  readonly learned?: LearnedVariance;
  readonly options: SamplerOptions;
  readonly seed: number;
}

export interface SamplerFrame {
  /** 1-based step just done, of `steps`. */
  readonly step: number;
  readonly steps: number;
  readonly t: number;
  /** The sample after this step. */
  readonly x: Float32Array;
  /** x̂_0 as this step used it (clipped or thresholded when the options say so). */
  readonly x0: Float32Array;
  /** Raw x̂_0's extremes and whether processing changed it. */
  readonly stats: X0Stats;
}

export interface SamplerResult {
  readonly x: Float32Array;
  readonly timesteps: readonly number[];
  readonly stats: readonly X0Stats[];
}

/** The step settings a setup implies. */
export function stepSettings(setup: SamplerSetup): StepSettings {
  const o = setup.options;
  return {
    method: o.method,
    type: setup.type,
    process: { kind: o.x0, range: setup.range, q: o.percentile / 100, maxThreshold: o.maxThreshold },
    eta: o.eta,
    epsFromX0: o.epsFromX0,
    variance: o.variance,
    learned: setup.learned,
  };
}

/** ᾱ after the last step: 1, or ᾱ_0 for DDIM without set_alpha_to_one (diffusers' final_alpha_cumprod). */
export function finalAlphaBar(options: SamplerOptions, abar: ArrayLike<number>): number {
  return options.method === 'ddim' && !options.setAlphaToOne ? abar[0] : 1;
}

function firstNonFinite(a: Float32Array | undefined): number {
  if (!a) return -1;
  for (let i = 0; i < a.length; i++) if (a[i] - a[i] !== 0) return i;
  return -1;
}

/**
 * Sample `setup.count` images. `onFrame` gets every step's result (the caller streams them, so a
 * failure or a Stop keeps what was done); a non-finite prediction stops the run with
 * DiffProbeError('model-nonfinite') naming the step and t.
 *
 * @throws DiffProbeError('sampler-options') for settings that cannot run (checked before any step).
 */
export async function runSampler(
  setup: SamplerSetup,
  model: SamplerModel,
  onFrame: (frame: SamplerFrame) => void | Promise<void>,
): Promise<SamplerResult> {
  const { count, pixels, alphasCumprod: abar, options } = setup;
  checkSamplerOptions(options, abar.length);
  const timesteps = samplerTimesteps(abar.length, options.steps, options.spacing, options.stepsOffset);
  const settings = stepSettings(setup);
  const rng = createRng(setup.seed, SAMPLER_STREAM);
  const n = count * pixels;
  let x: Float32Array = gaussian(rng, n);
  const stats: X0Stats[] = [];
  for (const [i, t] of timesteps.entries()) {
    const where = `at step ${i + 1} of ${timesteps.length} (t = ${t})`;
    let out: ModelStepOutput;
    try {
      out = await model(x, t, i);
    } catch (error) {
      if (isDiffProbeError(error, 'model-nonfinite'))
        throw new DiffProbeError('model-nonfinite', `${error.message}, ${where}`, {
          ...error.detail,
          step: i + 1,
          steps: timesteps.length,
          t,
        });
      throw error;
    }
    for (const [what, a] of [
      ['prediction', out.output],
      ['variance output', out.variance],
    ] as const) {
      const bad = firstNonFinite(a);
      if (bad >= 0)
        throw new DiffProbeError('model-nonfinite', `the model's ${what} is ${quote(a![bad])} ${where}`, {
          step: i + 1,
          steps: timesteps.length,
          t,
        });
    }
    const last = i === timesteps.length - 1;
    const abarPrev = last ? finalAlphaBar(options, abar) : abar[timesteps[i + 1]];
    const noise = stepNeedsNoise(settings, abar[t], abarPrev, last) ? gaussian(rng, n) : undefined;
    const r = samplerStep(
      {
        xt: x,
        output: out.output,
        varianceValues: out.variance,
        count,
        abarT: abar[t],
        abarPrev,
        last,
        noise,
      },
      settings,
    );
    x = r.x;
    stats.push(r.stats);
    await onFrame({ step: i + 1, steps: timesteps.length, t, x, x0: r.x0, stats: r.stats });
  }
  return { x, timesteps, stats };
}
