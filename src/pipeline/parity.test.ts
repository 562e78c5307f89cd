/**
 * Node parity: the same core + pipeline code the browser runs, on onnxruntime-node, against the
 * PyTorch fixtures. Noise from our RNG must equal Python's, x_t must match, and every block output
 * must be within 1e-4 of PyTorch.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNodeDataset, loadNodeModel, type NodeModel } from '../cli/load';
import { datasetRowsToModelInput } from '../core/dataset/index-file';
import { imageNoise } from '../core/rng';
import { caseSlice, loadParityFixtures, maxAbsDiff } from '../testing/fixtures';
import { noisyBatch } from './extract';

const fx = loadParityFixtures();
let model: NodeModel;

beforeAll(async () => {
  model = await loadNodeModel(join(fx.root, fx.index.model.manifest), 1);
});
afterAll(() => model?.unet.release());

describe('parity with PyTorch (onnxruntime-node)', () => {
  it('fixtures belong to the shipped model', () => {
    expect(model.manifest.model.sha256).toBe(fx.index.model.sha256);
  });

  it('converts the bundled bytes to exactly the x_0 Python used', async () => {
    const { index, split } = await loadNodeDataset(
      model.manifest,
      join(fx.root, fx.index.model.manifest),
      'test',
    );
    const rows = fx.index.cases.map((c) => c.index);
    const x0 = datasetRowsToModelInput(split, index, rows, model.manifest.preprocessing);
    expect(maxAbsDiff(x0, fx.arrays.x0.data)).toBe(0);
  });

  it('draws the same noise and builds the same x_t as Python', () => {
    const pixels = 28 * 28;
    fx.index.cases.forEach((c, k) => {
      const x0 = caseSlice(fx.arrays.x0, k);
      expect(maxAbsDiff(imageNoise(fx.index.seed, x0), caseSlice(fx.arrays.noise, k))).toBeLessThanOrEqual(
        1e-6,
      );
      const xt = noisyBatch(x0, 0, 1, pixels, fx.index.seed, model.alphasCumprod[c.t]);
      expect(maxAbsDiff(xt, caseSlice(fx.arrays.x_t, k))).toBeLessThanOrEqual(1e-6);
    });
  });

  it('matches every block output within 1e-4', async () => {
    const { cases } = fx.index;
    const pixels = 28 * 28;
    const x0 = fx.arrays.x0.data;
    const xt = new Float32Array(cases.length * pixels);
    for (const [k, c] of cases.entries())
      xt.set(noisyBatch(x0, k, 1, pixels, fx.index.seed, model.alphasCumprod[c.t]), k * pixels);
    const outputs = fx.index.outputs;
    const got = await model.unet.run(
      xt,
      cases.length,
      cases.map((c) => c.t),
      outputs,
    );
    const rows: string[] = [];
    let worst = 0;
    for (const name of outputs) {
      const err = maxAbsDiff(got[name].data, fx.arrays[name].data);
      worst = Math.max(worst, err);
      rows.push(`${name.padEnd(8)} ${err.toExponential(2)}`);
    }
    console.log(
      `node parity, max abs error per output (t = ${cases.map((c) => c.t).join(', ')}):\n${rows.join('\n')}\nworst ${worst.toExponential(2)}`,
    );
    expect(worst).toBeLessThanOrEqual(1e-4);
  });
});
