import { configureWasm, startWasm, wasmHeapBytes } from '../../engine/onnx-web';
import type { BackendChoice, EnvironmentInfo } from '../jobs';

/** Names of software rasterisers as adapters report them (architecture, description, device). */
const SOFTWARE_RENDERERS = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i;

/**
 * Whether WebGPU runs on the CPU: the adapter says so (GPUAdapterInfo.isFallbackAdapter, or the
 * older GPUAdapter.isFallbackAdapter), or it names a software renderer. Headless Chromium with
 * --enable-unsafe-webgpu, and some VMs, expose SwiftShader this way.
 */
export function isSoftwareAdapter(adapter: GPUAdapter): boolean {
  const info = adapter.info as
    | (GPUAdapterInfo & { isFallbackAdapter?: boolean; device?: string })
    | undefined;
  if (info?.isFallbackAdapter === true) return true;
  if ((adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter === true) return true;
  const text = [info?.vendor, info?.architecture, info?.description, info?.device].filter(Boolean).join(' ');
  return SOFTWARE_RENDERERS.test(text);
}

/** Probes WebGPU once: an adapter must exist (Chromium returns null without --enable-unsafe-webgpu on Linux). */
export async function probeWebGpu(): Promise<EnvironmentInfo['webgpu']> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu)
    return {
      available: false,
      adapter: null,
      reason: 'this browser has no WebGPU (navigator.gpu is missing)',
    };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter)
      return { available: false, adapter: null, reason: 'WebGPU is present but no GPU adapter is available' };
    const info = adapter.info;
    const name =
      [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'unknown adapter';
    return { available: true, adapter: name, reason: null, software: isSoftwareAdapter(adapter) };
  } catch (error) {
    return {
      available: false,
      adapter: null,
      reason: `requesting a WebGPU adapter failed: ${String(error)}`,
    };
  }
}

let cached: Promise<EnvironmentInfo['webgpu']> | null = null;

/** What this context allows WASM: threads need cross-origin isolation (SharedArrayBuffer). */
function host(): { crossOriginIsolated: boolean; hardwareConcurrency: number } {
  return {
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: globalThis.navigator?.hardwareConcurrency ?? 1,
  };
}

export async function environment(): Promise<EnvironmentInfo> {
  cached ??= probeWebGpu();
  return { ...host(), wasmHeapBytes: wasmHeapBytes(), webgpu: await cached };
}

/**
 * Starts ORT's WASM backend at once when the page will use it (any choice but WebGPU alone: Auto
 * opens WASM too, and WASM is every fallback), so that its download and compilation overlap the
 * page's start and the model's download. The thread count is the one the load will ask for.
 */
export function prepareWasm({
  backend,
  wasmThreads,
}: {
  backend: BackendChoice;
  wasmThreads?: number;
}): void {
  if (backend === 'webgpu') return;
  const { crossOriginIsolated, hardwareConcurrency } = host();
  configureWasm(crossOriginIsolated, hardwareConcurrency, wasmThreads);
  void startWasm();
}
