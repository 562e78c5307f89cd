import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDiffProbeError } from '../errors';
import { roundHalfEven, samplerTimesteps, type TimestepSpacing } from './timesteps';

interface Case {
  T: number;
  spacing: TimestepSpacing;
  stepsOffset: number;
  lists: Record<string, number[] | null>;
  numpyExtra: [number, number[]][];
}
const fixture = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../../../tools/model/fixtures/sampler/timesteps.json'), 'utf8'),
) as { cases: Case[] };

describe('samplerTimesteps vs diffusers set_timesteps (NumPy)', () => {
  it.each(fixture.cases.map((c) => [`${c.spacing} offset ${c.stepsOffset}, T = ${c.T}`, c] as const))(
    '%s',
    (_, c) => {
      let checked = 0;
      for (const [n, want] of Object.entries(c.lists)) {
        checked++;
        if (want === null) {
          // leading + offset past T − 1: diffusers would index ᾱ out of range; we refuse.
          expect(() => samplerTimesteps(c.T, Number(n), c.spacing, c.stepsOffset)).toThrow(/past T − 1/);
          continue;
        }
        expect(samplerTimesteps(c.T, Number(n), c.spacing, c.stepsOffset), `n = ${n}`).toEqual(want);
      }
      expect(checked).toBeGreaterThan(0);
    },
  );

  it("trailing: where NumPy's arange gives n + 1 entries, the extra one is −1 and is dropped", () => {
    const t1000 = fixture.cases.find((c) => c.T === 1000 && c.spacing === 'trailing')!;
    expect(t1000.numpyExtra.map(([n]) => n)).toEqual([61, 103, 121]);
    for (const [n, extra] of t1000.numpyExtra) {
      expect(extra).toEqual([-1]);
      expect(samplerTimesteps(1000, n, 'trailing')).toHaveLength(n);
    }
  });
});

describe('samplerTimesteps', () => {
  it('linspace starts at T − 1 and ends at 0; leading and trailing as diffusers', () => {
    expect(samplerTimesteps(1000, 5, 'linspace')).toEqual([999, 749, 500, 250, 0]);
    expect(samplerTimesteps(1000, 5, 'leading')).toEqual([800, 600, 400, 200, 0]);
    expect(samplerTimesteps(1000, 5, 'leading', 1)).toEqual([801, 601, 401, 201, 1]);
    expect(samplerTimesteps(1000, 5, 'trailing')).toEqual([999, 799, 599, 399, 199]);
    // One linspace step is t = 0, as in diffusers (np.linspace(0, 999, 1) = [0]).
    expect(samplerTimesteps(1000, 1, 'linspace')).toEqual([0]);
    expect(samplerTimesteps(1000, 1000, 'linspace')).toEqual(Array.from({ length: 1000 }, (_, i) => 999 - i));
  });

  it('rounds halves to even, as NumPy', () => {
    expect([0.5, 1.5, 2.5, -0.5, 166.5, 832.5, 2.4, 2.6].map(roundHalfEven)).toEqual([
      0, 2, 2, -0, 166, 832, 2, 3,
    ]);
    // 25 linspace steps on 1000: 832.5 and 166.5 round down (Math.round would give 833, 167).
    const ts = samplerTimesteps(1000, 25, 'linspace');
    expect(ts).toContain(832);
    expect(ts).toContain(166);
  });

  it('refuses steps = 0, steps > T and non-integers with the field named', () => {
    for (const n of [0, 1001, 2.5, Number.NaN]) {
      let error: unknown;
      try {
        samplerTimesteps(1000, n, 'linspace');
      } catch (e) {
        error = e;
      }
      expect(isDiffProbeError(error, 'sampler-options')).toBe(true);
      expect((error as Error).message).toMatch(
        /steps .*: expected an integer from 1 to the schedule's 1000 timesteps/,
      );
    }
  });
});
