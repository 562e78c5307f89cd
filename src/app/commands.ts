/**
 * @file Named user intents. Buttons, keyboard shortcuts, URL loading and tests all go through these;
 * each one talks to the worker and patches the store. Components never call the worker directly.
 */
import { DiffProbeError } from '../core/errors';
import type { Manifest } from '../core/manifest/types';
import { loadBundledDataset } from '../data/bundled';
import { reconvertUploads } from '../features/images/commands';
import { backendNotice, sameModel } from '../state/model-change';
import { getState } from '../state/store';
import type { RunOptions } from '../worker/client';
import type { BackendChoice, ModelInfo, ModelSource } from '../worker/jobs';
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
  options: Omit<RunOptions<K>, 'signal'> & {
    /** Returns true when it dealt with the error itself (no notice is shown). */
    onError?: (error: unknown) => boolean;
  } = {},
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
    if (!(error instanceof DiffProbeError && error.code === 'cancelled') && !options.onError?.(error)) {
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

/** The default model as it was loaded, to recognise it when it is opened again from files. */
let defaultModel: ModelInfo | null = null;

/**
 * Stops the loaded model's jobs (all but the load itself). The worker runs jobs one at a time, so
 * a multi-step job (sweep, probe, embedding) would otherwise send its next step after the load and
 * run it on the new model; stopped here, each one's last write (results so far, marked stopped)
 * arrives before the load's result, and the model change then sets it aside with its model.
 */
function stopModelJobs(): void {
  for (const [key, job] of Object.entries(getState().jobs)) if (key !== 'model') job.cancel();
}

/**
 * The model-changed step after a successful load: one store action reconciles all state with the
 * new model (state/model-change.ts); the backend is announced only when it changed (the same
 * fallback for the next model was said already, and the status line keeps saying it); uploads are
 * converted again for the new model's input.
 */
function modelLoaded(info: ModelInfo, isDefault: boolean): void {
  const s = getState();
  const notice = backendNotice(s.model, info);
  if (isDefault) defaultModel = info;
  s.switchModel(info, isDefault || (defaultModel !== null && sameModel(defaultModel, info)));
  if (notice) getState().notify('info', notice.title, notice.text);
  void reconvertUploads();
}

async function loadModelFrom(
  read: () => Promise<ModelSource>,
  label: string,
  backend: BackendChoice,
  onError?: (error: unknown) => boolean,
  options: { isDefault?: boolean; stopsJobs?: boolean } = {},
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
  const wasmThreads = getState().prefs.wasmThreads;
  if (options.stopsJobs) stopModelJobs();
  const info = await runJob('model', label, 'loadModel', { source, backend, wasmThreads }, { onError });
  if (!info) {
    // A failed load leaves the previous model (if any) in place and usable.
    getState().setModel(previous, previous ? 'ready' : 'error');
    return false;
  }
  modelLoaded(info, options.isDefault ?? false);
  return true;
}

export async function loadDefaultModel(backend: BackendChoice = getState().prefs.backend): Promise<boolean> {
  const manifestUrl = new URL(DEFAULT_MANIFEST_URL, document.baseURI).href;
  const ok = await loadModelFrom(
    async () => ({ kind: 'url', manifestUrl }),
    'Loading the default model',
    backend,
    undefined,
    { isDefault: true, stopsJobs: true },
  );
  const model = getState().model;
  if (ok && model && !getState().dataset) {
    try {
      getState().setDataset(await loadBundledDataset(model.manifest, manifestUrl), model.hash);
    } catch (error) {
      const { title, text } = describeError(error);
      getState().notify('error', title, text);
    }
  }
  return ok;
}

/**
 * Opens a user's model: an .onnx on its own (the worker finds its inputs and blocks), or with its
 * manifest (.json), plus any ONNX external data files (.data, .bin…) picked together.
 */
export async function openModelFiles(files: File[], imageInput?: string): Promise<boolean> {
  const picked = sortModelFiles(files);
  if (picked.problem) {
    getState().notify('error', picked.problem.title, picked.problem.text);
    return false;
  }
  const { onnx, manifest, externalData } = picked;
  const read = async (): Promise<ModelSource> => ({
    kind: 'files',
    model: onnx,
    modelName: onnx.name,
    ...(manifest && { manifestText: await manifest.text() }),
    ...(externalData.length && { externalData: externalData.map((f) => ({ path: f.name, data: f })) }),
    ...(imageInput && { imageInput }),
  });
  // Two 4-D float inputs: the worker cannot know which is the image; ask, then open again.
  const onError = (error: unknown) => {
    const choices = error instanceof DiffProbeError ? error.detail?.imageInputs : undefined;
    if (!Array.isArray(choices)) return false;
    getState().setPendingChoice({ files, imageInputs: choices as string[] });
    return true;
  };
  return loadModelFrom(read, `Opening ${onnx.name}`, getState().prefs.backend, onError, { stopsJobs: true });
}

/** Which picked file is the graph, the manifest and the external data; or what is wrong. */
export function sortModelFiles(
  files: File[],
):
  | { onnx: File; manifest: File | null; externalData: File[]; problem?: undefined }
  | { problem: { title: string; text: string } } {
  const names = files.map((f) => f.name).join(', ') || 'nothing';
  const onnxFiles = files.filter((f) => /\.onnx$/i.test(f.name));
  const manifests = files.filter((f) => /\.json$/i.test(f.name));
  const rest = files.filter((f) => !onnxFiles.includes(f) && !manifests.includes(f));
  if (onnxFiles.length !== 1)
    return {
      problem: {
        title: onnxFiles.length ? 'Pick one model at a time' : 'No .onnx file was picked',
        text: `Got ${names}. Pick one .onnx file; add its manifest (.json) and any external data file (.data) with it if it has them (docs/manifest.md).`,
      },
    };
  if (manifests.length > 1)
    return {
      problem: {
        title: 'More than one manifest was picked',
        text: `Got ${names}. Pick at most one manifest (.json) with the .onnx file.`,
      },
    };
  return { onnx: onnxFiles[0], manifest: manifests[0] ?? null, externalData: rest };
}

/** Opens the loaded model again under a new manifest (blocks, schedule, prediction, inputs). */
export async function reconfigureModel(manifest: Manifest): Promise<boolean> {
  return loadModelFrom(
    async () => ({ kind: 'current', manifest }),
    'Applying the model settings',
    getState().prefs.backend,
    undefined,
    { stopsJobs: true },
  );
}

export async function setBackend(backend: BackendChoice): Promise<void> {
  getState().setPrefs({ backend });
  const model = getState().model;
  if (model)
    await loadModelFrom(
      async () => ({ kind: 'current', manifest: model.manifest }),
      'Switching backend',
      backend,
    );
}

export async function refreshCacheStats(): Promise<void> {
  getState().setCacheStats(await compute().run('cacheStats', {}));
}

export async function clearFeatureCache(): Promise<void> {
  getState().setCacheStats(await compute().run('clearCache', {}));
}
