import { describe, expect, it, vi } from 'vitest';
import { isDiffProbeError } from '../../core/errors';
import type { PredictionType } from '../../core/manifest/types';
import { predictionTarget } from '../../core/noise';
import { DEFAULT_SAMPLER_OPTIONS, type SamplerOptions } from '../../core/sampler/options';
import { scheduleFromManifest } from '../../core/schedule';
import type { UNetSession } from '../../engine/unet-session';
import type { JobContext } from '../context';
import type { LoadedModel } from '../model-state';
import { generate } from './generate';

/** The model `generate` finds loaded (run-model's requireModel, which would pull in the loader). */
let loaded: LoadedModel;
vi.mock('./run-model', () => ({
  requireModel: () => loaded,
  withRecovery: (_: LoadedModel, fn: () => Promise<unknown>) => fn(),
}));

const abar = scheduleFromManifest({
  type: 'linear',
  betaStart: 1e-4,
  betaEnd: 0.02,
  steps: 1000,
}).alphasCumprod;
const pixels = 4;
/** The one image the oracle model "knows": every sample should land on it. */
const target = new Float32Array([0.5, -0.25, 0.75, -1]);

/**
 * A perfect denoiser for a data set of one image: at (x_t, t) the noise is
 * ε = (x_t − √ᾱ·x0)/√(1−ᾱ), and the model outputs ε, x0 or v for it, as `type` says.
 */
function oracleModel(type: PredictionType, nanAt?: number, variance?: 'learned_range'): LoadedModel {
  const unet = {
    manifest: {
      input: { name: 'x', channels: 1, height: 2, width: 2, range: [-1, 1] },
      prediction: { type, output: 'out', ...(variance && { variance }) },
    },
    async run(xt: Float32Array, count: number, t: ArrayLike<number>, outputs: string[]) {
      expect(outputs).toEqual(variance ? ['eps', 'variance'] : ['eps']);
      const a = abar[t[0]];
      const x0 = new Float32Array(count * pixels);
      for (let i = 0; i < x0.length; i++) x0[i] = target[i % pixels];
      const eps = Float32Array.from(xt, (x, i) => (x - Math.sqrt(a) * x0[i]) / Math.sqrt(1 - a));
      const data = predictionTarget(type, x0, eps, a);
      if (t[0] === nanAt) data[1] = Number.NaN;
      const dims = [count, 1, 2, 2];
      // learned_range −1: σ² = β̃, the posterior's own variance.
      return {
        eps: { data, dims },
        ...(variance && { variance: { data: new Float32Array(data.length).fill(-1), dims } }),
      };
    },
  } as unknown as UNetSession;
  return { unet, alphasCumprod: abar } as unknown as LoadedModel;
}

function context(partials: { x0Pred: Float32Array }[]): JobContext {
  return {
    id: 1,
    signal: new AbortController().signal,
    progress() {},
    partial: (p) => partials.push(p as { x0Pred: Float32Array }),
    checkpoint: async () => {},
    stopRequested: async () => false,
  };
}

const options = (o: Partial<SamplerOptions>): SamplerOptions => ({
  ...DEFAULT_SAMPLER_OPTIONS,
  steps: 10,
  ...o,
});

describe('generate: DDIM and DDPM per prediction.type', () => {
  it.each(['epsilon', 'sample', 'v_prediction'] as const)(
    '%s: an exact model samples its one image, and x̂0 is that image at every step',
    async (type) => {
      for (const o of [{ eta: 0 }, { eta: 1 }, { method: 'ddpm', x0: 'none' }] as const) {
        loaded = oracleModel(type);
        const partials: { x0Pred: Float32Array }[] = [];
        const { images, count } = await generate(
          { count: 3, seed: 5, options: options(o) },
          context(partials),
        );
        expect(count).toBe(3);
        expect(partials).toHaveLength(10);
        const expectNear = (a: Float32Array, tol: number) => {
          for (let i = 0; i < a.length; i++)
            expect(Math.abs(a[i] - target[i % pixels])).toBeLessThanOrEqual(tol);
        };
        // x̂0 divides float32 rounding of x_t by √ᾱ (≈ 0.0064 at t = 999).
        for (const p of partials) expectNear(p.x0Pred, 1e-4);
        expectNear(images, 1e-5);
      }
    },
  );
});

describe('generate: a learned-σ model', () => {
  it("DDPM reads the engine's variance values (learned_range −1 is σ² = β̃) and samples the one image", async () => {
    loaded = oracleModel('epsilon', undefined, 'learned_range');
    const { images } = await generate(
      { count: 2, seed: 3, options: options({ method: 'ddpm', steps: 20 }) },
      context([]),
    );
    for (let i = 0; i < images.length; i++)
      expect(Math.abs(images[i] - target[i % pixels])).toBeLessThanOrEqual(1e-5);
  });
});

describe('generate: bad input', () => {
  it('a NaN prediction names the step and t; the steps before were streamed', async () => {
    loaded = oracleModel('epsilon', 444);
    const partials: { x0Pred: Float32Array }[] = [];
    const run = generate({ count: 2, seed: 1, options: options({}) }, context(partials));
    const error = await run.catch((e: unknown) => e);
    expect(isDiffProbeError(error, 'model-nonfinite')).toBe(true);
    // linspace, 10 steps on 1000: 999, 888, 777, 666, 555, 444 (the 6th)
    expect((error as Error).message).toBe(
      "the model's prediction is NaN at step 6 of 10 (t = 444); the x̂₀ of step 5 stays in the gallery",
    );
    expect(partials).toHaveLength(5);
  });

  it('steps > T, steps = 0, η < 0 and a percentile outside (0, 100] are refused before any step', async () => {
    loaded = oracleModel('epsilon');
    const cases: [Partial<SamplerOptions>, RegExp][] = [
      [{ steps: 1001 }, /steps 1001: the model's schedule has only 1000 timesteps, so at most 1000 steps/],
      [{ steps: 0 }, /steps 0: the sampler needs at least 1 step/],
      [{ eta: -0.1 }, /η -0.1: η cannot be negative/],
      [{ x0: 'threshold', percentile: 0 }, /percentile 0: expected a number in \(0, 100\]/],
      [{ x0: 'threshold', percentile: 100.5 }, /percentile 100.5/],
    ];
    for (const [o, message] of cases) {
      const partials: { x0Pred: Float32Array }[] = [];
      const error = await generate({ count: 1, seed: 1, options: options(o) }, context(partials)).catch(
        (e: unknown) => e,
      );
      expect(isDiffProbeError(error, 'sampler-options')).toBe(true);
      expect((error as Error).message).toMatch(message);
      expect(partials).toHaveLength(0);
    }
  });
});
