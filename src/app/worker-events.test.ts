// Events the compute worker sends unasked: a switch to WASM is shown for the model it is about,
// and an event about a model that another has replaced since changes nothing.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { getState, useStore } from '../state/store';
import { A, B } from '../state/test-models';
import type { WorkerEvent } from '../worker/protocol';

const events = vi.hoisted(() => ({ listener: null as ((event: WorkerEvent) => void) | null }));
vi.mock('./compute', () => ({
  compute: () => ({
    onEvent: (listener: (event: WorkerEvent) => void) => {
      events.listener = listener;
      return () => {};
    },
  }),
}));

const { listenToWorker } = await import('./commands');
const initial = getState();

beforeEach(() => {
  useStore.setState(initial, true);
  getState().switchModel({ ...A, backend: 'webgpu' }, true);
  listenToWorker();
});

const lost = (model: string): WorkerEvent => ({
  type: 'backend-changed',
  model,
  backend: 'wasm',
  reason: 'the WebGPU device was lost',
});

describe('backend-changed', () => {
  it('relabels the model it names and says so', () => {
    events.listener!(lost(A.id));
    expect(getState().model).toMatchObject({
      id: A.id,
      backend: 'wasm',
      fallbackReason: 'the WebGPU device was lost',
    });
    expect(getState().notices.at(-1)).toMatchObject({ level: 'warning', title: 'Switched to WASM' });
  });

  it('leaves a newer model alone', () => {
    getState().switchModel({ ...B, backend: 'webgpu' }, false);
    const before = getState();
    events.listener!(lost(A.id));
    expect(getState().model).toMatchObject({ id: B.id, backend: 'webgpu' });
    expect(getState().notices).toEqual(before.notices);
  });
});
