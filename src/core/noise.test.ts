import { describe, expect, it } from 'vitest';
import { ddimStep, ddimTimesteps, noiseImage, predictX0 } from './noise';
import { createRng, gaussian } from './rng';

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
