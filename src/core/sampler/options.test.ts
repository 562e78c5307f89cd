import { describe, expect, it } from 'vitest';
import { isDiffProbeError } from '../errors';
import {
  checkSamplerOptions,
  DEFAULT_SAMPLER_OPTIONS,
  type SamplerOptions,
  samplerProblems,
} from './options';

const o = (patch: Partial<SamplerOptions>): SamplerOptions => ({ ...DEFAULT_SAMPLER_OPTIONS, ...patch });
const messages = (patch: Partial<SamplerOptions>, T = 1000) =>
  samplerProblems(o(patch), T).map((p) => `${p.field}: ${p.message}`);

describe('samplerProblems', () => {
  it('the defaults are the references’ and run', () => {
    expect(DEFAULT_SAMPLER_OPTIONS).toMatchObject({
      method: 'ddim',
      x0: 'clip',
      eta: 0,
      setAlphaToOne: true,
    });
    expect(samplerProblems(DEFAULT_SAMPLER_OPTIONS, 1000)).toEqual([]);
    expect(samplerProblems(o({ method: 'ddpm', steps: 1000 }), 1000)).toEqual([]);
  });

  it('names each bad input with its value', () => {
    expect(messages({ steps: 1001 })).toEqual([
      "steps: steps 1001: the model's schedule has only 1000 timesteps, so at most 1000 steps",
    ]);
    expect(messages({ steps: 0 })).toEqual(['steps: steps 0: the sampler needs at least 1 step']);
    expect(messages({ steps: Number.NaN })).toEqual(['steps: steps: enter a whole number of steps']);
    expect(messages({ steps: 2.5 })).toEqual(['steps: steps 2.5: expected a whole number']);
    expect(messages({ eta: -0.5 })).toEqual(['eta: η -0.5: η cannot be negative (0 is deterministic DDIM)']);
    expect(messages({ eta: 1.5 })).toEqual([
      "eta: η 1.5: above 1 the DDIM noise exceeds the step's variance; use 0 … 1",
    ]);
    expect(messages({ x0: 'threshold', percentile: 0 })).toEqual([
      'percentile: percentile 0: expected a number in (0, 100]',
    ]);
    expect(messages({ x0: 'threshold', percentile: 101 })).toEqual([
      'percentile: percentile 101: expected a number in (0, 100]',
    ]);
    expect(messages({ x0: 'threshold', percentile: 100 })).toEqual([]);
    expect(messages({ x0: 'threshold', maxThreshold: 0.5 })).toEqual([
      'maxThreshold: threshold cap 0.5: expected a number ≥ 1 (1 is plain clipping)',
    ]);
    expect(messages({ spacing: 'leading', steps: 50, stepsOffset: 30 })).toEqual([
      'stepsOffset: steps offset 30 moves the noisiest of 50 leading timesteps to 1010, past the last timestep 999',
    ]);
  });

  it('checks only what the method uses; checkSamplerOptions throws them all', () => {
    expect(messages({ method: 'ddpm', eta: -1 })).toEqual([]);
    expect(messages({ x0: 'clip', percentile: -3 })).toEqual([]);
    let error: unknown;
    try {
      checkSamplerOptions(o({ steps: 0, eta: -1 }), 1000);
    } catch (e) {
      error = e;
    }
    expect(isDiffProbeError(error, 'sampler-options')).toBe(true);
    expect((error as Error).message).toBe(
      'steps 0: the sampler needs at least 1 step; η -1: η cannot be negative (0 is deterministic DDIM)',
    );
  });
});
