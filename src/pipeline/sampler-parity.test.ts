/**
 * The sampler against the PyTorch reference (tools/model/sampler_reference.py, fixtures by
 * tools/model/make_sampler_fixtures.py): the small model e2e/fixtures/models/needs-clip runs here
 * in onnxruntime-node and there in PyTorch, from the same starting noise and with the same
 * injected noise, and every stored step's sample must agree to 1e-4, for every option; at every
 * step, stored or not (the full DDPM sampler stores 10 of its 1000), the sample's min, max and mean
 * and x̂₀'s range must agree too.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNodeModel, type NodeModel } from '../cli/load';
import type { PredictionType } from '../core/manifest/types';
import { readNpy } from '../core/npy';
import { createRng } from '../core/rng';
import type { SamplerOptions } from '../core/sampler/options';
import { runSampler } from '../core/sampler/run';
import type { LearnedVariance } from '../core/sampler/step';

const ROOT = resolve(import.meta.dirname, '../..');
const DIR = join(ROOT, 'tools/model/fixtures/sampler/trajectories');
const TOL = 1e-4;

interface Case {
  name: string;
  count: number;
  options: SamplerOptions;
  predictionType: PredictionType;
  learned: LearnedVariance | null;
  timesteps: number[];
  stored: number[];
  file: string;
  /** per step: raw x̂0 min, max, values outside the range */
  x0: [number, number, number][];
  /** per step: the sample's min, max and mean */
  xStats: [number, number, number][];
}
const index = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as {
  model: string;
  seed: number;
  varianceStream: number;
  shape: number[];
  range: [number, number];
  cases: Case[];
};

/** make_sampler_fixtures.py's variance_values: uniform draws of the app's RNG, seeded by t. */
function varianceValues(kind: LearnedVariance, t: number, n: number): Float32Array {
  const g = createRng(t, index.varianceStream);
  return Float32Array.from({ length: n }, () => {
    const u = g.nextFloat();
    return kind === 'learned_range' ? 2 * u - 1 : -8 + 4 * (2 * u - 1);
  });
}

/** make_sampler_fixtures.py's as_type: the ε network read as a sample or v model (float64, then float32). */
function asType(type: PredictionType, x: Float32Array, eps: Float32Array, abar: number): Float32Array {
  if (type === 'epsilon') return eps;
  const [sa, sb] = [Math.sqrt(abar), Math.sqrt(1 - abar)];
  return Float32Array.from(x, (xi, i) => {
    const x0 = (xi - sb * eps[i]) / sa;
    return type === 'sample' ? x0 : sa * eps[i] - sb * x0;
  });
}

let model: NodeModel;
beforeAll(async () => {
  model = await loadNodeModel(join(ROOT, index.model.replace(/model\.onnx$/, 'manifest.json')), 1);
});
afterAll(() => model?.unet.release());

describe('sampler parity with the PyTorch reference (onnxruntime-node)', () => {
  it.each(index.cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const { seed, range } = index;
    const { count } = c;
    const pixels = index.shape.reduce((a, b) => a * b, 1);
    const stored = readNpy(new Uint8Array(readFileSync(join(DIR, c.file)))).data as Float32Array;
    const per = count * pixels;
    const abar = model.alphasCumprod;
    const worst = { x: 0, x0: 0, stats: 0 };
    const result = await runSampler(
      {
        count,
        pixels,
        alphasCumprod: abar,
        range,
        type: c.predictionType,
        learned: c.learned ?? undefined,
        options: c.options,
        seed,
      },
      async (x, t) => {
        const eps = (await model.unet.run(x, count, new Float32Array(count).fill(t), ['eps'])).eps.data;
        return {
          output: asType(c.predictionType, x, eps, abar[t]),
          variance: c.learned ? varianceValues(c.learned, t, x.length) : undefined,
        };
      },
      (frame) => {
        const i = frame.step - 1;
        const [min, max] = c.x0[i];
        // x̂0 = (x_t − √(1−ᾱ)ε̂)/√ᾱ divides the model's float32 error by √ᾱ (0.0064 at t = 999): relative check.
        for (const [got, want] of [
          [frame.stats.min, min],
          [frame.stats.max, max],
        ])
          worst.x0 = Math.max(worst.x0, Math.abs(got - want) / Math.max(1, Math.abs(want)));
        let [lo, hi, sum] = [Infinity, -Infinity, 0];
        for (const v of frame.x) [lo, hi, sum] = [Math.min(lo, v), Math.max(hi, v), sum + v];
        const [wantLo, wantHi, wantMean] = c.xStats[i];
        const statsError = Math.max(
          Math.abs(lo - wantLo),
          Math.abs(hi - wantHi),
          Math.abs(sum / frame.x.length - wantMean),
        );
        worst.stats = Math.max(worst.stats, statsError);
        expect(statsError, `step ${i + 1} (t = ${frame.t}): min, max, mean`).toBeLessThanOrEqual(TOL);
        const k = c.stored.indexOf(i);
        if (k < 0) return;
        const want = stored.subarray(k * per, (k + 1) * per);
        let d = 0;
        for (let j = 0; j < per; j++) d = Math.max(d, Math.abs(frame.x[j] - want[j]));
        worst.x = Math.max(worst.x, d);
        expect(d, `step ${i + 1} (t = ${frame.t})`).toBeLessThanOrEqual(TOL);
      },
    );
    expect(result.timesteps).toEqual(c.timesteps);
    console.info(
      `${c.name}: ${c.timesteps.length} steps, max |x − torch| ${worst.x.toExponential(2)} over ${c.stored.length} stored steps, sample min/max/mean ${worst.stats.toExponential(2)} and x̂0 range ${worst.x0.toExponential(2)} (relative) over all steps`,
    );
    expect(worst.x0).toBeLessThanOrEqual(TOL);
  });
});
