/**
 * @file Named user intents. Buttons, keyboard shortcuts, URL loading and tests all go through these;
 * each one talks to the worker and patches the store. Components never call the worker directly.
 */
import { DiffProbeError } from '../core/errors';
import { loadBundledDataset } from '../data/bundled';
import { getState } from '../state/store';
import type { RunOptions } from '../worker/client';
import type { BackendChoice, ModelSource } from '../worker/jobs';
import type { JobName, JobParams, JobResult } from '../worker/protocol';
import { compute } from './compute';
import { describeError } from './messages';

export const DEFAULT_MANIFEST_URL = 'models/fashion-mnist-ddpm/manifest.json';

/** Runs a worker job with a progress entry in the store and a Stop handle; errors become notices. */
export async function runJob<K extends JobName>(
  key: string,
  label: string,
  job: K,
  params: JobParams<K>,
  options: Omit<RunOptions<K>, 'signal'> = {},
): Promise<JobResult<K> | null> {
  const controller = new AbortController();
  const s = getState();
  s.jobs[key]?.cancel();
  const cancel = () => controller.abort();
  s.startJob(key, label, cancel);
  try {
    return await compute().run(job, params, {
      ...options,
      signal: controller.signal,
      onProgress: (p) => getState().updateJob(key, p),
    });
  } catch (error) {
    if (!(error instanceof DiffProbeError && error.code === 'cancelled')) {
      const { title, text } = describeError(error);
      getState().notify('error', title, text);
    }
    return null;
  } finally {
    // A newer job under the same key may have replaced this one; leave its entry alone.
    if (getState().jobs[key]?.cancel === cancel) getState().endJob(key);
    if (job === 'extractFeatures') void refreshCacheStats().catch(() => {});
  }
}

/** Worker events: WebGPU lost or failing → the model now runs on WASM; say so, keep everything. */
export function listenToWorker(): () => void {
  return compute().onEvent((event) => {
    if (event.type !== 'backend-changed') return;
    const { model, setModel, notify } = getState();
    if (model) setModel({ ...model, backend: event.backend, fallbackReason: event.reason }, 'ready');
    notify(
      'warning',
      `Switched to ${event.backend === 'wasm' ? 'WASM' : 'WebGPU'}`,
      `${event.reason}. Results computed so far are kept.`,
    );
  });
}

export async function detectEnvironment(): Promise<void> {
  const env = await compute().run('environment', {});
  getState().setEnv(env);
}

/** How to re-read the current model's source, so a backend change can reload it. */
let reopen: { read: () => Promise<ModelSource>; label: string } | null = null;

async function loadModelFrom(
  read: () => Promise<ModelSource>,
  label: string,
  backend: BackendChoice,
): Promise<boolean> {
  const s = getState();
  const previous = s.model;
  s.setModel(previous, 'loading');
  let source: ModelSource;
  try {
    source = await read();
  } catch (error) {
    const { title, text } = describeError(error);
    getState().notify('error', title, text);
    getState().setModel(previous, previous ? 'ready' : 'error');
    return false;
  }
  const transfer = source.kind === 'files' ? [source.modelBytes] : [];
  const wasmThreads = getState().prefs.wasmThreads;
  const info = await runJob('model', label, 'loadModel', { source, backend, wasmThreads }, { transfer });
  if (!info) {
    // A failed load leaves the previous model (if any) in place and usable.
    getState().setModel(previous, previous ? 'ready' : 'error');
    return false;
  }
  reopen = { read, label };
  getState().setModel(info, 'ready');
  if (info.fallbackReason)
    getState().notify('info', `Running on ${info.backend.toUpperCase()}`, info.fallbackReason);
  return true;
}

export async function loadDefaultModel(backend: BackendChoice = getState().prefs.backend): Promise<boolean> {
  const manifestUrl = new URL(DEFAULT_MANIFEST_URL, document.baseURI).href;
  const ok = await loadModelFrom(
    async () => ({ kind: 'url', manifestUrl }),
    'Loading the default model',
    backend,
  );
  const model = getState().model;
  if (ok && model && !getState().dataset) {
    try {
      getState().setDataset(await loadBundledDataset(model.manifest, manifestUrl));
    } catch (error) {
      const { title, text } = describeError(error);
      getState().notify('error', title, text);
    }
  }
  return ok;
}

/** Opens a user's model from a manifest (.json) and an ONNX file picked together. */
export async function openModelFiles(files: File[]): Promise<boolean> {
  const manifestFile = files.find((f) => f.name.toLowerCase().endsWith('.json'));
  const onnxFile = files.find((f) => f.name.toLowerCase().endsWith('.onnx'));
  if (!manifestFile || !onnxFile) {
    getState().notify(
      'error',
      'Pick two files: a manifest and a model',
      `Got ${files.map((f) => f.name).join(', ') || 'nothing'}. Select the .onnx file and its manifest .json together (docs/manifest.md).`,
    );
    return false;
  }
  const read = async (): Promise<ModelSource> => {
    const [manifestText, modelBytes] = await Promise.all([manifestFile.text(), onnxFile.arrayBuffer()]);
    return { kind: 'files', manifestText, modelBytes, modelName: onnxFile.name };
  };
  return loadModelFrom(read, `Loading ${onnxFile.name}`, getState().prefs.backend);
}

export async function setBackend(backend: BackendChoice): Promise<void> {
  getState().setPrefs({ backend });
  if (reopen) await loadModelFrom(reopen.read, reopen.label, backend);
}

export async function refreshCacheStats(): Promise<void> {
  getState().setCacheStats(await compute().run('cacheStats', {}));
}

export async function clearFeatureCache(): Promise<void> {
  getState().setCacheStats(await compute().run('clearCache', {}));
}
