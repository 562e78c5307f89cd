import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose, maxRoundings } from '../../testing/close';
import type { PredictionType } from '../manifest/types';
import { noiseImage, predictionTarget } from '../noise';
import { type StepSettings, samplerStep, stepNeedsNoise } from './step';

const TYPES: readonly PredictionType[] = ['epsilon', 'sample', 'v_prediction'];
const none = { kind: 'none', range: [-1, 1] } as const;

function settings(over: Partial<StepSettings> = {}): StepSettings {
  return {
    method: 'ddim',
    type: 'epsilon',
    process: none,
    eta: 0,
    epsFromX0: false,
    variance: 'small',
    ...over,
  };
}

/** One image through one DDIM step. */
function ddim(
  xt: Float32Array,
  out: Float32Array,
  abarT: number,
  abarPrev: number,
  eta = 0,
  z?: Float32Array,
  type: PredictionType = 'epsilon',
): Float32Array {
  return samplerStep(
    { xt, output: out, count: 1, abarT, abarPrev, last: abarPrev === 1, noise: z },
    settings({ eta, type }),
  ).x;
}

const x0 = new Float32Array([-1, -0.5, 0, 0.25, 1]);
const eps = new Float32Array([0.3, -1.2, 2, 0, -0.7]);

describe('DDIM step', () => {
  it('η = 0 with the true ε lands exactly on q(x_prev | x0); the last step returns x̂0', () => {
    expectClose(ddim(noiseImage(x0, eps, 0.2), eps, 0.2, 0.7), noiseImage(x0, eps, 0.7), 1e-6);
    expectClose(ddim(noiseImage(x0, eps, 0.4), eps, 0.4, 1), x0, 1e-6);
  });

  it('η > 0 adds σ·z and shrinks the direction term', () => {
    const [abarT, abarPrev] = [0.3, 0.6];
    const z = new Float32Array([1, -1, 0.5, 2, 0]);
    const out = ddim(noiseImage(x0, eps, abarT), eps, abarT, abarPrev, 1, z);
    const sigma = Math.sqrt((1 - abarPrev) / (1 - abarT)) * Math.sqrt(1 - abarT / abarPrev);
    const dir = Math.sqrt(1 - abarPrev - sigma * sigma);
    expectClose(
      out,
      Array.from(x0, (v, i) => Math.sqrt(abarPrev) * v + dir * eps[i] + sigma * z[i]),
      1e-6,
    );
    expect(() => ddim(noiseImage(x0, eps, abarT), eps, abarT, abarPrev, 1)).toThrow(/needs noise/);
  });

  it.each(TYPES)('%s: η = 0 with the ideal output lands on q(x_prev | x0, ε)', (type) => {
    const xt = noiseImage(x0, eps, 0.2);
    const ideal = predictionTarget(type, x0, eps, 0.2);
    expectClose(ddim(xt, ideal, 0.2, 0.7, 0, undefined, type), noiseImage(x0, eps, 0.7), 2e-6);
    expectClose(ddim(xt, ideal, 0.2, 1, 0, undefined, type), x0, 2e-6);
  });

  it('sample at ᾱ = 1 returns x̂0 (ε̂ taken as 0, not NaN)', () => {
    expect(Array.from(ddim(x0, x0, 1, 1, 0, undefined, 'sample'))).toEqual(Array.from(x0));
  });
});

/** tools/model/make_schedule_fixtures.py: torch float64 with diffusers' DDIMScheduler formulas. */
const ref = JSON.parse(
  readFileSync(new URL('../../../tools/model/fixtures/core/prediction.json', import.meta.url), 'utf8'),
) as {
  xt: number[];
  output: number[];
  z: number[];
  cases: {
    alphaBar: number;
    alphaBarPrev: number;
    types: Record<PredictionType, { ddimEta0: number[]; ddimEta1: number[] }>;
  }[];
};

describe('DDIM step vs torch float64 (diffusers DDIMScheduler.step, no clipping)', () => {
  const xt = Float32Array.from(ref.xt);
  const out = Float32Array.from(ref.output);
  const z = Float32Array.from(ref.z);
  it.each(ref.cases.flatMap((c) => TYPES.map((type) => [type, c.alphaBar, c] as const)))(
    '%s at ᾱ = %s: η = 0 and 1 correctly rounded',
    (type, abar, c) => {
      const eta0 = ddim(xt, out, abar, c.alphaBarPrev, 0, undefined, type);
      const eta1 = ddim(xt, out, abar, c.alphaBarPrev, 1, z, type);
      expect(maxRoundings(eta0, c.types[type].ddimEta0)).toBeLessThanOrEqual(1);
      expect(maxRoundings(eta1, c.types[type].ddimEta1)).toBeLessThanOrEqual(1);
    },
  );
});

describe('x̂0 processing inside a step', () => {
  // Two images of 4 values: the first's x̂0 leaves [−1, 1], the second's does not.
  const xt = new Float32Array([3, -2, 0.5, 0.1, 0.2, -0.2, 0.4, 0]);
  const out = new Float32Array(8); // ε̂ = 0 and ᾱ = 0.25: x̂0 = 2·x_t
  it('clip clips per value, reports the raw extremes and what left the range', () => {
    const r = samplerStep(
      { xt, output: out, count: 2, abarT: 0.25, abarPrev: 1, last: true },
      settings({ process: { kind: 'clip', range: [-1, 1] } }),
    );
    expect(Array.from(r.x0)).toEqual(Array.from(new Float32Array([1, -1, 1, 0.2, 0.4, -0.4, 0.8, 0])));
    expect(r.stats).toEqual({ min: -4, max: 6, outside: 2, processed: true });
    // The last step to ᾱ = 1 returns the clipped x̂0.
    expect(Array.from(r.x)).toEqual(Array.from(r.x0));
  });

  it('epsFromX0 re-derives ε̂ from the clipped x̂0 (guided-diffusion), which keeps x_prev on its line', () => {
    const s = settings({ process: { kind: 'clip', range: [-1, 1] } });
    const step = (epsFromX0: boolean) =>
      samplerStep({ xt, output: out, count: 2, abarT: 0.25, abarPrev: 0.5, last: false }, { ...s, epsFromX0 })
        .x;
    const model = step(false);
    const derived = step(true);
    // Model's ε̂ = 0: x_prev = √0.5·clip(x̂0). Re-derived: ε̂ = (x_t − 0.5·x̂0)/√0.75.
    expect(model[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(derived[0]).toBeCloseTo(Math.SQRT1_2 + Math.sqrt(0.5) * ((3 - 0.5) / Math.sqrt(0.75)), 5);
    // Where nothing was clipped the two agree.
    expectClose(model.subarray(4), derived.subarray(4), 1e-6);
  });
});

describe('DDPM step', () => {
  const abarT = 0.3;
  const abarPrev = 0.5;
  const beta = 1 - abarT / abarPrev;
  const betaTilde = ((1 - abarPrev) / (1 - abarT)) * beta;
  const xt = noiseImage(x0, eps, abarT);
  const z = new Float32Array([1, -1, 0.5, 2, 0]);
  const ddpm = (over: Partial<StepSettings>, last = false, varianceValues?: Float32Array) =>
    samplerStep(
      { xt, output: eps, count: 1, abarT, abarPrev, last, noise: last ? undefined : z, varianceValues },
      settings({ method: 'ddpm', ...over }),
    ).x;
  const mean = Array.from(
    x0,
    (v, i) =>
      ((Math.sqrt(abarPrev) * beta) / (1 - abarT)) * v +
      ((Math.sqrt(abarT / abarPrev) * (1 - abarPrev)) / (1 - abarT)) * xt[i],
  );

  it('the posterior mean with σ² = β̃ (small) or β (large); no noise at the last step', () => {
    expectClose(
      ddpm({ variance: 'small' }),
      mean.map((m, i) => m + Math.sqrt(betaTilde) * z[i]),
      2e-6,
    );
    expectClose(
      ddpm({ variance: 'large' }),
      mean.map((m, i) => m + Math.sqrt(beta) * z[i]),
      2e-6,
    );
    expectClose(ddpm({}, true), mean, 2e-6);
  });

  it('with the true x0 the mean is q(x_prev | x_t, x0)’s', () => {
    // q's mean of x_prev given x_t = √ᾱ x0 + √(1−ᾱ) ε (DDPM eq. 7) equals √ᾱ_p x0 + √(1−ᾱ_p − β̃) ε.
    const want = Array.from(
      x0,
      (v, i) => Math.sqrt(abarPrev) * v + Math.sqrt(1 - abarPrev - betaTilde) * eps[i],
    );
    expectClose(ddpm({}, true), want, 2e-6);
  });

  it('learned_range interpolates log β̃ (v = −1) … log β (v = 1); learned takes log σ²', () => {
    const v = (x: number) => new Float32Array(5).fill(x);
    const at = (learned: 'learned' | 'learned_range', values: Float32Array) =>
      ddpm({ learned }, false, values);
    expectClose(at('learned_range', v(-1)), ddpm({ variance: 'small' }), 1e-6);
    expectClose(at('learned_range', v(1)), ddpm({ variance: 'large' }), 1e-6);
    const half = Math.exp(0.25 * Math.log(beta) + 0.25 * Math.log(betaTilde));
    expectClose(
      at('learned_range', v(0)),
      mean.map((m, i) => m + half * z[i]),
      2e-6,
    );
    expectClose(
      at('learned', v(Math.log(0.01))),
      mean.map((m, i) => m + 0.1 * z[i]),
      2e-6,
    );
    expect(() => ddpm({ learned: 'learned' })).toThrow(/needs its variance values/);
  });

  it('draws noise before the last step only; DDIM only when σ > 0', () => {
    const s = settings({ method: 'ddpm' });
    expect(stepNeedsNoise(s, 0.3, 0.5, false)).toBe(true);
    expect(stepNeedsNoise(s, 0.3, 1, true)).toBe(false);
    expect(stepNeedsNoise(settings({ eta: 0 }), 0.3, 0.5, false)).toBe(false);
    expect(stepNeedsNoise(settings({ eta: 0.5 }), 0.3, 0.5, false)).toBe(true);
    expect(stepNeedsNoise(settings({ eta: 1 }), 0.3, 1, true)).toBe(false);
    // DDIM to ᾱ_0 instead of 1 (set_alpha_to_one off) has σ > 0 at its last step, as in diffusers.
    expect(stepNeedsNoise(settings({ eta: 1 }), 0.3, 0.9999, true)).toBe(true);
  });
});
