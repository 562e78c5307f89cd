/**
 * @file Reading a run's outputs into plain float32 arrays, for UNetSession and BlockSession alike.
 * GPU-resident outputs (and float16 ones, engine/tensor-data.ts) (`preferredOutputLocation: 'gpu-buffer'`) are downloaded; every tensor the
 * run returned is disposed afterwards, also when a read-back throws (a lost device fails mapAsync):
 * a tensor left undisposed keeps its GPU buffer until the session ends, and a loop that retries
 * after each failure would pile them up.
 */
import type { OrtTensor } from './ort-types';
import { floatData } from './tensor-data';

export interface ReadOutput {
  data: Float32Array;
  dims: number[];
}

/** Reads `names` of `results` (in order; a name may repeat), then disposes every tensor of `results`. */
export async function readOutputs(
  results: Record<string, OrtTensor>,
  names: readonly string[],
): Promise<Record<string, ReadOutput>> {
  const out: Record<string, ReadOutput> = {};
  try {
    for (const name of names) {
      if (name in out) continue;
      const tensor = results[name];
      // Downloaded from the GPU when it lives there; a float16 output widened to float32.
      out[name] = { data: await floatData(tensor), dims: tensor.dims.map(Number) };
    }
    return out;
  } finally {
    for (const tensor of new Set(Object.values(results))) {
      try {
        tensor.dispose?.();
      } catch {
        // A tensor on a lost device may refuse; its buffer is gone with the device.
      }
    }
  }
}
