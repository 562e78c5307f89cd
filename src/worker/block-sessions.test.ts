// The worker's extraction sessions on onnxruntime-node: built for big requests, reused by later
// ones, dropped on a change of backend; extraction through them gives the U-Net's pooled features.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadNodeModel, type NodeModel } from '../cli/load';
import { createRng, gaussian } from '../core/rng';
import { extractFeatures as pipelineExtract } from '../pipeline/extract';
import { blockRunner, blockSessionCount, MIN_IMAGES, releaseBlockSessions } from './block-sessions';
import { createJobContext } from './context';
import type { FeatureChunk } from './jobs';
import { type LoadedModel, setCurrentModel } from './model-state';

vi.mock('../engine/onnx-web', () => ({ webgpuDevice: async () => undefined }));
vi.mock('./post', () => ({ post: () => {} }));
vi.mock('./handlers/load-model', () => ({ openOnBestBackend: async () => ({}) }));
const { extractFeatures } = await import('./handlers/extract');

const MANIFEST = 'public/models/fashion-mnist-ddpm/manifest.json';
const bytes = new Uint8Array(readFileSync('public/models/fashion-mnist-ddpm/model.onnx'));

let node: NodeModel;
let model: LoadedModel;
beforeAll(async () => {
  node = await loadNodeModel(MANIFEST, 1);
  model = {
    unet: node.unet,
    info: { hash: 'h', id: 'id', manifest: node.manifest, backend: 'wasm', threads: 1, fallbackReason: null },
    alphasCumprod: node.alphasCumprod,
    bytes,
    sessionBytes: bytes,
    externalData: [],
  } as unknown as LoadedModel;
  setCurrentModel(model);
});
afterAll(async () => {
  await releaseBlockSessions(model);
  await node.unet.release();
});

const count = MIN_IMAGES + 6;
const x0 = gaussian(createRng(9), count * 784);

describe('worker extraction sessions', () => {
  it('a request of MIN_IMAGES or more builds the blocks’ sub-graph; its features match the U-Net’s', async () => {
    expect(await blockRunner(model, ['mid'], { kind: 'avg' }, MIN_IMAGES - 1)).toBeNull();
    expect(blockSessionCount(model)).toBe(0);
    const chunks: FeatureChunk[] = [];
    const ctx = createJobContext(
      1,
      (message) => {
        if (message.kind === 'partial') chunks.push(message.partial as FeatureChunk);
      },
      new AbortController(),
    );
    const params = {
      images: { data: x0.slice(), count },
      t: 100,
      seed: 3,
      blocks: ['down1_1', 'mid'],
      pooling: { kind: 'adaptive', size: 2 } as const,
      batchSize: 32,
      cache: false,
    };
    const result = await extractFeatures(params, ctx);
    expect(result.dims).toEqual({ down1_1: 256, mid: 256 });
    expect(blockSessionCount(model)).toBe(1);

    const want: Record<string, Float32Array> = {
      down1_1: new Float32Array(count * 256),
      mid: new Float32Array(count * 256),
    };
    await pipelineExtract(node.unet, x0, count, { ...params, alphasCumprod: node.alphasCumprod }, (b) => {
      for (const k of params.blocks) want[k].set(b.features[k], b.start * 256);
    });
    let worst = 0;
    let rows = 0;
    for (const chunk of chunks) {
      for (const [i, row] of chunk.rows.entries()) {
        rows++;
        for (const k of params.blocks) {
          const got = chunk.features[k].subarray(i * 256, (i + 1) * 256);
          for (let j = 0; j < 256; j++) worst = Math.max(worst, Math.abs(got[j] - want[k][row * 256 + j]));
        }
      }
    }
    expect(rows).toBe(count);
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it('a later small request for the same blocks reuses the session; the oldest goes past MAX_SESSIONS', async () => {
    expect(await blockRunner(model, ['down1_1', 'mid'], { kind: 'adaptive', size: 2 }, 1)).not.toBeNull();
    expect(blockSessionCount(model)).toBe(1);
    await blockRunner(model, ['mid'], { kind: 'avg' }, count);
    await blockRunner(model, ['mid'], { kind: 'max' }, count);
    expect(blockSessionCount(model)).toBe(3);
    await blockRunner(model, ['up0_2'], { kind: 'avg' }, count);
    expect(blockSessionCount(model)).toBe(3);
    // The first one was the least recently used: gone, so a small request for it runs on the U-Net.
    expect(await blockRunner(model, ['down1_1', 'mid'], { kind: 'adaptive', size: 2 }, 1)).toBeNull();
  });

  it('a change of backend drops them (a lost WebGPU device moves the model to WASM)', async () => {
    model.info = { ...model.info, backend: 'webgpu' };
    try {
      expect(await blockRunner(model, ['mid'], { kind: 'avg' }, 1)).toBeNull();
      expect(blockSessionCount(model)).toBe(0);
    } finally {
      model.info = { ...model.info, backend: 'wasm' };
    }
  });
});
