/**
 * @file Node's door to ONNX Runtime (CLI, unit tests, benchmarks): the only module that imports
 * onnxruntime-node. Native CPU execution; `threads` sets intra-op parallelism.
 */
import * as ort from 'onnxruntime-node';
import type { OrtRuntime } from './ort-types';

export function nodeRuntime(threads = 1): OrtRuntime {
  return {
    name: 'cpu',
    createSession: (model, options) =>
      ort.InferenceSession.create(model, {
        graphOptimizationLevel: 'all',
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        ...options,
        executionProviders: ['cpu'],
      }),
    float32: (data, dims) => new ort.Tensor('float32', data, dims),
    int64: (data, dims) => new ort.Tensor('int64', data, dims),
    int32: (data, dims) => new ort.Tensor('int32', data, dims),
  };
}
