// A read-back that throws (a lost WebGPU device fails mapAsync) must not leave GPU buffers behind:
// UNetSession and BlockSession dispose every output tensor of the run, the one that failed and the
// ones not read yet, and the run fails with the read-back's error.
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import type { Manifest } from '../core/manifest/types';
import type { BlockExtractionPlan } from '../core/onnx/pooling-head';
import { BlockSession } from './block-session';
import type { OrtRuntime, OrtSession, OrtTensor } from './ort-types';
import { UNetSession } from './unet-session';

const manifest: Manifest = JSON.parse(readFileSync('public/models/fashion-mnist-ddpm/manifest.json', 'utf8'));

/** A GPU-resident output whose download fails when `fails`. */
function gpuTensor(fails: boolean) {
  return {
    location: 'gpu-buffer',
    type: 'float32',
    dims: [1, 64, 7, 7],
    getData: vi.fn(async () => {
      if (fails) throw new Error('Failed to download data from buffer');
      return new Float32Array(64 * 49);
    }),
    dispose: vi.fn(),
  };
}

/** A runtime whose sessions answer every run with `outputs()`. */
function runtimeGiving(outputs: () => Record<string, ReturnType<typeof gpuTensor>>): OrtRuntime {
  const tensor = (data: unknown, dims: readonly number[]) => ({ data, dims }) as unknown as OrtTensor;
  return {
    name: 'webgpu',
    createSession: async () =>
      ({
        inputNames: ['x_t', 't'],
        outputNames: ['eps', ...manifest.blocks.map((b) => b.output), 'pooled_mid', 'pooled_up1_0'],
        run: async () => outputs(),
        release: async () => {},
      }) as unknown as OrtSession,
    float32: tensor,
    float16: tensor,
    int64: tensor,
    int32: tensor,
  };
}

const xt = new Float32Array(784);

describe('a read-back that throws releases every output of the run', () => {
  it('UNetSession', async () => {
    let last: Record<string, ReturnType<typeof gpuTensor>> = {};
    const rt = runtimeGiving(() => {
      last = { mid: gpuTensor(true), up1_0: gpuTensor(false) };
      return last;
    });
    const unet = await UNetSession.create(rt, new Uint8Array(), manifest);
    await expect(unet.run(xt, 1, [0], ['mid', 'up1_0'])).rejects.toThrow('Failed to download');
    expect(last.mid.dispose).toHaveBeenCalled();
    expect(last.up1_0.dispose).toHaveBeenCalled();
  });

  it('BlockSession', async () => {
    let last: Record<string, ReturnType<typeof gpuTensor>> = {};
    const rt = runtimeGiving(() => {
      last = { pooled_mid: gpuTensor(false), pooled_up1_0: gpuTensor(true) };
      return last;
    });
    const unet = await UNetSession.create(rt, new Uint8Array(), manifest);
    const plan = {
      bytes: new Uint8Array(),
      outputs: { mid: 'pooled_mid', up1_0: 'pooled_up1_0' },
      guards: {},
      dims: { mid: 64, up1_0: 64 },
      shapes: { mid: [64], up1_0: [64] },
    } as unknown as BlockExtractionPlan;
    const session = await BlockSession.open(unet, plan, ['mid', 'up1_0'], { kind: 'avg' });
    await expect(session.run(xt, 1, [0])).rejects.toThrow('Failed to download');
    expect(last.pooled_mid.dispose).toHaveBeenCalled();
    expect(last.pooled_up1_0.dispose).toHaveBeenCalled();
  });
});
