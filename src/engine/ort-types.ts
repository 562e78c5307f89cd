/**
 * @file The slice of the ONNX Runtime JavaScript API that DiffProbe uses. onnxruntime-web and
 * onnxruntime-node both implement it (they share onnxruntime-common), so everything above the two
 * doors (onnx-web.ts, onnx-node.ts) is written once and runs in the browser, Node and the CLI.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';

export type OrtSession = InferenceSession;
export type OrtTensor = Tensor;
export type SessionOptions = InferenceSession.SessionOptions;

/** What a door hands to the engine: how to build tensors and sessions. */
export interface OrtRuntime {
  /** 'webgpu' | 'wasm' | 'cpu' (node): what sessions created by this runtime run on. */
  readonly name: string;
  createSession(model: Uint8Array, options?: SessionOptions): Promise<OrtSession>;
  float32(data: Float32Array, dims: readonly number[]): OrtTensor;
  int64(data: BigInt64Array, dims: readonly number[]): OrtTensor;
  int32(data: Int32Array, dims: readonly number[]): OrtTensor;
  /** A 'float16' tensor from binary16 bit patterns (core/float16.ts). */
  float16(data: Uint16Array, dims: readonly number[]): OrtTensor;
}
