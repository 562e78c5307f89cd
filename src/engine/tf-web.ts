/**
 * @file The browser's door to TensorFlow.js (the worker): tf-wasm.ts with its .wasm files as
 * Vite assets. Imported dynamically (worker/handlers/head.ts), so tfjs and its .wasm are a chunk
 * of their own that a page fetches only when a head is trained; the threaded build's file is
 * emitted (setWasmPaths wants all three) but never fetched.
 */
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { TF } from '../core/heads/model';
import { wasmTf } from './tf-wasm';

export function webTf(): Promise<TF> {
  return wasmTf({
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  });
}
