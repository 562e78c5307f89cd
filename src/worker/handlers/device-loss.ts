/**
 * @file When the WebGPU device is lost (driver reset, GPU process crash, tab backgrounded too long),
 * rebuild the current model on WASM from the bytes we kept and tell the UI. Features computed so far
 * live on the main thread and in the cache, so nothing is lost.
 *
 * The device's `lost` promise settles at any time; the recovery it starts waits its turn in the job
 * queue (job-queue.ts), so it never opens a session beside a running job, and runs only if the
 * model it was made for is still the loaded one: a model loaded meanwhile is not touched, and the
 * event names the model it is about, so the UI never relabels another one.
 */
import { webgpuDevice } from '../../engine/onnx-web';
import { releaseBlockSessions } from '../block-sessions';
import { enqueue } from '../job-queue';
import { isLoaded, type LoadedModel } from '../model-state';
import { post } from '../post';
import { openOnBestBackend } from './open-backend';

/** Resolves once the recovery `model`'s device loss asked for has run (or was not needed). */
export function watchDeviceLoss(model: LoadedModel): Promise<void> {
  const id = model.info.id;
  return webgpuDevice()
    .then((device) => device?.lost ?? new Promise<never>(() => {}))
    .then((info) =>
      enqueue(async () => {
        // The current model or a companion (a twin, a second model for CKA), not one replaced or
        // let go while the loss waited.
        if (!isLoaded(model) || model.info.id !== id) return;
        const reason = `the WebGPU device was lost (${info.message || info.reason}); switched to WASM`;
        await recoverOnWasm(model, reason);
      }),
    )
    .catch((error) => console.warn('recovering from the lost WebGPU device failed', error));
}

const recovering = new WeakMap<LoadedModel, Promise<void>>();

/** Moves `model` to WASM once, however many failures (device.lost, failed runs) ask for it. */
export function recoverOnWasm(model: LoadedModel, reason: string): Promise<void> {
  if (model.info.backend === 'wasm') return Promise.resolve();
  let pending = recovering.get(model);
  if (!pending) {
    pending = moveToWasm(model, reason);
    recovering.set(model, pending);
  }
  return pending;
}

async function moveToWasm(model: LoadedModel, reason: string): Promise<void> {
  const old = model.unet;
  const opened = await openOnBestBackend(
    'wasm',
    model.sessionBytes,
    old.manifest,
    0,
    model.externalData,
    [],
    {},
    old.constants,
  );
  // The extraction sessions ran on the lost device too.
  await releaseBlockSessions(model);
  model.unet = opened.unet;
  model.info = {
    ...model.info,
    backend: 'wasm',
    adapter: null,
    threads: opened.threads,
    fallbackReason: reason,
  };
  post({
    kind: 'event',
    id: 0,
    event: { type: 'backend-changed', model: model.info.id, backend: 'wasm', reason },
  });
  // Free what the WebGPU session still holds (its weights, buffers, the JS side of the graph).
  // On a lost device release() may throw or reject; the model already runs on WASM either way.
  try {
    await old.release();
  } catch (error) {
    console.warn('releasing the WebGPU session after the switch to WASM failed', error);
  }
}
