/**
 * @file Messages between the compute worker and its engine helper (helper-worker.ts): a second
 * onnxruntime-web instance in a nested worker, whose sessions the compute worker drives as if they
 * were its own (remote-runtime.ts). Tensors travel as their type, data and dims.
 */
import type { SessionOptions } from '../../engine/ort-types';

export interface WireTensor {
  type: 'float32' | 'int64' | 'int32' | 'float16';
  /** float16: binary16 bit patterns (a Float16Array where ONNX Runtime gives one). */
  data: Float32Array | BigInt64Array | Int32Array | Uint16Array;
  dims: number[];
}

export type HelperRequest =
  | { id: number; op: 'init'; threads: number }
  | { id: number; op: 'create'; model: Uint8Array; options: Pick<SessionOptions, 'graphOptimizationLevel'> }
  | { id: number; op: 'run'; session: number; feeds: Record<string, WireTensor>; fetch: string[] }
  | { id: number; op: 'release'; session: number };

export type HelperReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; message: string };

/** What 'create' answers. */
export interface CreatedSession {
  session: number;
  inputNames: string[];
  outputNames: string[];
}
