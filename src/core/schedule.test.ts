import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ManifestSchedule } from './manifest/types';
import {
  alphaBar,
  alphasCumprod,
  cosineBetas,
  linearBetas,
  presetSchedule,
  SCHEDULE_PRESETS,
  scaledLinearBetas,
  scheduleFromManifest,
  scheduleSteps,
  toTimestep,
} from './schedule';

interface LinearFixture {
  betaStart: number;
  betaEnd: number;
  steps: number;
  betas: number[];
  alphasCumprod: number[];
}

const fixture: Record<'default' | 'small', LinearFixture> = JSON.parse(
  readFileSync(new URL('../../tools/model/fixtures/core/schedule.json', import.meta.url), 'utf8'),
);

/** Reference cases from tools/model/make_schedule_fixtures.py (torch / NumPy float64). */
interface RefCase {
  name: string;
  steps: number;
  betas?: number[];
  alphasCumprod: number[];
  /** What diffusers computes (float32 betas and cumprod), for the size of the float32 difference. */
  diffusersFloat32AlphasCumprod?: number[];
}
const refs: {
  scaledLinear: (RefCase & { betaStart: number; betaEnd: number })[];
  cosine: (RefCase & { s: number })[];
} = JSON.parse(
  readFileSync(new URL('../../tools/model/fixtures/core/schedules.json', import.meta.url), 'utf8'),
);

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.abs(b[i]));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('linear schedule vs torch float64', () => {
  it.each(Object.entries(fixture))('%s: betas and alphas_cumprod', (name, f) => {
    const betas = linearBetas(f.betaStart, f.betaEnd, f.steps);
    const abar = alphasCumprod(betas);
    const db = maxAbsDiff(betas, f.betas);
    const da = maxAbsDiff(abar, f.alphasCumprod);
    console.info(`schedule ${name}: max |Δβ| = ${db}, max |Δᾱ| = ${da}`);
    expect(db).toBeLessThanOrEqual(1e-17);
    expect(da).toBeLessThanOrEqual(1e-12);
    // torch's split fill makes both endpoints exact.
    expect(betas[0]).toBe(f.betaStart);
    expect(betas[f.steps - 1]).toBe(f.betaEnd);
  });

  it('steps = 1 gives just betaStart', () => {
    expect(Array.from(linearBetas(0.1, 0.2, 1))).toEqual([0.1]);
  });
});

describe('scaled_linear schedule vs torch float64', () => {
  it.each(refs.scaledLinear.map((r) => [r.name, r] as const))('%s', (name, r) => {
    const betas = scaledLinearBetas(r.betaStart, r.betaEnd, r.steps);
    const s = scheduleFromManifest({
      type: 'scaled_linear',
      betaStart: r.betaStart,
      betaEnd: r.betaEnd,
      steps: r.steps,
    });
    const rb = maxRelDiff(betas, r.betas!);
    const ra = maxRelDiff(s.alphasCumprod, r.alphasCumprod);
    console.info(`scaled_linear ${name}: max rel Δβ = ${rb}, max rel Δᾱ = ${ra}`);
    expect(s.steps).toBe(r.steps);
    expect(rb).toBeLessThanOrEqual(1e-12);
    expect(ra).toBeLessThanOrEqual(1e-12);
  });
});

describe('cosine schedule vs guided-diffusion (NumPy float64)', () => {
  it.each(refs.cosine.map((r) => [r.name, r] as const))('%s', (name, r) => {
    const schedule: ManifestSchedule =
      r.s === 0.008 ? { type: 'cosine', steps: r.steps } : { type: 'cosine', steps: r.steps, s: r.s };
    const s = scheduleFromManifest(schedule);
    const ra = maxRelDiff(s.alphasCumprod, r.alphasCumprod);
    const betas = cosineBetas(r.steps, r.s);
    const rb = r.betas ? maxRelDiff(betas, r.betas) : 0;
    const db = r.betas ? maxAbsDiff(betas, r.betas) : 0;
    console.info(`cosine ${name}: max |Δβ| = ${db} (rel ${rb}), max rel Δᾱ = ${ra}`);
    expect(s.steps).toBe(r.steps);
    // β = 1 − f(t2)/f(t1) with the ratio ≈ 1: an ulp of cos (Math.cos vs libm) moves the ratio by
    // ~1.1e-16, i.e. β by that much absolute but ~1e-12 relative for β_0 ≈ 4e-5. ᾱ = ∏(1 − β)
    // only sees the absolute error, and stays at double precision.
    expect(db).toBeLessThanOrEqual(1e-15);
    expect(ra).toBeLessThanOrEqual(1e-12);
  });

  it('caps β at 0.999 (the last step) and keeps ᾱ strictly decreasing and > 0', () => {
    const betas = cosineBetas(1000);
    expect(betas[999]).toBe(0.999);
    expect(betas.filter((b) => b === 0.999).length).toBe(1);
    const abar = alphasCumprod(betas);
    for (let i = 1; i < abar.length; i++) expect(abar[i]).toBeLessThan(abar[i - 1]);
    expect(abar[999]).toBeGreaterThan(0);
  });

  it('the default s is 0.008 and a different s changes the schedule', () => {
    const byDefault = scheduleFromManifest({ type: 'cosine', steps: 50 }).alphasCumprod;
    expect(Array.from(byDefault)).toEqual(Array.from(alphasCumprod(cosineBetas(50, 0.008))));
    const other = scheduleFromManifest({ type: 'cosine', steps: 50, s: 0.02 }).alphasCumprod;
    expect(other[0]).not.toBe(byDefault[0]);
  });
});

describe('float64 vs diffusers float32 (documented, not a bug)', () => {
  // Measured: SD 8.1e-7 at every t; cosine 5.6e-7 up to t = 900 and 1.3e-5 over all t.
  it.each([
    ['scaled_linear stable-diffusion', refs.scaledLinear[0], 1000, 2e-6, 2e-6],
    ['cosine improved-ddpm-1000', refs.cosine[0], 901, 2e-6, 5e-5],
  ] as const)('%s', (name, r, n, bound, boundAll) => {
    const f32 = r.diffusersFloat32AlphasCumprod!;
    // Past t ≈ 900 the cosine β nears its 0.999 cap, and float32's 1 − β keeps few digits.
    const rel = maxRelDiff(r.alphasCumprod.slice(0, n), f32.slice(0, n));
    const relAll = maxRelDiff(r.alphasCumprod, f32);
    console.info(
      `${name}: diffusers float32 ᾱ vs float64, max rel diff ${rel} (t < ${n}), ${relAll} (all t)`,
    );
    expect(rel).toBeGreaterThan(0);
    expect(rel).toBeLessThanOrEqual(bound);
    expect(relAll).toBeLessThanOrEqual(boundAll);
  });
});

describe('scheduleFromManifest', () => {
  it('linear', () => {
    const s = scheduleFromManifest({ type: 'linear', betaStart: 1e-4, betaEnd: 0.02, steps: 1000 });
    expect(s.steps).toBe(1000);
    expect(maxAbsDiff(s.alphasCumprod, fixture.default.alphasCumprod)).toBeLessThanOrEqual(1e-12);
  });

  it('alphasCumprod is taken verbatim', () => {
    const s = scheduleFromManifest({ type: 'alphasCumprod', alphasCumprod: [0.9, 0.5, 0.1] });
    expect(s.steps).toBe(3);
    expect(Array.from(s.alphasCumprod)).toEqual([0.9, 0.5, 0.1]);
    expect(alphaBar(s, toTimestep(1, s.steps))).toBe(0.5);
  });
});

describe('scheduleSteps', () => {
  it('is steps, or the length of alphasCumprod', () => {
    expect(scheduleSteps({ type: 'cosine', steps: 4000 })).toBe(4000);
    expect(scheduleSteps({ type: 'scaled_linear', betaStart: 1e-3, betaEnd: 1e-2, steps: 7 })).toBe(7);
    expect(scheduleSteps({ type: 'alphasCumprod', alphasCumprod: [0.9, 0.5] })).toBe(2);
  });
});

describe('SCHEDULE_PRESETS / presetSchedule', () => {
  it('lists DDPM linear, improved-DDPM cosine and Stable Diffusion scaled_linear', () => {
    expect(SCHEDULE_PRESETS.map((p) => p.id)).toEqual(['linear', 'cosine', 'scaled_linear']);
    expect(presetSchedule('linear', 1000)).toEqual({
      type: 'linear',
      betaStart: 1e-4,
      betaEnd: 0.02,
      steps: 1000,
    });
    expect(presetSchedule('cosine', 4000)).toEqual({ type: 'cosine', steps: 4000 });
    expect(presetSchedule('scaled_linear', 10)).toEqual({
      type: 'scaled_linear',
      betaStart: 0.00085,
      betaEnd: 0.012,
      steps: 10,
    });
    for (const p of SCHEDULE_PRESETS) {
      expect(p.defaultSteps).toBe(1000);
      expect(scheduleSteps(p.make(p.defaultSteps))).toBe(1000);
    }
  });

  it('matches the reference schedules', () => {
    const sd = scheduleFromManifest(presetSchedule('scaled_linear', 1000)).alphasCumprod;
    expect(maxRelDiff(sd, refs.scaledLinear[0].alphasCumprod)).toBeLessThanOrEqual(1e-12);
    const cos = scheduleFromManifest(presetSchedule('cosine', 4000)).alphasCumprod;
    expect(maxRelDiff(cos, refs.cosine[1].alphasCumprod)).toBeLessThanOrEqual(1e-12);
    const lin = scheduleFromManifest(presetSchedule('linear', 1000)).alphasCumprod;
    expect(maxAbsDiff(lin, fixture.default.alphasCumprod)).toBeLessThanOrEqual(1e-12);
  });

  it('rejects bad steps and unknown ids', () => {
    expect(() => presetSchedule('cosine', 0)).toThrow(/invalid steps 0/);
    expect(() => presetSchedule('cosine', 100_001)).toThrow(/100001/);
    expect(() => presetSchedule('linear', 2.5)).toThrow(/2\.5/);
    // @ts-expect-error: not a preset id
    expect(() => presetSchedule('sigmoid', 1000)).toThrow(/unknown schedule preset "sigmoid"/);
  });
});

describe('toTimestep', () => {
  it('accepts 0…T−1 and rejects the rest, quoting the value', () => {
    expect(toTimestep(0, 10)).toBe(0);
    expect(toTimestep(9, 10)).toBe(9);
    expect(() => toTimestep(10, 10)).toThrow(/invalid timestep 10/);
    expect(() => toTimestep(1.5, 10)).toThrow(/1\.5/);
    expect(() => toTimestep(-1, 10)).toThrow(/-1/);
  });
});
