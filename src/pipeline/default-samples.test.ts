/**
 * The default model's samples with the reference samplers' defaults (x̂₀ clipped) against what
 * Generate made before clipping existed (tools/model/fixtures/sampler/default-model-before-*.npy:
 * commit 1fe7421's DDIM, η = 0, seed 0, 8 images). Its x̂₀ leaves [−1, 1] only at the noisy end
 * and by little, so clipping must leave the same garments: the same pictures to the eye.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNodeModel, type NodeModel } from '../cli/load';
import { modelInputToHwc8 } from '../core/image/convert';
import { readNpy } from '../core/npy';
import { DEFAULT_SAMPLER_OPTIONS } from '../core/sampler/options';
import { runSampler } from '../core/sampler/run';
import { imageStructure, pearson } from '../testing/image-structure';

const ROOT = resolve(import.meta.dirname, '../..');
let model: NodeModel;
beforeAll(async () => {
  model = await loadNodeModel(join(ROOT, 'public/models/fashion-mnist-ddpm/manifest.json'), 1);
});
afterAll(() => model?.unet.release());

describe('the default model with clipping on (the new default) against its samples before', () => {
  it.each([25, 50])('%i DDIM steps: the same garments', async (steps) => {
    const before = readNpy(
      new Uint8Array(
        readFileSync(join(ROOT, `tools/model/fixtures/sampler/default-model-before-${steps}.npy`)),
      ),
    ).data as Float32Array;
    const count = 8;
    const pixels = 28 * 28;
    const { x, stats } = await runSampler(
      {
        count,
        pixels,
        alphasCumprod: model.alphasCumprod,
        range: [-1, 1],
        type: 'epsilon',
        options: { ...DEFAULT_SAMPLER_OPTIONS, steps },
        seed: 0,
      },
      async (xt, t) => ({
        output: (await model.unet.run(xt, count, new Float32Array(count).fill(t), ['eps'])).eps.data,
      }),
      () => {},
    );
    const correlations: number[] = [];
    let levels = 0;
    for (let k = 0; k < count; k++) {
      const show = (a: Float32Array) =>
        modelInputToHwc8(a.subarray(k * pixels, (k + 1) * pixels), 1, 28, 28, [-1, 1]);
      const [a, b] = [show(before), show(x)];
      correlations.push(pearson(a, b));
      for (let i = 0; i < pixels; i++) levels += Math.abs(a[i] - b[i]);
      expect(imageStructure(b, 28, 28).kind).toBe('structured');
    }
    const meanLevels = levels / (count * pixels);
    const left = stats.filter((s) => s.outside > 0).length;
    console.info(
      `default model, ${steps} steps: per-image correlation with before ≥ ${Math.min(...correlations).toFixed(4)}, mean |Δ| ${meanLevels.toFixed(2)} of 255 levels; x̂₀ left [−1, 1] at ${left} of ${steps} steps (${Math.min(...stats.map((s) => s.min)).toFixed(2)} … ${Math.max(...stats.map((s) => s.max)).toFixed(2)})`,
    );
    expect(Math.min(...correlations)).toBeGreaterThan(0.99);
    expect(meanLevels).toBeLessThan(3);
  });
});
