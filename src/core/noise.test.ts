import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PredictionType } from './manifest/types';
import {
  ddimStep,
  ddimTimesteps,
  interpretPrediction,
  noiseImage,
  predictionTarget,
  predictX0,
} from './noise';
import { createRng, gaussian } from './rng';

const TYPES: readonly PredictionType[] = ['epsilon', 'sample', 'v_prediction'];

/** Reference values from tools/model/make_schedule_fixtures.py (torch float64, diffusers' formulas). */
interface PredictionFixture {
  xt: number[];
  output: number[];
  x0: number[];
  eps: number[];
  z: number[];
  cases: {
    alphaBar: number;
    alphaBarPrev: number;
    types: Record<
      PredictionType,
      { x0: number[]; eps: number[]; ddimEta0: number[]; ddimEta1: number[]; target: number[] }
    >;
  }[];
}
const ref: PredictionFixture = JSON.parse(
  readFileSync(new URL('../../tools/model/fixtures/core/prediction.json', import.meta.url), 'utf8'),
);

/**
 * Largest error of a float32 result against a float64 reference, in units of "one float32
 * rounding": |a − b| / (2⁻²⁴·|b| + 1e-12). ≤ 1 means correctly rounded up to float64 noise (the
 * 1e-12 absorbs the float64 rounding of the reference where terms cancel to near zero).
 */
function maxRoundings(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++)
    m = Math.max(m, Math.abs(a[i] - b[i]) / (2 ** -24 * Math.abs(b[i]) + 1e-12));
  return m;
}

const x0 = new Float32Array([-1, -0.5, 0, 0.25, 1]);
const eps = new Float32Array([0.3, -1.2, 2, 0, -0.7]);

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol);
}

describe('noiseImage', () => {
  it('computes √ᾱ·x0 + √(1−ᾱ)·ε', () => {
    const xt = noiseImage(x0, eps, 0.36);
    // √0.36 = 0.6, √0.64 = 0.8
    expectClose(xt, [-0.6 + 0.24, -0.3 - 0.96, 1.6, 0.15, 0.6 - 0.56], 1e-7);
  });

  it('ᾱ = 1 returns x0 exactly', () => {
    expect(Array.from(noiseImage(x0, eps, 1))).toEqual(Array.from(x0));
  });

  it('rejects mismatched lengths and ᾱ outside (0, 1]', () => {
    expect(() => noiseImage(x0, eps.subarray(1), 0.5)).toThrow(/lengths differ/);
    expect(() => noiseImage(x0, eps, 0)).toThrow(/alphaBar 0/);
    expect(() => noiseImage(x0, eps, Number.NaN)).toThrow(/NaN/);
  });
});

describe('predictX0', () => {
  it('inverts noiseImage when ε̂ = ε', () => {
    for (const a of [0.9999, 0.5, 0.01]) {
      expectClose(predictX0(noiseImage(x0, eps, a), eps, a), x0, 1e-5);
    }
  });
});

describe('ddimStep', () => {
  it('η = 0 with the true ε lands exactly on q(x_prev | x0)', () => {
    const xt = noiseImage(x0, eps, 0.2);
    expectClose(ddimStep(xt, eps, 0.2, 0.7, 0), noiseImage(x0, eps, 0.7), 1e-6);
  });

  it('the last step (ᾱ_prev = 1) returns x̂0', () => {
    const xt = noiseImage(x0, eps, 0.4);
    expectClose(ddimStep(xt, eps, 0.4, 1, 0), x0, 1e-6);
  });

  it('η > 0 adds σ·z and shrinks the direction term', () => {
    const abarT = 0.3;
    const abarPrev = 0.6;
    const xt = noiseImage(x0, eps, abarT);
    const z = new Float32Array([1, -1, 0.5, 2, 0]);
    const out = ddimStep(xt, eps, abarT, abarPrev, 1, () => z);
    const sigma = Math.sqrt((1 - abarPrev) / (1 - abarT)) * Math.sqrt(1 - abarT / abarPrev);
    const dir = Math.sqrt(1 - abarPrev - sigma * sigma);
    const expected = Array.from(x0, (v, i) => Math.sqrt(abarPrev) * v + dir * eps[i] + sigma * z[i]);
    expectClose(out, expected, 1e-6);
  });

  it('η > 0 is reproducible with a seeded generator and needs one', () => {
    const xt = noiseImage(x0, eps, 0.3);
    const run = () => {
      const rng = createRng(3);
      return Array.from(ddimStep(xt, eps, 0.3, 0.6, 0.5, (n) => gaussian(rng, n)));
    };
    expect(run()).toEqual(run());
    expect(() => ddimStep(xt, eps, 0.3, 0.6, 0.5)).toThrow(/needs rngGaussian/);
  });
});

describe('prediction types vs torch float64 (diffusers DDIMScheduler formulas)', () => {
  const xt = Float32Array.from(ref.xt);
  const out = Float32Array.from(ref.output);
  const z = Float32Array.from(ref.z);
  const cases = ref.cases.flatMap((c) => TYPES.map((type) => [type, c.alphaBar, c] as const));

  it.each(cases)('%s at ᾱ = %s: x̂0, ε̂, DDIM (η = 0 and 1), target', (type, abar, c) => {
    const r = c.types[type];
    const { x0, eps } = interpretPrediction(type, xt, out, abar);
    const eta0 = ddimStep(xt, out, abar, c.alphaBarPrev, 0, undefined, type);
    const eta1 = ddimStep(xt, out, abar, c.alphaBarPrev, 1, () => z, type);
    const target = predictionTarget(type, Float32Array.from(ref.x0), Float32Array.from(ref.eps), abar);
    const errs = {
      x0: maxRoundings(x0, r.x0),
      eps: maxRoundings(eps, r.eps),
      ddimEta0: maxRoundings(eta0, r.ddimEta0),
      ddimEta1: maxRoundings(eta1, r.ddimEta1),
      target: maxRoundings(target, r.target),
    };
    console.info(`${type} ᾱ=${abar}: max error in float32 roundings ${JSON.stringify(errs)}`);
    for (const e of Object.values(errs)) expect(e).toBeLessThanOrEqual(1);
  });

  it('epsilon: x̂0 is bit-identical to predictX0 and ε̂ is the output itself', () => {
    for (const c of ref.cases) {
      const { x0, eps } = interpretPrediction('epsilon', xt, out, c.alphaBar);
      expect(Array.from(x0)).toEqual(Array.from(predictX0(xt, out, c.alphaBar)));
      expect(eps).toBe(out);
    }
  });

  it('ddimStep defaults to epsilon, bit-identically', () => {
    const a = ddimStep(xt, out, 0.3, 0.6, 0.5, () => z);
    const b = ddimStep(xt, out, 0.3, 0.6, 0.5, () => z, 'epsilon');
    expect(Array.from(a)).toEqual(Array.from(b));
    // and the types really differ
    expect(Array.from(ddimStep(xt, out, 0.3, 0.6, 0, undefined, 'v_prediction'))).not.toEqual(Array.from(a));
  });
});

describe('prediction types: round trip', () => {
  it.each(TYPES)('%s: the ideal output of x_t recovers x0 and ε', (type) => {
    for (const a of [0.9999, 0.5, 0.01, 4e-5]) {
      const xt = noiseImage(x0, eps, a);
      const { x0: x0Hat, eps: epsHat } = interpretPrediction(type, xt, predictionTarget(type, x0, eps, a), a);
      // x_t carries √ᾱ·x0 rounded to float32: recovering x0 divides that rounding by √ᾱ (and ε
      // by √(1−ᾱ)), so the error bound scales with 1/√ᾱ at the noisy end and 1/√(1−ᾱ) at the clean end.
      expectClose(x0Hat, x0, 3e-7 / Math.sqrt(a) + 1e-6);
      expectClose(epsHat, eps, 3e-7 / Math.sqrt(1 - a) + 1e-6);
    }
  });

  it.each(TYPES)('%s: DDIM η = 0 with the ideal output lands on q(x_prev | x0, ε)', (type) => {
    const xt = noiseImage(x0, eps, 0.2);
    const ideal = predictionTarget(type, x0, eps, 0.2);
    expectClose(ddimStep(xt, ideal, 0.2, 0.7, 0, undefined, type), noiseImage(x0, eps, 0.7), 2e-6);
    expectClose(ddimStep(xt, ideal, 0.2, 1, 0, undefined, type), x0, 2e-6);
  });

  it('v = √ᾱ·ε − √(1−ᾱ)·x0; sample returns x0; epsilon returns ε (copies)', () => {
    const v = predictionTarget('v_prediction', x0, eps, 0.36);
    expectClose(
      v,
      Array.from(x0, (x, i) => 0.6 * eps[i] - 0.8 * x),
      1e-7,
    );
    const s = predictionTarget('sample', x0, eps, 0.36);
    expect(Array.from(s)).toEqual(Array.from(x0));
    expect(s).not.toBe(x0);
    expect(Array.from(predictionTarget('epsilon', x0, eps, 0.36))).toEqual(Array.from(eps));
  });

  it('sample at ᾱ = 1: x̂0 = output, ε̂ = 0 (not NaN), DDIM returns x̂0', () => {
    const { x0: x0Hat, eps: epsHat } = interpretPrediction('sample', x0, x0, 1);
    expect(x0Hat).toBe(x0);
    expect(Array.from(epsHat)).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(ddimStep(x0, x0, 1, 1, 0, undefined, 'sample'))).toEqual(Array.from(x0));
  });

  it('rejects unknown types, mismatched lengths and bad ᾱ', () => {
    // @ts-expect-error: not a prediction type
    expect(() => interpretPrediction('v', x0, eps, 0.5)).toThrow(/unknown prediction type "v"/);
    // @ts-expect-error: not a prediction type
    expect(() => ddimStep(x0, eps, 0.5, 0.6, 0, undefined, 'x0')).toThrow(/unknown prediction type/);
    expect(() => interpretPrediction('sample', x0, eps.subarray(1), 0.5)).toThrow(/lengths differ/);
    expect(() => predictionTarget('v_prediction', x0, eps, 0)).toThrow(/alphaBar 0/);
  });
});

describe('ddimTimesteps', () => {
  it('is evenly spaced, descending, from T−1 to 0', () => {
    expect(ddimTimesteps(1000, 5)).toEqual([999, 749, 500, 250, 0]);
    const all = ddimTimesteps(1000, 1000);
    expect(all.length).toBe(1000);
    expect(all[0]).toBe(999);
    expect(all[999]).toBe(0);
  });

  it('caps at T steps and keeps strictly descending integers', () => {
    const ts = ddimTimesteps(10, 50);
    expect(ts).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    const ts50 = ddimTimesteps(1000, 50);
    for (let i = 1; i < ts50.length; i++) expect(ts50[i]).toBeLessThan(ts50[i - 1]);
    expect(ts50.at(-1)).toBe(0);
  });

  it('one step starts from the noisiest timestep; bad input throws', () => {
    expect(ddimTimesteps(1000, 1)).toEqual([999]);
    expect(ddimTimesteps(1, 3)).toEqual([0]);
    expect(() => ddimTimesteps(1000, 0)).toThrow(/numSteps 0/);
  });
});
