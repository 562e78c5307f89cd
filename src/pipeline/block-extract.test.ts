// Extraction through a BlockSession (the blocks' sub-graph, pooled in ONNX) gives what the whole
// U-Net pooled in JavaScript gives, batch by batch, on onnxruntime-node.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNodeModel, type NodeModel } from '../cli/load';
import { readModel } from '../core/onnx/reader';
import type { Pooling } from '../core/pooling';
import { createRng, gaussian } from '../core/rng';
import { BlockSession } from '../engine/block-session';
import { type BatchFeatures, extractFeatures } from './extract';

const MANIFEST = 'public/models/fashion-mnist-ddpm/manifest.json';
const bytes = new Uint8Array(readFileSync('public/models/fashion-mnist-ddpm/model.onnx'));
const info = readModel(bytes);

let model: NodeModel;
beforeAll(async () => {
  model = await loadNodeModel(MANIFEST, 1);
});
afterAll(async () => {
  await model.unet.release();
});

const count = 10;
const x0 = gaussian(createRng(3), count * 784);

async function collect(blocks: string[], pooling: Pooling, block?: BlockSession) {
  const batches: BatchFeatures[] = [];
  const options = { t: 250, seed: 4, blocks, pooling, batchSize: 4, alphasCumprod: model.alphasCumprod };
  await extractFeatures(
    model.unet,
    x0,
    count,
    options,
    (b) => {
      batches.push(b);
    },
    undefined,
    block && ((xt, n, t) => block.run(xt, n, t)),
  );
  return batches;
}

describe('BlockSession extraction', () => {
  for (const [label, pooling] of [
    ['avg', { kind: 'avg' }],
    ['avg2', { kind: 'adaptive', size: 2 }],
    ['max', { kind: 'max' }],
    ['grid8', { kind: 'grid', size: 8 }],
  ] as [string, Pooling][]) {
    it(`${label}: the same features as the whole U-Net pooled in JS (≤ 1e-5), in the same batches`, async () => {
      const blocks = ['down1_1', 'mid', 'up0_2'];
      const block = await BlockSession.create(model.unet, bytes, info, blocks, pooling);
      try {
        const js = await collect(blocks, pooling);
        const onnx = await collect(blocks, pooling, block);
        expect(onnx.map((b) => [b.start, b.count])).toEqual([
          [0, 4],
          [4, 4],
          [8, 2],
        ]);
        expect(js.map((b) => [b.start, b.count])).toEqual(onnx.map((b) => [b.start, b.count]));
        let worst = 0;
        for (const [k, batch] of onnx.entries()) {
          expect(batch.dims).toEqual(js[k].dims);
          for (const b of blocks) {
            const a = batch.features[b];
            const want = js[k].features[b];
            expect(a.length).toBe(want.length);
            for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - want[i]));
          }
        }
        expect(worst).toBeLessThanOrEqual(1e-5);
      } finally {
        await block.release();
      }
    });
  }

  it('raw maps of an encoder block: bit for bit, from a quarter of the graph', async () => {
    const blocks = ['down0_0'];
    const block = await BlockSession.create(model.unet, bytes, info, blocks, { kind: 'raw' });
    try {
      const js = await collect(blocks, { kind: 'raw' });
      const onnx = await collect(blocks, { kind: 'raw' }, block);
      for (const [k, batch] of onnx.entries()) expect(batch.features.down0_0).toEqual(js[k].features.down0_0);
      expect(block.plan.stats.keptNodes).toBeLessThan(block.plan.stats.nodes / 4);
    } finally {
      await block.release();
    }
  });
});
