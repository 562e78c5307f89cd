import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectClose, maxRoundings } from '../testing/close';
import type { PredictionType } from './manifest/types';
import { interpretPrediction, noiseImage, predictionTarget, predictX0 } from './noise';

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

const x0 = new Float32Array([-1, -0.5, 0, 0.25, 1]);
const eps = new Float32Array([0.3, -1.2, 2, 0, -0.7]);

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

describe('prediction types vs torch float64 (diffusers DDIMScheduler formulas)', () => {
  const xt = Float32Array.from(ref.xt);
  const out = Float32Array.from(ref.output);
  const cases = ref.cases.flatMap((c) => TYPES.map((type) => [type, c.alphaBar, c] as const));

  it.each(cases)('%s at ᾱ = %s: x̂0, ε̂, target (DDIM: core/sampler/step.test.ts)', (type, abar, c) => {
    const r = c.types[type];
    const { x0, eps } = interpretPrediction(type, xt, out, abar);
    const target = predictionTarget(type, Float32Array.from(ref.x0), Float32Array.from(ref.eps), abar);
    const errs = {
      x0: maxRoundings(x0, r.x0),
      eps: maxRoundings(eps, r.eps),
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

  it('sample at ᾱ = 1: x̂0 = output, ε̂ = 0 (not NaN)', () => {
    const { x0: x0Hat, eps: epsHat } = interpretPrediction('sample', x0, x0, 1);
    expect(x0Hat).toBe(x0);
    expect(Array.from(epsHat)).toEqual([0, 0, 0, 0, 0]);
  });

  it('rejects unknown types, mismatched lengths and bad ᾱ', () => {
    // @ts-expect-error: not a prediction type
    expect(() => interpretPrediction('v', x0, eps, 0.5)).toThrow(/unknown prediction type "v"/);
    expect(() => interpretPrediction('sample', x0, eps.subarray(1), 0.5)).toThrow(/lengths differ/);
    expect(() => predictionTarget('v_prediction', x0, eps, 0)).toThrow(/alphaBar 0/);
  });
});
