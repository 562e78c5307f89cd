import type { EnvironmentInfo } from '../jobs';

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
    return { available: true, adapter: name, reason: null };
  } catch (error) {
    return {
      available: false,
      adapter: null,
      reason: `requesting a WebGPU adapter failed: ${String(error)}`,
    };
  }
}

let cached: Promise<EnvironmentInfo['webgpu']> | null = null;

export async function environment(): Promise<EnvironmentInfo> {
  cached ??= probeWebGpu();
  return {
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: globalThis.navigator?.hardwareConcurrency ?? 1,
    webgpu: await cached,
  };
}
