/**
 * The case, without a browser: a briefly trained model (e2e/fixtures/models/needs-clip,
 * tools/model/make_needs_clip_model.py) gives 8 recognisable shapes when x̂₀ is
 * clipped or dynamically thresholded at each step (25 DDIM steps, the panel's default), and flat squares or pixel noise without, with
 * final values far outside [−1, 1]. "Flat", "noise" and "structured" are
 * src/testing/image-structure.ts's criterion on the bytes the gallery shows. (e2e/sampler.spec.ts
 * checks the split in the browser at 10 steps on the first 4 images, as the last test here does; sampler-parity.test.ts the values.)
 */
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNodeModel, type NodeModel } from '../cli/load';
import { modelInputToHwc8 } from '../core/image/convert';
import { DEFAULT_SAMPLER_OPTIONS, type X0Processing } from '../core/sampler/options';
import { runSampler } from '../core/sampler/run';
import { imageStructure } from '../testing/image-structure';

const ROOT = resolve(import.meta.dirname, '../..');
const COUNT = 8;
const PIXELS = 28 * 28;
const STEPS = 25;

let model: NodeModel;
beforeAll(async () => {
  model = await loadNodeModel(join(ROOT, 'e2e/fixtures/models/needs-clip/manifest.json'), 1);
});
afterAll(() => model?.unet.release());

async function sample(x0: X0Processing, steps = STEPS) {
  const { x, stats } = await runSampler(
    {
      count: COUNT,
      pixels: PIXELS,
      alphasCumprod: model.alphasCumprod,
      range: [-1, 1],
      type: 'epsilon',
      options: { ...DEFAULT_SAMPLER_OPTIONS, steps, x0 },
      seed: 0,
    },
    async (xt, t) => ({
      output: (await model.unet.run(xt, COUNT, new Float32Array(COUNT).fill(t), ['eps'])).eps.data,
    }),
    () => {},
  );
  const kinds = Array.from(
    { length: COUNT },
    (_, k) =>
      imageStructure(modelInputToHwc8(x.subarray(k * PIXELS, (k + 1) * PIXELS), 1, 28, 28, [-1, 1]), 28, 28)
        .kind,
  );
  let [min, max] = [Infinity, -Infinity];
  for (const v of x) [min, max] = [Math.min(min, v), Math.max(max, v)];
  const left = stats.filter((s) => s.outside > 0).length;
  console.info(
    `needs-clip, ${steps} DDIM steps, x̂₀ ${x0}: ${kinds.join(' ')}; samples ${min.toFixed(1)} … ${max.toFixed(1)}; x̂₀ left [−1, 1] at ${left} of ${steps} steps`,
  );
  return { kinds, min, max, left };
}

const structured = (kinds: string[]) => kinds.filter((k) => k === 'structured').length;

describe('a model that needs clipping (onnxruntime-node, 8 images, 25 DDIM steps, seed 0)', () => {
  it.each(['clip', 'threshold'] as const)('x̂₀ %s: shapes, in the data range', async (x0) => {
    const r = await sample(x0);
    expect(structured(r.kinds)).toBeGreaterThanOrEqual(7);
    expect(r.min).toBeGreaterThanOrEqual(-1.0001);
    expect(r.max).toBeLessThanOrEqual(1.0001);
    // It is a model that needs it: its x̂₀ leaves the range at most steps.
    expect(r.left).toBeGreaterThan(STEPS / 2);
  });

  it('x̂₀ not clipped: flat squares or pixel noise, far outside the data range', async () => {
    const r = await sample('none');
    expect(structured(r.kinds)).toBeLessThanOrEqual(1);
    expect(Math.max(-r.min, r.max)).toBeGreaterThan(10);
  });

  it("10 steps (e2e/sampler.spec.ts's run, whose 4 images are the first 4 here): the same split", async () => {
    const [clip, none] = [await sample('clip', 10), await sample('none', 10)];
    expect(structured(clip.kinds.slice(0, 4))).toBe(4);
    expect(structured(none.kinds.slice(0, 4))).toBeLessThanOrEqual(1);
    expect(structured(clip.kinds)).toBeGreaterThanOrEqual(7);
    expect(structured(none.kinds)).toBeLessThanOrEqual(1);
  });
});
