/**
 * @file forward and extractFeatures: run the current model. A device loss mid-run moves the model
 * to WASM and retries the same batch once, so a long extraction survives it.
 */
import { DiffProbeError } from '../../core/errors';
import { forwardOne } from '../../pipeline/extract';
import type { JobContext } from '../context';
import { toWireError } from '../dispatch';
import type { ForwardParams, ForwardResult } from '../jobs';
import { currentModel, findModel, type LoadedModel } from '../model-state';
import { recoverOnWasm } from './device-loss';
import { takeInjectedFault } from './faults';

/**
 * The loaded model, checked against the one the job was made for: a probe or sweep sends one job
 * per timestep, and a model opened between two of them must not answer the later ones.
 */
export function requireModel(expected?: string): LoadedModel {
  const model = currentModel();
  if (!model) throw new DiffProbeError('model-missing', 'no model is loaded yet');
  // A companion (a twin or a second model opened for a comparison) answers jobs made for it.
  const companion = expected !== undefined && expected !== model.info.id ? findModel(expected) : null;
  if (companion) return companion;
  if (expected !== undefined && expected !== model.info.id)
    throw new DiffProbeError(
      'model-changed',
      `this job was made for another model (${expected.slice(0, 12)}…) than the one now loaded, ${model.info.manifest.name} (${model.info.id.slice(0, 12)}…)`,
      { expected, loaded: model.info.id },
    );
  return model;
}

export function checkTimestep(model: LoadedModel, t: number): void {
  const steps = model.alphasCumprod.length;
  if (!Number.isInteger(t) || t < 0 || t >= steps)
    throw new DiffProbeError('internal', `timestep ${JSON.stringify(t)} is outside 0…${steps - 1}`);
}

export { withRecovery };

/** Runs `fn`; if WebGPU fails with a device loss, rebuilds on WASM and runs it once more. */
async function withRecovery<T>(
  model: LoadedModel,
  fn: () => Promise<T>,
  retry = true,
): Promise<T | undefined> {
  const startedOn = model.info.backend;
  try {
    const injected = startedOn === 'webgpu' ? takeInjectedFault() : null;
    if (injected) throw injected;
    return await fn();
  } catch (error) {
    const code = toWireError(error).code;
    // A run that was on WebGPU when the device went away fails with whatever the half-released
    // buffers say ("Buffer was unmapped…"); once the model has moved to WASM, that is a device loss.
    const lost = code === 'device-lost' || code === 'out-of-memory' || model.info.backend !== startedOn;
    if (startedOn !== 'webgpu' || !lost) throw error;
    await recoverOnWasm(model, `WebGPU failed during a run (${code}); switched to WASM`);
    return retry ? fn() : undefined;
  }
}

export async function forward(params: ForwardParams, _ctx: JobContext): Promise<ForwardResult> {
  const model = requireModel(params.model);
  checkTimestep(model, params.t);
  const started = performance.now();
  const { xt, x0Pred, maps } = (await withRecovery(model, () =>
    forwardOne(model.unet, params.x0, params.t, params.seed, params.blocks, model.alphasCumprod),
  ))!;
  const out: ForwardResult['maps'] = {};
  for (const block of params.blocks) {
    const { data, dims } = maps[block];
    out[block] = { data, shape: [dims[1], dims[2], dims[3]] };
  }
  return { t: params.t, xt, x0Pred, maps: out, ms: performance.now() - started };
}
