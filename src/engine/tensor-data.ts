/**
 * @file A float output's values as a Float32Array, wherever ONNX Runtime left them: on the CPU or
 * in a GPU buffer (downloaded), as float32 or as float16 (a float16 model's outputs, cast at the
 * boundary: bit patterns in a Uint16Array, or a Float16Array where the platform has one).
 */
import { DiffProbeError } from '../core/errors';
import { fromFloat16Bits, toFloat16Bits } from '../core/float16';
import type { TensorDtype } from '../core/manifest/types';
import type { OrtRuntime, OrtTensor } from './ort-types';

export async function floatData(tensor: OrtTensor): Promise<Float32Array> {
  // GPU-resident outputs must be downloaded; CPU ones are read directly.
  const data = tensor.location && tensor.location !== 'cpu' ? await tensor.getData(true) : tensor.data;
  if (data instanceof Float32Array) return data;
  if (tensor.type === 'float16') {
    if (data instanceof Uint16Array) return fromFloat16Bits(data);
    // A Float16Array (Chromium, recent Node): its elements are numbers already.
    if (ArrayBuffer.isView(data)) return Float32Array.from(data as unknown as ArrayLike<number>);
  }
  throw new DiffProbeError('model-mismatch', `output has type ${tensor.type}, expected float32 or float16`);
}

/**
 * A tensor of `dtype` holding `values` (rounded for the integer types; float16 as its nearest
 * half): how the timestep, extra inputs and a float16 model's image are fed.
 */
export function tensorOf(
  runtime: OrtRuntime,
  dtype: TensorDtype,
  values: ArrayLike<number>,
  dims: readonly number[],
): OrtTensor {
  if (dtype === 'float32')
    return runtime.float32(values instanceof Float32Array ? values : Float32Array.from(values), dims);
  if (dtype === 'float16') return runtime.float16(toFloat16Bits(values), dims);
  if (dtype === 'int32')
    return runtime.int32(
      Int32Array.from(values, (v) => Math.round(v)),
      dims,
    );
  return runtime.int64(
    BigInt64Array.from(values, (v) => BigInt(Math.round(v))),
    dims,
  );
}
