import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { UNetSession } from '../../engine/unet-session';
import type { LoadedModel } from '../model-state';

const opened = vi.hoisted(() => ({ calls: [] as unknown[][] }));
vi.mock('../../engine/onnx-web', () => ({ webgpuDevice: async () => null }));
vi.mock('../post', () => ({ post: vi.fn() }));
vi.mock('./open-backend', () => ({
  openOnBestBackend: async (...args: unknown[]) => {
    opened.calls.push(args);
    return { unet: { name: 'wasm session', release: vi.fn(async () => {}) }, threads: 1 };
  },
}));

const { recoverOnWasm } = await import('./device-loss');
const { post } = await import('../post');

function webgpuModel(release: () => Promise<void>): LoadedModel {
  return {
    unet: { name: 'webgpu session', release: vi.fn(release) } as unknown as UNetSession,
    info: { backend: 'webgpu', threads: 1, fallbackReason: null } as LoadedModel['info'],
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
