/**
 * @file openOnBestBackend: the backend a model runs on, and why. Apart from the loader so that
 * device-loss recovery (device-loss.ts, which the loader starts) can reopen a model on WASM
 * without the two importing each other.
 */
import type { Manifest } from '../../core/manifest/types';
import { configureWasm, webRuntime } from '../../engine/onnx-web';
import type { AutoDecision, Backend, BackendChoice } from '../jobs';
import { describeDecision, type Measurement, measure, rememberedDecision } from './auto-backend';
import { environment } from './environment';
import { type ExternalData, openSession } from './open-session';

/**
 * Opens the model on the backend asked for, recording why it is not that one when it is not.
 * 'webgpu' and 'wasm' are honoured where possible. 'auto' never takes a software WebGPU adapter
 * (SwiftShader, llvmpipe…); with a hardware one it uses the decision remembered for this model
 * (`auto.model`, its ModelInfo.id) and device, or measures one warm batch on each backend and
 * keeps the faster (handlers/auto-backend.ts), returning the measurement for the page to remember.
 */
export async function openOnBestBackend(
  choice: BackendChoice,
  bytes: Uint8Array,
  manifest: Manifest,
  wasmThreads = 0,
  externalData: ExternalData = [],
  webgpuUnsupported: readonly string[] = [],
  auto: { model?: string; decisions?: readonly AutoDecision[] } = {},
  /** Extra inputs fed from a .npy (an embedding), by input name. */
  constants: Readonly<Record<string, Float32Array>> = {},
  /** The app's own checksum-checked model: no check runs (open-session.ts). */
  knownGood = false,
): Promise<{
  unet: Awaited<ReturnType<typeof openSession>>;
  backend: Backend;
  fallbackReason: string | null;
  threads: number;
  /** Why 'auto' chose this backend. */
  backendReason: string | null;
  /** What 'auto' measured now (null when it did not measure). */
  autoDecision: AutoDecision | null;
  /** The WebGPU adapter the session runs on (null on WASM). */
  adapter: string | null;
}> {
  const env = await environment();
  const threads = configureWasm(env.crossOriginIsolated, env.hardwareConcurrency, wasmThreads);
  let fallbackReason: string | null = null;
  let backendReason: string | null = null;
  let autoDecision: AutoDecision | null = null;
  let unet: Awaited<ReturnType<typeof openSession>> | null = null;
  /**
   * The WebGPU session, or null with fallbackReason set. Any failure falls back: a model that is
   * itself broken fails on WASM too and is refused there, with WASM's own message; one that only
   * WebGPU cannot build (a kernel, a shader, a buffer limit) still opens.
   */
  const tryWebGpu = async () => {
    try {
      return await openSession(
        await webRuntime('webgpu'),
        bytes,
        manifest,
        externalData,
        constants,
        undefined,
        knownGood,
      );
    } catch (error) {
      fallbackReason = `WebGPU failed: ${error instanceof Error ? error.message : String(error)}`;
      return null;
    }
  };
  const openWasm = async () =>
    openSession(await webRuntime('wasm'), bytes, manifest, externalData, constants, undefined, knownGood);
  const result = (backend: Backend, session: NonNullable<typeof unet>) => ({
    unet: session,
    backend,
    fallbackReason,
    threads,
    backendReason,
    autoDecision,
    adapter: backend === 'webgpu' ? (env.webgpu.adapter ?? 'unknown adapter') : null,
  });
  if (choice !== 'wasm') {
    const adapter = env.webgpu.adapter ?? 'unknown adapter';
    const known =
      choice === 'auto' && auto.model
        ? rememberedDecision(auto.decisions, auto.model, adapter, threads)
        : undefined;
    if (!env.webgpu.available) {
      fallbackReason = env.webgpu.reason;
    } else if (webgpuUnsupported.length) {
      // ORT would place these nodes on the CPU silently, copying tensors back and forth each run.
      fallbackReason = `WebGPU has no kernel for ${webgpuUnsupported.join(', ')} in this model, so it runs on WASM`;
    } else if (choice === 'auto' && env.webgpu.software) {
      backendReason = `Auto: WASM; the WebGPU adapter (${adapter}) renders in software, 40–85× slower than WASM, so it was not measured`;
    } else if (known) {
      backendReason = describeDecision(known, true);
      if (known.backend === 'webgpu') {
        const gpu = await tryWebGpu();
        if (gpu) return result('webgpu', gpu);
        backendReason = null;
      }
    } else if (choice === 'auto' && auto.model) {
      const wasm = await openWasm();
      const gpu = await tryWebGpu();
      if (gpu) {
        let measured: Measurement | null = null;
        try {
          measured = await measure(wasm, gpu);
        } catch (error) {
          fallbackReason = `WebGPU failed while measuring: ${error instanceof Error ? error.message : String(error)}`;
        }
        const loser = measured?.backend === 'webgpu' ? wasm : gpu;
        await loser.release().catch(() => {});
        if (measured) {
          const { webgpuEstimated: _, ...numbers } = measured;
          autoDecision = { model: auto.model, adapter, threads, ...numbers };
          backendReason = describeDecision(measured, false);
          if (measured.backend === 'webgpu') return result('webgpu', gpu);
        }
      }
      unet = wasm;
    } else {
      const gpu = await tryWebGpu();
      if (gpu) return result('webgpu', gpu);
    }
  }
  if (!env.crossOriginIsolated) {
    const why = 'the page is not cross-origin isolated, so WASM runs on one thread';
    fallbackReason = fallbackReason ? `${fallbackReason}; ${why}` : why;
  }
  return result('wasm', unet ?? (await openWasm()));
}
