import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { UNetSession } from '../../engine/unet-session';
import type { LoadedModel } from '../model-state';

const opened = vi.hoisted(() => ({ calls: [] as unknown[][] }));
// The WebGPU device, with a `lost` promise the tests settle.
const gpu = vi.hoisted(() => ({ device: null as { lost: Promise<GPUDeviceLostInfo> } | null }));
vi.mock('../../engine/onnx-web', () => ({ webgpuDevice: async () => gpu.device }));
vi.mock('../post', () => ({ post: vi.fn() }));
vi.mock('./open-backend', () => ({
  openOnBestBackend: async (...args: unknown[]) => {
    opened.calls.push(args);
    return { unet: { name: 'wasm session', release: vi.fn(async () => {}) }, threads: 1 };
  },
}));

const { recoverOnWasm, watchDeviceLoss } = await import('./device-loss');
const { post } = await import('../post');
const { enqueue } = await import('../job-queue');
const { currentModel, setCurrentModel } = await import('../model-state');

function webgpuModel(release: () => Promise<void> = async () => {}, id = 'model-a'): LoadedModel {
  return {
    unet: { name: 'webgpu session', release: vi.fn(release) } as unknown as UNetSession,
    info: { id, backend: 'webgpu', threads: 1, fallbackReason: null } as LoadedModel['info'],
    alphasCumprod: new Float64Array(1),
    bytes: new Uint8Array(1),
    sessionBytes: new Uint8Array(1),
    externalData: [],
  };
}

beforeEach(() => {
  opened.calls.length = 0;
  vi.mocked(post).mockClear();
});

describe('recoverOnWasm', () => {
  it('releases the WebGPU session once the WASM one has replaced it', async () => {
    const model = webgpuModel(async () => {});
    const old = model.unet;
    await Promise.all([recoverOnWasm(model, 'lost'), recoverOnWasm(model, 'lost again')]);
    expect(opened.calls.length).toBe(1);
    expect(model.unet).not.toBe(old);
    expect(model.info).toMatchObject({ backend: 'wasm', fallbackReason: 'lost' });
    expect(old.release).toHaveBeenCalledTimes(1);
    expect(model.unet.release).not.toHaveBeenCalled();
    expect(post).toHaveBeenCalledTimes(1);
  });

  it('a release that fails on the lost device does not fail the recovery', async () => {
    const rejecting = webgpuModel(() => Promise.reject(new Error('device is lost')));
    await expect(recoverOnWasm(rejecting, 'lost')).resolves.toBeUndefined();
    expect(rejecting.info.backend).toBe('wasm');
    const throwing = webgpuModel(() => {
      throw new Error('device is lost');
    });
    await expect(recoverOnWasm(throwing, 'lost')).resolves.toBeUndefined();
    expect(throwing.info.backend).toBe('wasm');
    expect(throwing.unet.release).not.toHaveBeenCalled();
  });
});

/** A promise and its resolve. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Lets every settled promise's callbacks run (a few macrotasks). */
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('a lost device', () => {
  it('waits in the job queue for the running job, then recovers the model it was made for', async () => {
    const lost = deferred<GPUDeviceLostInfo>();
    gpu.device = { lost: lost.promise };
    const model = webgpuModel();
    setCurrentModel(model);
    const job = deferred();
    const running = enqueue(() => job.promise);
    const watching = watchDeviceLoss(model);
    lost.resolve({ reason: 'unknown', message: 'GPU process crashed' } as GPUDeviceLostInfo);
    await settle();
    // Not beside the job: a second session opened mid-run fails it on WASM and WebGPU alike.
    expect(opened.calls.length).toBe(0);
    job.resolve();
    await running;
    await watching;
    expect(opened.calls.length).toBe(1);
    expect(model.info.backend).toBe('wasm');
    expect(post).toHaveBeenCalledWith(
      expect.objectContaining({
        event: expect.objectContaining({ type: 'backend-changed', model: 'model-a' }),
      }),
    );
  });

  it('leaves alone a model loaded while the recovery waited', async () => {
    const lost = deferred<GPUDeviceLostInfo>();
    gpu.device = { lost: lost.promise };
    const old = webgpuModel(async () => {}, 'model-a');
    setCurrentModel(old);
    const newer = webgpuModel(async () => {}, 'model-b');
    // A load runs: it makes another model current before the loss gets its turn.
    const load = deferred();
    const loading = enqueue(async () => {
      await load.promise;
      setCurrentModel(newer);
    });
    const watching = watchDeviceLoss(old);
    lost.resolve({ reason: 'unknown', message: 'GPU process crashed' } as GPUDeviceLostInfo);
    await settle();
    load.resolve();
    await loading;
    await watching;
    expect(currentModel()).toBe(newer);
    expect(opened.calls.length).toBe(0);
    expect(newer.info).toMatchObject({ backend: 'webgpu', fallbackReason: null });
    expect(post).not.toHaveBeenCalled();
  });
});
