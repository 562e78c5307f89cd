/**
 * @file Gram matrices on ONNX Runtime (core/cka/gram-graph.ts): the worker's and the CLI's way to
 * reduce full feature maps for CKA. One session per runtime, created on first use.
 */
import { GRAM_IO, gramGraph } from '../core/cka/gram-graph';
import type { OrtRuntime, OrtSession } from './ort-types';

const sessions = new WeakMap<OrtRuntime, Promise<OrtSession>>();

/** K = X·Xᵀ of n×p row-major float32 data, as float64 (for the centring that follows). */
export async function ortGram(
  runtime: OrtRuntime,
  X: Float32Array,
  n: number,
  p: number,
): Promise<Float64Array> {
  let session = sessions.get(runtime);
  if (!session) {
    session = runtime.createSession(gramGraph(), { graphOptimizationLevel: 'basic' });
    sessions.set(runtime, session);
  }
  const out = await (await session).run({ [GRAM_IO.X]: runtime.float32(X, [n, p]) });
  const K = Float64Array.from(out[GRAM_IO.K].data as Float32Array);
  out[GRAM_IO.K].dispose?.();
  return K;
}
