import { describe, expect, it } from 'vitest';
import type { PredictionType } from '../core/manifest/types';
import { predictionTarget } from '../core/noise';
import { imageNoise } from '../core/rng';
import { scheduleFromManifest } from '../core/schedule';
import type { UNetSession } from '../engine/unet-session';
import { forwardOne } from './extract';

const abar = scheduleFromManifest({ type: 'cosine', steps: 1000 }).alphasCumprod;
const x0 = Float32Array.from({ length: 16 }, (_, i) => Math.sin(i) * 0.9);
const seed = 11;

/**
 * A U-Net stand-in whose prediction output is the exact target for x_0 (ε, x_0 or v as its
 * manifest says) plus one block map; `run` asserts it is asked for what forwardOne needs.
 */
function oracle(type: PredictionType): UNetSession {
  return {
    manifest: { prediction: { type, output: 'out' } },
    async run(_xt: Float32Array, count: number, t: ArrayLike<number>, outputs: string[]) {
      expect(count).toBe(1);
      expect(outputs).toEqual(['eps', 'mid']);
      const eps = imageNoise(seed, x0);
      return {
        eps: { data: predictionTarget(type, x0, eps, abar[t[0]]), dims: [1, 1, 4, 4] },
        mid: { data: new Float32Array(4), dims: [1, 1, 2, 2] },
      };
    },
  } as unknown as UNetSession;
}

describe('forwardOne reads the output per prediction.type', () => {
  it.each(['epsilon', 'sample', 'v_prediction'] as const)(
    '%s: x̂0 of an exact prediction is x0',
    async (type) => {
      for (const t of [0, 300, 900]) {
        const { x0Pred, maps } = await forwardOne(oracle(type), x0, t, seed, ['mid'], abar);
        expect(maps.mid.dims).toEqual([1, 1, 2, 2]);
        // Error: float32 rounding of x_t and of the target, divided by √ᾱ (≈ 0.16 at t = 900).
        for (let i = 0; i < x0.length; i++) expect(Math.abs(x0Pred[i] - x0[i])).toBeLessThanOrEqual(2e-6);
      }
    },
  );

  it('reading a v output as ε would be wrong (the test above can fail)', async () => {
    const v = oracle('v_prediction');
    const asEps = { ...v, manifest: { prediction: { type: 'epsilon', output: 'out' } } } as UNetSession;
    const { x0Pred } = await forwardOne(asEps, x0, 300, seed, ['mid'], abar);
    const worst = Math.max(...Array.from(x0Pred, (p, i) => Math.abs(p - x0[i])));
    expect(worst).toBeGreaterThan(0.1);
  });
});
