import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { alphaBar, alphasCumprod, linearBetas, scheduleFromManifest, toTimestep } from './schedule';

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

describe('toTimestep', () => {
  it('accepts 0…T−1 and rejects the rest, quoting the value', () => {
    expect(toTimestep(0, 10)).toBe(0);
    expect(toTimestep(9, 10)).toBe(9);
    expect(() => toTimestep(10, 10)).toThrow(/invalid timestep 10/);
    expect(() => toTimestep(1.5, 10)).toThrow(/1\.5/);
    expect(() => toTimestep(-1, 10)).toThrow(/-1/);
  });
});
