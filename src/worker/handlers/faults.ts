/**
 * @file simulateFault: see jobs.ts. Only ever triggered explicitly (console API / e2e tests).
 */
import { DiffProbeError } from '../../core/errors';
import { webgpuDevice } from '../../engine/onnx-web';
import type { Backend } from '../jobs';
import { currentModel } from '../model-state';

let failNextRun = false;

/** Called by run handlers before a WebGPU run. */
export function takeInjectedFault(): Error | null {
  if (!failNextRun) return null;
  failNextRun = false;
  return new Error('simulated fault: Failed to allocate a GPU buffer (out of memory)');
}

export async function simulateFault(params: {
  kind: 'lose-device' | 'out-of-memory';
}): Promise<{ backend: Backend }> {
  const model = currentModel();
  if (model?.info.backend !== 'webgpu')
    throw new DiffProbeError('backend-unavailable', 'fault injection needs a model running on WebGPU');
  if (params.kind === 'out-of-memory') failNextRun = true;
  else (await webgpuDevice())?.destroy();
  return { backend: model.info.backend };
}
