/**
 * @file Diffusion noise schedules: betas, ᾱ_t (alphas_cumprod) and validated timesteps.
 *
 * Everything is float64 because ᾱ_t near t = T−1 is ~4e-5 and the forward process uses
 * sqrt(1 − ᾱ); float32 would cost visible precision at the noisy end.
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
 * Resolve a (validated) manifest schedule into ᾱ values.
 *
 * @example scheduleFromManifest({ type: 'linear', betaStart: 1e-4, betaEnd: 0.02, steps: 1000 }).steps === 1000
 */
export function scheduleFromManifest(schedule: ManifestSchedule): Schedule {
  if (schedule.type === 'linear') {
    const betas = linearBetas(schedule.betaStart, schedule.betaEnd, schedule.steps);
    return { steps: schedule.steps, alphasCumprod: alphasCumprod(betas) };
  }
  return { steps: schedule.alphasCumprod.length, alphasCumprod: Float64Array.from(schedule.alphasCumprod) };
}

/** ᾱ_t for a branded timestep. */
export function alphaBar(schedule: Schedule, t: Timestep): number {
  return schedule.alphasCumprod[t];
}
