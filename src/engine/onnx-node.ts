/**
 * @file Node's door to ONNX Runtime (CLI, unit tests, benchmarks): the only module that imports
 * onnxruntime-node. Native execution on the CPU, or on the CUDA execution provider where it is
 * installed; `threads` sets intra-op parallelism.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { DiffProbeError } from '../core/errors';
import type { OrtRuntime } from './ort-types';

export type NodeDevice = 'cpu' | 'cuda';

/**
 * Whether onnxruntime-node can use the CUDA execution provider here, and if not, what is missing.
 * The npm package bundles only the CPU provider for linux-x64; its install script downloads the
 * CUDA provider from outside the npm registry, which this project's package.json denies (`allowScripts`).
 */
export function cudaAvailability(): { ok: boolean; missing: string | null } {
  if (!ort.listSupportedBackends().some((b) => b.name === 'cuda'))
    return {
      ok: false,
      missing: `onnxruntime-node ${ort.env.versions.common ?? ''} has no CUDA execution provider for ${process.platform}-${process.arch} (only linux-x64 and win32-x64 do)`,
    };
  const require = createRequire(import.meta.url);
  const binDir = join(
    dirname(require.resolve('onnxruntime-node')),
    '..',
    'bin',
    'napi-v6',
    process.platform,
    process.arch,
  );
  const lib =
    process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  if (!existsSync(join(binDir, lib)))
    return {
      ok: false,
      missing: `${lib} is not in ${binDir}: onnxruntime-node was installed without its CUDA provider (the project's package.json denies the install script that downloads it). On a machine with CUDA 12 and cuDNN 9, run \`npm run install:cuda\``,
    };
  return { ok: true, missing: null };
}

/**
 * @param threads intra-op threads (CPU).
 * @param device 'cuda' needs the CUDA provider ({@link cudaAvailability}); else a
 *   DiffProbeError('backend-unavailable') names what is missing. ONNX Runtime's silent fallback to
 *   the CPU is never relied on: a session that cannot start on CUDA fails.
 */
export function nodeRuntime(threads = 1, device: NodeDevice = 'cpu'): OrtRuntime {
  if (device === 'cuda') {
    const cuda = cudaAvailability();
    if (!cuda.ok) throw new DiffProbeError('backend-unavailable', `--device cuda: ${cuda.missing}`);
  }
  return {
    name: device,
    createSession: async (model, options) => {
      try {
        return await ort.InferenceSession.create(model, {
          graphOptimizationLevel: 'all',
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
          ...options,
          executionProviders: [device],
        });
      } catch (error) {
        if (device !== 'cuda') throw error;
        throw new DiffProbeError(
          'backend-unavailable',
          `--device cuda: ONNX Runtime could not start a CUDA session (${(error as Error).message.split('\n')[0]}); it needs CUDA 12 and cuDNN 9 on the library path`,
        );
      }
    },
    float32: (data, dims) => new ort.Tensor('float32', data, dims),
    int64: (data, dims) => new ort.Tensor('int64', data, dims),
    int32: (data, dims) => new ort.Tensor('int32', data, dims),
    float16: (data, dims) => new ort.Tensor('float16', data, dims),
  };
}

/** onnxruntime-node's version, for run records. */
export function nodeRuntimeVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common ?? 'unknown';
}
