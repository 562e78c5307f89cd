/**
 * @file loadModel: fetch or receive a manifest + ONNX, validate, create a session on the best
 * backend (WebGPU first unless told otherwise, else WASM), warm it up, then make it current.
 */
import { DiffProbeError } from '../../core/errors';
import type { Manifest } from '../../core/manifest/types';
import { validateManifest } from '../../core/manifest/validate';
import { scheduleFromManifest } from '../../core/schedule';
import { configureWasm, webRuntime } from '../../engine/onnx-web';
import { UNetSession } from '../../engine/unet-session';
import type { JobContext } from '../context';
import type { Backend, BackendChoice, ModelInfo, ModelSource } from '../jobs';
import { currentModel, type LoadedModel, setCurrentModel } from '../model-state';
import { watchDeviceLoss } from './device-loss';
import { environment } from './environment';

async function fetchBytes(url: string, what: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new DiffProbeError('model-missing', `could not fetch the ${what} at ${url}: ${String(error)}`, {
      url,
    });
  }
  if (!response.ok)
    throw new DiffProbeError('model-missing', `the ${what} at ${url} answered HTTP ${response.status}`, {
      url,
    });
  return new Uint8Array(await response.arrayBuffer());
}

function parseManifest(text: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DiffProbeError(
      'manifest-invalid',
      `the manifest is not valid JSON: ${(error as Error).message}`,
    );
  }
  return validateManifest(json);
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function readSource(source: ModelSource): Promise<{ manifest: Manifest; bytes: Uint8Array }> {
  if (source.kind === 'files') {
    const manifest = parseManifest(source.manifestText);
    return { manifest, bytes: new Uint8Array(source.modelBytes) };
  }
  const manifestBytes = await fetchBytes(source.manifestUrl, 'manifest');
  const manifest = parseManifest(new TextDecoder().decode(manifestBytes));
  const modelUrl = new URL(manifest.model.file, source.manifestUrl).href;
  return { manifest, bytes: await fetchBytes(modelUrl, 'model file') };
}

/** Creates and warms up a session; the warm-up run also checks every output shape. */
async function openSession(backend: Backend, bytes: Uint8Array, manifest: Manifest): Promise<UNetSession> {
  const unet = await UNetSession.create(await webRuntime(backend), bytes, manifest);
  const { channels, height, width } = manifest.input;
  try {
    await unet.run(new Float32Array(channels * height * width), 1, [0], ['eps', ...unet.blockNames]);
  } catch (error) {
    await unet.release().catch(() => {});
    throw error;
  }
  return unet;
}

export async function openOnBestBackend(
  choice: BackendChoice,
  bytes: Uint8Array,
  manifest: Manifest,
  wasmThreads = 0,
): Promise<{ unet: UNetSession; backend: Backend; fallbackReason: string | null; threads: number }> {
  const env = await environment();
  const threads = configureWasm(env.crossOriginIsolated, env.hardwareConcurrency, wasmThreads);
  let fallbackReason: string | null = null;
  if (choice !== 'wasm') {
    if (!env.webgpu.available) {
      fallbackReason = env.webgpu.reason;
    } else {
      try {
        return {
          unet: await openSession('webgpu', bytes, manifest),
          backend: 'webgpu',
          fallbackReason,
          threads,
        };
      } catch (error) {
        // A model that is itself broken fails on WASM too; only backend trouble is worth a fallback.
        if (error instanceof DiffProbeError && error.code !== 'out-of-memory') throw error;
        fallbackReason = `WebGPU failed: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
  }
  if (!env.crossOriginIsolated) {
    const why = 'the page is not cross-origin isolated, so WASM runs on one thread';
    fallbackReason = fallbackReason ? `${fallbackReason}; ${why}` : why;
  }
  return { unet: await openSession('wasm', bytes, manifest), backend: 'wasm', fallbackReason, threads };
}

export async function loadModel(
  params: { source: ModelSource; backend: BackendChoice; wasmThreads?: number },
  ctx: JobContext,
): Promise<ModelInfo> {
  const started = performance.now();
  ctx.progress(0, 3, 'reading model');
  const { manifest, bytes } = await readSource(params.source);
  ctx.progress(1, 3, 'checking model');
  const hash = await sha256Hex(bytes);
  if (manifest.model.sha256 && manifest.model.sha256.toLowerCase() !== hash)
    throw new DiffProbeError(
      'model-corrupt',
      `the model file's sha256 is ${hash.slice(0, 12)}…, the manifest expects ${manifest.model.sha256.slice(0, 12)}…`,
      { expected: manifest.model.sha256, actual: hash },
    );
  await ctx.checkpoint();
  ctx.progress(2, 3, 'creating session');
  const opened = await openOnBestBackend(params.backend, bytes, manifest, params.wasmThreads);
  const info: ModelInfo = {
    hash,
    manifest,
    backend: opened.backend,
    threads: opened.backend === 'wasm' ? opened.threads : 0,
    fallbackReason: opened.fallbackReason,
    loadMs: Math.round(performance.now() - started),
  };
  const loaded: LoadedModel = {
    unet: opened.unet,
    info,
    alphasCumprod: scheduleFromManifest(manifest.schedule).alphasCumprod,
    bytes,
  };
  const previous = setCurrentModel(loaded);
  if (previous && previous.unet !== loaded.unet) await previous.unet.release().catch(() => {});
  if (opened.backend === 'webgpu') watchDeviceLoss(loaded);
  ctx.progress(3, 3, 'ready');
  return info;
}

export { currentModel };
