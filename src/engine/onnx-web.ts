/**
 * @file The browser's door to ONNX Runtime: the only module that imports onnxruntime-web.
 *
 * We import the `/webgpu` build: it carries the native WebGPU execution provider (which, unlike the
 * older JSEP backend, accepts Conv nodes without explicit attributes) and the same multi-threaded
 * WASM provider as the default build. Backend choice is explicit (never ORT's silent fallback) so
 * the status bar can say which backend really runs, and why.
 */
import * as ort from 'onnxruntime-web/webgpu';
import type { Backend } from '../worker/jobs';
import type { OrtRuntime, SessionOptions } from './ort-types';

let configuredThreads: number | null = null;

/**
 * Threads for WASM: min(4, hardwareConcurrency), but only when cross-origin isolated — without
 * SharedArrayBuffer ORT would silently drop to one thread and log a warning. ORT reads this once,
 * at the first session, so it is fixed for the life of the worker.
 */
export function configureWasm(isolated: boolean, hardwareConcurrency: number, requested = 0): number {
  if (configuredThreads === null) {
    const auto = Math.max(1, Math.min(4, hardwareConcurrency || 1));
    configuredThreads = isolated ? (requested > 0 ? requested : auto) : 1;
    ort.env.wasm.numThreads = configuredThreads;
    ort.env.logLevel = 'error';
  }
  return configuredThreads;
}

export function webRuntime(backend: Backend): OrtRuntime {
  const executionProviders: SessionOptions['executionProviders'] =
    backend === 'webgpu' ? [{ name: 'webgpu', preferredLayout: 'NCHW' }] : ['wasm'];
  return {
    name: backend,
    createSession: (model, options) =>
      ort.InferenceSession.create(model, {
        graphOptimizationLevel: 'all',
        // ORT logs warnings (e.g. shape ops placed on CPU) through console.error; keep real errors only.
        logSeverityLevel: 3,
        ...options,
        executionProviders,
      }),
    float32: (data, dims) => new ort.Tensor('float32', data, dims),
    int64: (data, dims) => new ort.Tensor('int64', data, dims),
  };
}

/** The GPUDevice ORT created, once a WebGPU session exists (used to watch for device loss). */
export async function webgpuDevice(): Promise<GPUDevice | undefined> {
  // Depending on the execution provider this is the device itself or a promise of it.
  return (await (ort.env.webgpu?.device as unknown)) as GPUDevice | undefined;
}
