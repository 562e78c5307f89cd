/**
 * @file Diffusion noise schedules: betas, ᾱ_t (alphas_cumprod) and validated timesteps.
 *
 * Everything is float64 because ᾱ_t near t = T−1 is ~4e-5 and the forward process uses
 * sqrt(1 − ᾱ); float32 would cost visible precision at the noisy end.
 *
 * float64 is also a choice about which reference to match. diffusers builds its `linear`,
 * `scaled_linear` and `squaredcos_cap_v2` betas and keeps alphas_cumprod in float32; guided-diffusion
 * and this project's own training code (tools/model/unet.py) work in float64. The manifest states
 * a schedule by its formula, so we compute the formula exactly (float64, to ≤1e-12 relative of
 * torch/NumPy float64) rather than reproduce one library's float32 rounding. diffusers' float32
 * ᾱ differ from these by at most 8.1e-7 relative for Stable Diffusion's schedule, and for cosine
 * (T = 1000) by 5.6e-7 up to t = 900 and 1.3e-5 at the noisiest steps (schedule.test.ts):
 * ~10 float32 ulps, no more than the float32 rounding of x_t itself. A model whose exact float32
 * ᾱ matter can list them with `alphasCumprod`.
 */

import { DiffProbeError, quote } from './errors';
import type { ManifestSchedule } from './manifest/types';

declare const timestepBrand: unique symbol;

/** A diffusion timestep: an integer in 0…T−1 (0 = almost clean, T−1 = almost pure noise). */
export type Timestep = number & { readonly [timestepBrand]: true };

/** A resolved schedule: `alphasCumprod[t]` is ᾱ_t for t = 0…steps−1. */
export interface Schedule {
  readonly steps: number;
  readonly alphasCumprod: Float64Array;
}

/**
 * Check and brand a timestep.
 *
 * @throws DiffProbeError('internal') when `t` is not an integer in 0…steps−1.
 * @example toTimestep(999, 1000)
 */
export function toTimestep(t: number, steps: number): Timestep {
  if (!Number.isInteger(t) || t < 0 || t >= steps) {
    throw new DiffProbeError(
      'internal',
      `invalid timestep ${quote(t)}; expected an integer in 0…${steps - 1}`,
      {
        t,
        steps,
      },
    );
  }
  return t as Timestep;
}

/**
 * Betas evenly spaced from `betaStart` to `betaEnd` inclusive, float64, like
 * `torch.linspace(betaStart, betaEnd, steps, dtype=torch.float64)`.
 *
 * torch fills the first half forwards from `start` and the second half backwards from `end`,
 * so both endpoints are exact; we do the same. torch's CPU kernel also uses SIMD + FMA, which
 * can move single values by 1 ulp (~3e-18 for the default schedule) — far below anything ᾱ uses.
 *
 * @returns Float64Array of length `steps`.
 * @example linearBetas(1e-4, 0.02, 1000)[999] === 0.02
 */
export function linearBetas(betaStart: number, betaEnd: number, steps: number): Float64Array {
  const out = new Float64Array(steps);
  if (steps === 1) {
    out[0] = betaStart;
    return out;
  }
  const step = (betaEnd - betaStart) / (steps - 1);
  const halfway = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) {
    out[i] = i < halfway ? betaStart + step * i : betaEnd - step * (steps - 1 - i);
  }
  return out;
}

/**
 * ᾱ_t = ∏_{s ≤ t} (1 − β_s), accumulated left to right in float64 like `torch.cumprod`.
 *
 * @returns Float64Array with the same length as `betas`.
 */
export function alphasCumprod(betas: Float64Array): Float64Array {
  const out = new Float64Array(betas.length);
  let acc = 1;
  for (let i = 0; i < betas.length; i++) {
    acc *= 1 - betas[i];
    out[i] = acc;
  }
  return out;
}

/**
 * Stable Diffusion's betas (diffusers' `scaled_linear`): √β evenly spaced from √betaStart to
 * √betaEnd, squared, i.e. `torch.linspace(betaStart**0.5, betaEnd**0.5, steps, dtype=torch.float64) ** 2`
 * (diffusers uses float32; see the file comment).
 *
 * @returns Float64Array of length `steps`.
 * @example scaledLinearBetas(0.00085, 0.012, 1000)[999] // 0.012 (to 1 ulp)
 */
export function scaledLinearBetas(betaStart: number, betaEnd: number, steps: number): Float64Array {
  const out = linearBetas(Math.sqrt(betaStart), Math.sqrt(betaEnd), steps);
  for (let i = 0; i < steps; i++) out[i] = out[i] * out[i];
  return out;
}

/** Default offset `s` of the cosine schedule (Nichol & Dhariwal 2021). */
export const COSINE_S = 0.008;
/** Cap on cosine betas, as in improved-diffusion and diffusers (keeps ᾱ > 0 at t = T−1). */
export const COSINE_MAX_BETA = 0.999;

/**
 * Improved DDPM's cosine betas: with f(u) = cos²(((u + s)/(1 + s))·π/2),
 * β_i = min(1 − f((i+1)/T)/f(i/T), 0.999) for i = 0…T−1 — guided-diffusion's
 * `betas_for_alpha_bar(T, …)` / `get_named_beta_schedule("cosine", T)` and diffusers'
 * `squaredcos_cap_v2` (which rounds the result to float32). Evaluated in the same order as the
 * Python so the values agree to the last bit wherever `Math.cos` and libm's `cos` do.
 *
 * @returns Float64Array of length `steps`.
 */
export function cosineBetas(steps: number, s = COSINE_S): Float64Array {
  const f = (u: number) => {
    const c = Math.cos((((u + s) / (1 + s)) * Math.PI) / 2);
    return c * c;
  };
  const out = new Float64Array(steps);
  for (let i = 0; i < steps; i++) {
    out[i] = Math.min(1 - f((i + 1) / steps) / f(i / steps), COSINE_MAX_BETA);
  }
  return out;
}

/** Number of timesteps T of a manifest schedule (valid timesteps are 0…T−1). */
export function scheduleSteps(schedule: ManifestSchedule): number {
  return schedule.type === 'alphasCumprod' ? schedule.alphasCumprod.length : schedule.steps;
}

/**
 * Resolve a (validated) manifest schedule into ᾱ values.
 *
 * @example scheduleFromManifest({ type: 'linear', betaStart: 1e-4, betaEnd: 0.02, steps: 1000 }).steps === 1000
 */
export function scheduleFromManifest(schedule: ManifestSchedule): Schedule {
  switch (schedule.type) {
    case 'linear': {
      const betas = linearBetas(schedule.betaStart, schedule.betaEnd, schedule.steps);
      return { steps: schedule.steps, alphasCumprod: alphasCumprod(betas) };
    }
    case 'scaled_linear': {
      const betas = scaledLinearBetas(schedule.betaStart, schedule.betaEnd, schedule.steps);
      return { steps: schedule.steps, alphasCumprod: alphasCumprod(betas) };
    }
    case 'cosine': {
      const betas = cosineBetas(schedule.steps, schedule.s ?? COSINE_S);
      return { steps: schedule.steps, alphasCumprod: alphasCumprod(betas) };
    }
    case 'alphasCumprod':
      return {
        steps: schedule.alphasCumprod.length,
        alphasCumprod: Float64Array.from(schedule.alphasCumprod),
      };
    default: {
      const unknown: never = schedule;
      throw new DiffProbeError(
        'internal',
        `unknown schedule type ${quote((unknown as { type: unknown }).type)}`,
      );
    }
  }
}

export type SchedulePresetId = 'linear' | 'cosine' | 'scaled_linear';

/** A named, commonly used schedule the UI can offer; `make(T)` gives it with T timesteps. */
export interface SchedulePreset {
  readonly id: SchedulePresetId;
  readonly label: string;
  /** Where it comes from and its parameters, one line. */
  readonly description: string;
  /** T of the original (1000 for all three). */
  readonly defaultSteps: number;
  readonly make: (steps: number) => ManifestSchedule;
}

/** The schedules most published diffusion U-Nets were trained with, in the order the UI lists them. */
export const SCHEDULE_PRESETS: readonly SchedulePreset[] = [
  {
    id: 'linear',
    label: 'Linear (DDPM)',
    description: 'Ho et al. 2020: β linear from 1e-4 to 0.02',
    defaultSteps: 1000,
    make: (steps) => ({ type: 'linear', betaStart: 1e-4, betaEnd: 0.02, steps }),
  },
  {
    id: 'cosine',
    label: 'Cosine (improved DDPM)',
    description: 'Nichol & Dhariwal 2021: ᾱ ∝ cos²(((t/T + 0.008)/1.008)·π/2), β ≤ 0.999',
    defaultSteps: 1000,
    make: (steps) => ({ type: 'cosine', steps }),
  },
  {
    id: 'scaled_linear',
    label: 'Scaled linear (Stable Diffusion)',
    description: 'Rombach et al. 2022: √β linear from √0.00085 to √0.012',
    defaultSteps: 1000,
    make: (steps) => ({ type: 'scaled_linear', betaStart: 0.00085, betaEnd: 0.012, steps }),
  },
];

/** Same bound as the manifest validator's `schedule.steps`. */
const MAX_PRESET_STEPS = 100_000;

/**
 * The manifest schedule of a preset with `steps` timesteps.
 *
 * @throws DiffProbeError('internal') for an unknown id or steps outside 1…100000.
 * @example scheduleFromManifest(presetSchedule('cosine', 4000))
 */
export function presetSchedule(id: SchedulePresetId, steps: number): ManifestSchedule {
  const preset = SCHEDULE_PRESETS.find((p) => p.id === id);
  if (!preset) throw new DiffProbeError('internal', `unknown schedule preset ${quote(id)}`);
  if (!Number.isInteger(steps) || steps < 1 || steps > MAX_PRESET_STEPS)
    throw new DiffProbeError(
      'internal',
      `invalid steps ${quote(steps)} for schedule preset ${quote(id)}; expected an integer in 1…${MAX_PRESET_STEPS}`,
    );
  return preset.make(steps);
}

/** ᾱ_t for a branded timestep. */
export function alphaBar(schedule: Schedule, t: Timestep): number {
  return schedule.alphasCumprod[t];
}
