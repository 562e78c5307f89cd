import { readFileSync } from 'node:fs';
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Manifest } from '../../core/manifest/types';
import { scheduleFromManifest } from '../../core/schedule';
import type { UNetSession } from '../../engine/unet-session';
import { createJobContext } from '../context';
import type { ExtractParams } from '../jobs';
import { type LoadedModel, setCurrentModel } from '../model-state';

const gpu = vi.hoisted(() => ({ limits: null as null | Record<string, number> }));
vi.mock('../../engine/onnx-web', () => ({
  webgpuDevice: async () => (gpu.limits ? { limits: gpu.limits } : undefined),
}));
vi.mock('../post', () => ({ post: () => {} }));
vi.mock('./open-backend', () => ({ openOnBestBackend: async () => ({}) }));

(globalThis as { indexedDB?: IDBFactory }).indexedDB = new IDBFactory();
const { extractFeatures } = await import('./extract');

const bundled = (): Manifest =>
  JSON.parse(
    readFileSync(new URL('../../../public/models/fashion-mnist-ddpm/manifest.json', import.meta.url), 'utf8'),
  );

interface Call {
  count: number;
  outputs: string[];
}

/** A model whose "U-Net" returns 2×2 maps filled with the mean of each x_t, and logs its runs. */
function fakeModel(
  manifest: Manifest,
  hash = 'h',
  backend: 'wasm' | 'webgpu' = 'wasm',
  adapter: string | null = backend === 'webgpu' ? 'nvidia ampere' : null,
) {
  const calls: Call[] = [];
  const { input } = manifest;
  const pixels = input.channels * input.height * input.width;
  const unet = {
    manifest,
    get blockNames() {
      return manifest.blocks.map((b) => b.name);
    },
    async run(xt: Float32Array, count: number, _t: ArrayLike<number>, outputs: string[]) {
      calls.push({ count, outputs: [...outputs] });
      const out: Record<string, { data: Float32Array; dims: number[] }> = {};
      for (const [o, name] of outputs.entries()) {
        const data = new Float32Array(count * 4);
        for (let i = 0; i < count; i++) {
          let s = 0;
          for (let p = 0; p < pixels; p++) s += xt[i * pixels + p];
          data.fill(s / pixels + o, i * 4, (i + 1) * 4);
        }
        out[name] = { data, dims: [count, 1, 2, 2] };
      }
      return out;
    },
  } as unknown as UNetSession;
  const model: LoadedModel = {
    unet,
    info: { hash, manifest, backend, adapter, threads: 1, fallbackReason: null, loadMs: 0 },
    alphasCumprod: scheduleFromManifest(manifest.schedule).alphasCumprod,
    bytes: new Uint8Array(1),
    sessionBytes: new Uint8Array(1),
    externalData: [],
  } as unknown as LoadedModel;
  setCurrentModel(model);
  return { model, calls };
}

function images(manifest: Manifest, count: number, salt = 0) {
  const { channels, height, width } = manifest.input;
  const n = channels * height * width;
  return { count, data: Float32Array.from({ length: count * n }, (_, i) => Math.sin(i * 0.37 + salt)) };
}

const ctx = () => createJobContext(1, () => {}, new AbortController());

function params(manifest: Manifest, blocks: string[], count = 3, salt = 0): ExtractParams {
  return {
    images: images(manifest, count, salt),
    t: 100,
    seed: 7,
    blocks,
    pooling: { kind: 'avg' } as ExtractParams['pooling'],
    batchSize: 32,
  };
}

beforeEach(() => {
  gpu.limits = null;
});

describe('extractFeatures cache keys', () => {
  it('an edited schedule (betaEnd) under the same ONNX bytes misses the cache; an edited description hits it', async () => {
    const m1 = bundled();
    const first = fakeModel(m1, 'same-bytes');
    expect((await extractFeatures(params(m1, ['mid'], 3, 1), ctx())).cached).toBe(0);
    expect(first.calls.length).toBe(1);
    expect((await extractFeatures(params(m1, ['mid'], 3, 1), ctx())).cached).toBe(3);
    expect(first.calls.length).toBe(1);

    const m2 = bundled() as unknown as { schedule: { betaEnd: number } } & Manifest;
    m2.schedule.betaEnd = 0.03;
    const second = fakeModel(m2, 'same-bytes');
    expect((await extractFeatures(params(m2, ['mid'], 3, 1), ctx())).cached).toBe(0);
    expect(second.calls.length).toBe(1);

    const m3 = { ...bundled(), description: 'edited' };
    const third = fakeModel(m3, 'same-bytes');
    expect((await extractFeatures(params(m3, ['mid'], 3, 1), ctx())).cached).toBe(3);
    expect(third.calls.length).toBe(0);
  });

  it('a block mapped to another output tensor misses the cache', async () => {
    const m1 = bundled();
    fakeModel(m1, 'bytes-2');
    await extractFeatures(params(m1, ['mid'], 2, 2), ctx());
    const m2 = bundled() as unknown as { blocks: { name: string; output: string }[] } & Manifest;
    const mid = m2.blocks.find((b) => b.name === 'mid')!;
    mid.output = 'up2_0';
    const { calls } = fakeModel(m2, 'bytes-2');
    expect((await extractFeatures(params(m2, ['mid'], 2, 2), ctx())).cached).toBe(0);
    expect(calls.length).toBe(1);
  });

  it('features computed on a WebGPU adapter are never served to WASM or another adapter, and every chunk says what computed it', async () => {
    const m = bundled();
    const chunks: (string | undefined)[] = [];
    const listening = () =>
      createJobContext(
        1,
        (msg) => {
          if (msg.kind === 'partial') chunks.push((msg.partial as { backend?: string }).backend);
        },
        new AbortController(),
      );
    const gpuRun = fakeModel(m, 'bytes-gpu', 'webgpu');
    const first = await extractFeatures(params(m, ['mid'], 3, 9), listening());
    expect(first).toMatchObject({ cached: 0, backends: ['webgpu:nvidia ampere'] });
    expect(gpuRun.calls.length).toBe(1);
    // The same adapter: served from the cache, and still said to be its features.
    expect(await extractFeatures(params(m, ['mid'], 3, 9), listening())).toMatchObject({
      cached: 3,
      backends: ['webgpu:nvidia ampere'],
    });
    const wasm = fakeModel(m, 'bytes-gpu', 'wasm');
    expect(await extractFeatures(params(m, ['mid'], 3, 9), listening())).toMatchObject({
      cached: 0,
      backends: ['wasm'],
    });
    expect(wasm.calls.length).toBe(1);
    const other = fakeModel(m, 'bytes-gpu', 'webgpu', 'amd rdna3');
    expect((await extractFeatures(params(m, ['mid'], 3, 9), listening())).cached).toBe(0);
    expect(other.calls.length).toBe(1);
    expect(chunks).toEqual(['webgpu:nvidia ampere', 'webgpu:nvidia ampere', 'wasm', 'webgpu:amd rdna3']);
  });
});

/** A 3×256×256 model whose full-resolution blocks have 256 channels (64 MB a map per image). */
function bigManifest(): Manifest {
  const block = (name: string, stage: 'down' | 'mid' | 'up', level: number, channels: number) => ({
    name,
    output: name,
    stage,
    level,
    resolution: [256 >> level, 256 >> level] as [number, number],
    channels,
  });
  return {
    ...bundled(),
    input: { name: 'x', channels: 3, height: 256, width: 256, range: [-1, 1] },
    preprocessing: { ...bundled().preprocessing, color: 'rgb', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
    blocks: [
      block('d0', 'down', 0, 128),
      block('d1', 'down', 1, 256),
      block('mid', 'mid', 3, 512),
      block('u0', 'up', 0, 128),
    ],
  };
}

describe('extractFeatures fetches what it needs', () => {
  it('with the cache on, only the requested blocks; blocks computed later join the same records', async () => {
    const m = bundled();
    const { calls } = fakeModel(m, 'bytes-3');
    expect((await extractFeatures(params(m, ['mid'], 3, 3), ctx())).cached).toBe(0);
    expect(calls.map((c) => c.outputs)).toEqual([['mid']]);
    // Another block: a miss (the record lacks it), computed alone and merged into the records.
    expect((await extractFeatures(params(m, ['up1_0'], 3, 3), ctx())).cached).toBe(0);
    expect(calls[1].outputs).toEqual(['up1_0']);
    const both = await extractFeatures(params(m, ['mid', 'up1_0'], 3, 3), ctx());
    expect(both.cached).toBe(3);
    expect(calls.length).toBe(2);
  });

  it('batch size from bytes: a 256×256 model with 128-channel maps runs a few images a batch, not 32', async () => {
    const m = bigManifest();
    const wasm = fakeModel(m, 'bytes-4');
    await extractFeatures({ ...params(m, ['d0'], 5, 4), cache: false }, ctx());
    // An image: x_t 0.75 MB + d0 32 MB + what the pass holds (d0 + d1 48 MB for the skips, 3 × 32 MB):
    // 176.75 MB, two a batch in 512 MB.
    expect(wasm.calls.map((c) => c.count)).toEqual([2, 2, 1]);
    // WebGPU: bounded by the device's buffer limits (128 MB here): one image a batch.
    gpu.limits = { maxBufferSize: 2 ** 28, maxStorageBufferBindingSize: 2 ** 27 };
    const webgpu = fakeModel(m, 'bytes-4', 'webgpu');
    await extractFeatures({ ...params(m, ['d0'], 3, 4), cache: false }, ctx());
    expect(webgpu.calls.map((c) => c.count)).toEqual([1, 1, 1]);
    // The caller's batch size stays an upper bound.
    const small = fakeModel(bundled(), 'bytes-5');
    await extractFeatures({ ...params(bundled(), ['mid'], 5, 5), batchSize: 2, cache: false }, ctx());
    expect(small.calls.map((c) => c.count)).toEqual([2, 2, 1]);
  });
});

describe('extractFeatures checks its rows', () => {
  it('refuses pixel data that is not count images long (a missing image would shift every row)', async () => {
    const m = bundled();
    const { calls } = fakeModel(m, 'bytes-rows');
    const p = params(m, ['mid'], 3);
    const short = { ...p, images: { count: 3, data: p.images.data.subarray(0, 2 * 784) } };
    await expect(extractFeatures(short, ctx())).rejects.toThrow(/1568 values for 3 images/);
    expect(calls).toEqual([]);
  });
});
