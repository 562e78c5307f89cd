/**
 * @file The timesteps a sampler visits, as diffusers' `DDIMScheduler.set_timesteps` /
 * `DDPMScheduler.set_timesteps` space them (the names are Table 2 of Lin et al. 2023,
 * "Common Diffusion Noise Schedules and Sample Steps are Flawed"):
 *
 *   linspace  round(linspace(0, T−1, n)), descending: starts at T−1, ends at 0
 *             (guided-diffusion's `space_timesteps(T, [n])` gives the same set)
 *   leading   (0, 1, …, n−1)·⌊T/n⌋ + steps_offset, descending: ends at steps_offset and starts
 *             ⌊T/n⌋ − 1 − steps_offset short of T−1 (Stable Diffusion's scheduler config uses 1)
 *   trailing  round(arange(T, 0, −T/n)) − 1: starts at T−1, ends near T/n − 1
 *
 * Rounding is NumPy's (half to even), and `arange` with a fractional step is computed the way
 * NumPy fills it (start + i·delta with delta = (start + step) − start), so the lists equal
 * diffusers' to the integer (tools/model/fixtures/sampler/timesteps.json holds NumPy's lists),
 * except where diffusers' trailing list has n + 1 entries (see below).
 */
import { DiffProbeError, quote } from '../errors';

export type TimestepSpacing = 'linspace' | 'leading' | 'trailing';

export const TIMESTEP_SPACINGS: readonly TimestepSpacing[] = ['linspace', 'leading', 'trailing'];

/** NumPy's `round` (`np.round`, `ndarray.round`): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round sends halves up; an exact half whose upward neighbour is odd goes down instead.
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** NumPy's `arange(start, stop, step)` for float arguments: length ⌈(stop − start)/step⌉. */
function numpyArange(start: number, stop: number, step: number): number[] {
  const length = Math.max(0, Math.ceil((stop - start) / step));
  if (length === 0) return [];
  // NumPy computes the first two values and fills the rest from their difference.
  const delta = start + step - start;
  return Array.from({ length }, (_, i) => (i === 0 ? start : start + i * delta));
}

/**
 * The timesteps of an n-step sampler on a T-step schedule, noisiest first, as diffusers makes them.
 *
 * @param T the schedule's length (num_train_timesteps).
 * @param n the number of sampling steps, 1…T.
 * @param stepsOffset added to every `leading` timestep (diffusers applies it to no other spacing).
 * @returns integers in 0…T−1, strictly descending, length n.
 * @throws DiffProbeError('sampler-options') when n or the offset is out of range.
 * @example samplerTimesteps(1000, 5, 'linspace') // [999, 749, 500, 250, 0]
 */
export function samplerTimesteps(T: number, n: number, spacing: TimestepSpacing, stepsOffset = 0): number[] {
  if (!Number.isInteger(T) || T < 1)
    throw new DiffProbeError('internal', `invalid schedule length ${quote(T)}`);
  if (!Number.isInteger(n) || n < 1 || n > T)
    throw new DiffProbeError(
      'sampler-options',
      `steps ${quote(n)}: expected an integer from 1 to the schedule's ${T} timesteps`,
      { field: 'steps', value: n, T },
    );
  let ts: number[];
  switch (spacing) {
    case 'linspace': {
      // np.linspace(0, T−1, n): i·step, the last value set to T−1 exactly; n = 1 gives [0].
      const step = (T - 1) / (n - 1);
      ts = Array.from({ length: n }, (_, i) => (n === 1 ? 0 : i === n - 1 ? T - 1 : i * step));
      ts = ts.map(roundHalfEven).reverse();
      break;
    }
    case 'leading': {
      const ratio = Math.floor(T / n);
      ts = Array.from({ length: n }, (_, i) => i * ratio + stepsOffset).reverse();
      break;
    }
    case 'trailing':
      // arange's length ⌈T/(T/n)⌉ comes out n + 1 for some n (T = 1000: 61, 103, 121, …), the
      // extra timestep being −1, which diffusers then reads as ᾱ[−1], the noisiest; keep the n intended.
      ts = numpyArange(T, 0, -T / n)
        .slice(0, n)
        .map((v) => roundHalfEven(v) - 1);
      break;
    default:
      throw new DiffProbeError('sampler-options', `unknown timestep spacing ${quote(spacing)}`, {
        field: 'spacing',
        value: spacing,
      });
  }
  checkTimesteps(ts, T, n, spacing, stepsOffset);
  return ts;
}

/** diffusers would index ᾱ out of range (or repeat a timestep) here; we say so instead. */
function checkTimesteps(ts: number[], T: number, n: number, spacing: TimestepSpacing, offset: number): void {
  const bad = ts.find((t, i) => !(t >= 0 && t < T) || (i > 0 && t >= ts[i - 1]));
  if (bad === undefined && ts.length === n) return;
  const why =
    spacing === 'leading' && offset !== 0
      ? `steps offset ${quote(offset)} moves the noisiest of ${n} leading timesteps to ${ts[0]}, past T − 1 = ${T - 1}`
      : `${n} ${spacing} timesteps on T = ${T} give ${quote(bad ?? ts.length)}`;
  throw new DiffProbeError('sampler-options', why, {
    field: spacing === 'leading' && offset !== 0 ? 'stepsOffset' : 'steps',
    value: spacing === 'leading' && offset !== 0 ? offset : n,
    T,
  });
}
