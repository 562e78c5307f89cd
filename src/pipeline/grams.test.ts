import { describe, expect, it } from 'vitest';
import { ckaOf, featureOperand } from '../core/cka/linear-cka';
import { isDiffProbeError } from '../core/errors';
import { createRng, gaussian } from '../core/rng';
import { GRAM_MAPS_BUDGET, gramGroups, gramsOfMaps, MAX_GRAM_IMAGES, mapDims } from './grams';

describe('Gram matrices of full maps', () => {
  it('groups blocks so that their maps fit the budget together, in order', () => {
    const dims = { a: 100, b: 100, c: 100, d: 300 };
    // 10 images × 4 bytes: a, b, c take 4,000 bytes each, d 12,000.
    expect(gramGroups(['a', 'b', 'c', 'd'], dims, 10, 12_000)).toEqual([['a', 'b', 'c'], ['d']]);
    expect(gramGroups(['a', 'b', 'c', 'd'], dims, 10, GRAM_MAPS_BUDGET)).toEqual([['a', 'b', 'c', 'd']]);
  });

  it('a block whose maps alone do not fit is refused, naming how many images would', () => {
    let error: unknown;
    try {
      gramGroups(['big'], { big: 28 * 28 * 256 }, 2000);
    } catch (e) {
      error = e;
    }
    expect(isDiffProbeError(error, 'out-of-memory')).toBe(true);
    expect((error as Error).message).toMatch(
      /full maps of block big for 2000 images take 1531 MB.*use at most 668 images/,
    );
  });

  it('the default model’s blocks: every map size from the manifest', () => {
    const dims = mapDims(
      {
        blocks: [
          { name: 'down0_0', output: 'x', stage: 'down', level: 0, resolution: [28, 28], channels: 32 },
          { name: 'mid', output: 'y', stage: 'mid', level: 2, resolution: [7, 7], channels: 64 },
        ],
      },
      ['mid', 'down0_0'],
    );
    expect(dims).toEqual({ mid: 3136, down0_0: 25088 });
  });

  it('one extraction per group; the Gram route’s CKA equals the feature route’s', async () => {
    const n = 30;
    const maps = {
      a: gaussian(createRng(1), n * 40),
      b: gaussian(createRng(2), n * 40).map((v, i) => v + gaussian(createRng(1), n * 40)[i]),
    };
    const passes: string[][] = [];
    const result = await gramsOfMaps({
      n,
      blocks: ['a', 'b'],
      dims: { a: 40, b: 40 },
      estimator: 'debiased',
      budget: n * 40 * 4,
      checkpoint: async () => {},
      extract: async (blocks, onBatch) => {
        passes.push(blocks);
        // In two batches, as the U-Net runs them.
        for (const [start, count] of [
          [0, 12],
          [12, 18],
        ])
          onBatch(
            start,
            count,
            Object.fromEntries(
              blocks.map((b) => [b, maps[b as 'a' | 'b'].slice(start * 40, (start + count) * 40)]),
            ),
          );
      },
    });
    expect(passes).toEqual([['a'], ['b']]);
    expect(result.passes).toBe(2);
    const { a, b } = result.grams;
    const viaGram = (a.G.reduce((s, v, i) => s + v * b.G[i], 0) as number) / Math.sqrt(a.self * b.self);
    const viaFeatures = ckaOf(
      featureOperand(maps.a, n, 40, 'debiased'),
      featureOperand(maps.b, n, 40, 'debiased'),
    );
    expect(viaGram).toBeCloseTo(viaFeatures!, 6);
  });

  it('too few or too many images, and NaN in a map, are errors with the count or the block', async () => {
    const base = {
      blocks: ['a'],
      dims: { a: 4 },
      estimator: 'biased' as const,
      checkpoint: async () => {},
    };
    await expect(gramsOfMaps({ ...base, n: 9, extract: async () => {} })).rejects.toThrow(
      /at least 10 images/,
    );
    await expect(gramsOfMaps({ ...base, n: MAX_GRAM_IMAGES + 1, extract: async () => {} })).rejects.toThrow(
      /at most 2000 images/,
    );
    const nan = new Float32Array(40);
    nan[7] = Number.NaN;
    await expect(
      gramsOfMaps({ ...base, n: 10, extract: async (_, onBatch) => onBatch(0, 10, { a: nan }) }),
    ).rejects.toThrow(/block a holds NaN for image 1/);
  });
});
