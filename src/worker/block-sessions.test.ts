// The worker's extraction sessions on onnxruntime-node: built for big requests, reused by later
// ones, dropped on a change of backend; extraction through them gives the U-Net's pooled features.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadNodeModel, type NodeModel } from '../cli/load';
import { createRng, gaussian } from '../core/rng';
import { extractFeatures as pipelineExtract } from '../pipeline/extract';
import { type InProcessHelper, inProcessHelper } from '../testing/in-process-helper';
import { blockRunners, blockSessionCount, MIN_IMAGES, releaseBlockSessions } from './block-sessions';
import { createJobContext } from './context';
import { setHelperHost, stopHelper } from './engine-helper/lifecycle';
import { CALL_LIMITS } from './engine-helper/time-limits';
import type { FeatureChunk } from './jobs';
import { type LoadedModel, setCurrentModel } from './model-state';

vi.mock('../engine/onnx-web', () => ({ webgpuDevice: async () => undefined }));
vi.mock('./post', () => ({ post: () => {} }));
vi.mock('./handlers/open-backend', () => ({ openOnBestBackend: async () => ({}) }));
// The engine helper (a nested worker in the browser) runs in-process here on onnxruntime-node
// (testing/in-process-helper.ts), started by the real lifecycle; `helper.none` is a machine
// without one.
const helper = {
  none: false,
  failCreate: false,
  spawned: [] as InProcessHelper[],
  get current() {
    return this.spawned.at(-1)!;
  },
};
setHelperHost({
  threads: () => (helper.none ? 0 : 1),
  spawn: () => {
    const h = inProcessHelper();
    h.failCreate = helper.failCreate;
    helper.spawned.push(h);
    return h.worker;
  },
  limits: CALL_LIMITS,
  idleMs: 60_000,
});
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
  setHelperHost(null);
});

const count = MIN_IMAGES + 6;
const x0 = gaussian(createRng(9), count * 784);

describe('worker extraction sessions', () => {
  it('a request of MIN_IMAGES or more builds the blocks’ sub-graph; its features match the U-Net’s', async () => {
    expect(await blockRunners(model, ['mid'], { kind: 'avg' }, MIN_IMAGES - 1)).toBeNull();
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
    // The sub-graph also opened in the engine helper, and both took batches.
    expect(result.engines).toBe(2);
    expect(helper.spawned).toHaveLength(1);
    expect(helper.current.created).toBe(1);

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
    expect(await blockRunners(model, ['down1_1', 'mid'], { kind: 'adaptive', size: 2 }, 1)).not.toBeNull();
    expect(blockSessionCount(model)).toBe(1);
    await blockRunners(model, ['mid'], { kind: 'avg' }, count);
    await blockRunners(model, ['mid'], { kind: 'max' }, count);
    expect(blockSessionCount(model)).toBe(3);
    await blockRunners(model, ['up0_2'], { kind: 'avg' }, count);
    expect(blockSessionCount(model)).toBe(3);
    // The first one was the least recently used: gone, so a small request for it runs on the U-Net.
    expect(await blockRunners(model, ['down1_1', 'mid'], { kind: 'adaptive', size: 2 }, 1)).toBeNull();
  });

  it('without a helper, or when it cannot open the sub-graph, extraction runs on one engine', async () => {
    stopHelper('test');
    helper.none = true;
    try {
      expect(await blockRunners(model, ['down0_0'], { kind: 'avg' }, count)).toHaveLength(1);
    } finally {
      helper.none = false;
    }
    helper.failCreate = true;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect(await blockRunners(model, ['down0_1'], { kind: 'avg' }, count)).toHaveLength(1);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('engine helper'), expect.any(Error));
    } finally {
      helper.failCreate = false;
      warn.mockRestore();
    }
    stopHelper('test');
    expect(new Set(await blockRunners(model, ['down1_0'], { kind: 'avg' }, count)).size).toBe(2);
    // A helper that has died: its cached session is left out.
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => {});
    helper.current.crash('out of memory');
    try {
      expect(await blockRunners(model, ['down1_0'], { kind: 'avg' }, count)).toHaveLength(1);
    } finally {
      warned.mockRestore();
    }
  });

  it('a helper that ended while idle is started again, with the sub-graph reopened in it', async () => {
    stopHelper('test');
    expect(new Set(await blockRunners(model, ['mid'], { kind: 'max' }, count)).size).toBe(2);
    const first = helper.current;
    // What the idle timer does (engine-helper/remote-runtime.ts; timed in its own test).
    stopHelper('idle');
    expect(first.terminated).toBe(true);
    expect(new Set(await blockRunners(model, ['mid'], { kind: 'max' }, count)).size).toBe(2);
    expect(helper.current).not.toBe(first);
    expect(helper.current.created).toBe(1);
  });

  it('a change of model ends the helper (its WASM heap with it)', async () => {
    const running = helper.current;
    expect(running.terminated).toBe(false);
    const other = { ...model } as LoadedModel;
    setCurrentModel(other);
    await releaseBlockSessions(model);
    expect(running.terminated).toBe(true);
    expect(blockSessionCount(model)).toBe(0);
    setCurrentModel(model);
  });

  it('a change of backend drops them (a lost WebGPU device moves the model to WASM)', async () => {
    model.info = { ...model.info, backend: 'webgpu' };
    try {
      expect(await blockRunners(model, ['mid'], { kind: 'avg' }, 1)).toBeNull();
      expect(blockSessionCount(model)).toBe(0);
    } finally {
      model.info = { ...model.info, backend: 'wasm' };
    }
  });
});
