/**
 * @file Named user intents. Buttons, keyboard shortcuts, URL loading and tests all go through these;
 * each one talks to the worker and patches the store. Components never call the worker directly.
 */
import { DiffProbeError } from '../core/errors';
import type { Manifest } from '../core/manifest/types';
import { reconvertUploads } from '../features/images/commands';
import { describeRuns, runJob, runningWork, runsSettled, stopRuns } from '../state/jobs';
import { backendNotice, sameModel } from '../state/model-change';
import { getState } from '../state/store';
import type { BackendChoice, ModelInfo, ModelSource } from '../worker/jobs';
import { browserStorage, rememberDecision, rememberedDecisions } from './backend-memory';
import { openDefaultData } from './bundled-data';
import { compute } from './compute';
import { describeError } from './messages';

export const DEFAULT_MANIFEST_URL = 'models/fashion-mnist-ddpm/manifest.json';

/**
 * Before another model opens while runs are in progress, the user chooses: stop them and open it
 * ('stop'), let them finish and open it then ('wait'), or keep the current model ('keep'). Resolves
 * 'stop' at once when nothing runs. A question still open is answered 'keep' by a newer one.
 */
async function chooseAboutRuns(target: string): Promise<'stop' | 'wait' | 'keep'> {
  const kinds = runningWork();
  if (!kinds.length) return 'stop';
  getState().modelChangeChoice?.choose('keep');
  const choice = await new Promise<'stop' | 'wait' | 'keep'>((resolve) =>
    getState().setModelChangeChoice({ running: describeRuns(kinds), target, choose: resolve }),
  );
  getState().setModelChangeChoice(null);
  if (choice !== 'wait') return choice;
  const what = describeRuns(runningWork());
  getState().notify(
    'info',
    `${target} opens when the run finishes`,
    `Waiting for ${what} to finish on the current model.`,
  );
  await runsSettled();
  return 'wait';
}

/** Worker events: WebGPU lost or failing → the model now runs on WASM; say so, keep everything. */
export function listenToWorker(): () => void {
  return compute().onEvent((event) => {
    if (event.type !== 'backend-changed') return;
    const { model, setModel, notify } = getState();
    // About a model that another has replaced since: nothing to relabel or tell.
    if (model?.id !== event.model) return;
    setModel({ ...model, backend: event.backend, fallbackReason: event.reason }, 'ready');
    notify(
      'warning',
      `Switched to ${event.backend === 'wasm' ? 'WASM' : 'WebGPU'}`,
      `${event.reason}. Results computed so far are kept.`,
    );
  });
}

export async function detectEnvironment(): Promise<void> {
  const { backend, wasmThreads } = getState().prefs;
  const env = await compute().run('environment', { prepare: { backend, wasmThreads } });
  getState().setEnv(env);
}

/** The default model as it was loaded, to recognise it when it is opened again from files. */
let defaultModel: ModelInfo | null = null;

/**
 * Stops the loaded model's jobs (all but the load itself). The worker runs jobs one at a time, so
 * a multi-step job (sweep, probe, embedding) would otherwise send its next step after the load
 * (the worker refuses it: it carries the old model's id); stopped here, each one's last write
 * (results so far, marked stopped) arrives before the load's result, and the model change then
 * sets it aside with its model. Runs the user chose to let finish have finished by then.
 */
async function stopModelJobs(): Promise<void> {
  stopRuns();
  for (const [key, job] of Object.entries(getState().jobs)) if (key !== 'model') job.cancel();
  // Their last writes (marked stopped) land while their model is still the loaded one.
  await runsSettled();
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
  // What discovery says about a newly opened graph's shape (no decoder…), once.
  const blockNotes =
    info.origin === 'discovered' && s.model?.hash !== info.hash ? (info.discovery?.blockNotes ?? []) : [];
  if (isDefault) defaultModel = info;
  s.switchModel(info, isDefault || (defaultModel !== null && sameModel(defaultModel, info)));
  if (notice) getState().notify('info', notice.title, notice.text);
  for (const note of blockNotes)
    getState().notify(
      'info',
      `The blocks of ${info.fileName}`,
      `${note[0].toUpperCase()}${note.slice(1)}. Model… shows every candidate on the graph.`,
    );
  void reconvertUploads();
}

async function loadModelFrom(
  read: () => Promise<ModelSource>,
  label: string,
  backend: BackendChoice,
  onError?: (error: unknown) => boolean,
  options: {
    isDefault?: boolean;
    /** A model change: runs in progress are the user's choice (chooseAboutRuns), other jobs stop. */
    stopsJobs?: boolean;
    /** What opens, for that choice ("model.onnx", "the default model"). */
    target?: string;
  } = {},
): Promise<boolean> {
  if (options.stopsJobs && (await chooseAboutRuns(options.target ?? 'The model')) === 'keep') return false;
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
  if (options.stopsJobs) await stopModelJobs();
  // "Auto" measures each backend once per model and device; what it found before comes along.
  const autoDecisions = backend === 'auto' ? rememberedDecisions(browserStorage()) : undefined;
  const info = await runJob(
    'model',
    label,
    'loadModel',
    { source, backend, wasmThreads, autoDecisions },
    { onError },
  );
  if (info?.autoDecision) rememberDecision(browserStorage(), info.autoDecision);
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
  // The first view's images download beside the model (the page is ready when both are).
  const data = getState().dataset ? null : openDefaultData(manifestUrl);
  data?.catch(() => {}); // reported below, once the model's own outcome is known
  const ok = await loadModelFrom(
    async () => ({ kind: 'url', manifestUrl }),
    'Loading the default model',
    backend,
    undefined,
    { isDefault: true, stopsJobs: true, target: 'The default model' },
  );
  const model = getState().model;
  if (ok && model && data && !getState().dataset) {
    try {
      getState().setDataset(await data, model.hash);
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
  return loadModelFrom(read, `Opening ${onnx.name}`, getState().prefs.backend, onError, {
    stopsJobs: true,
    target: onnx.name,
  });
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

/**
 * Opens the loaded model's random-weights twin (init seed `seed`) as the current model: a model
 * like any other (its own identity, cache and results); the trained model's results are set aside
 * and come back when it is opened again.
 */
export async function openRandomTwin(seed: number): Promise<boolean> {
  const model = getState().model;
  if (!model) return false;
  return loadModelFrom(
    async () => ({ kind: 'twin', of: model.id, seed }),
    `Opening the random-weights twin (init seed ${seed})`,
    getState().prefs.backend,
    undefined,
    { stopsJobs: true, target: 'The random-weights twin' },
  );
}

/** Makes a model loaded beside the current one (the trained model of a twin, say) the current one. */
export async function openLoadedModel(id: string, name: string): Promise<boolean> {
  return loadModelFrom(
    async () => ({ kind: 'loaded', id }),
    `Opening ${name}`,
    getState().prefs.backend,
    undefined,
    {
      stopsJobs: true,
      target: name,
    },
  );
}

/** Opens the loaded model again under a new manifest (blocks, schedule, prediction, inputs). */
export async function reconfigureModel(
  manifest: Manifest,
  inputFiles: { path: string; data: Blob }[] = [],
): Promise<boolean> {
  return loadModelFrom(
    async () => ({ kind: 'current', manifest, ...(inputFiles.length && { inputFiles }) }),
    'Applying the model settings',
    getState().prefs.backend,
    undefined,
    { stopsJobs: true, target: 'The model with its new settings' },
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

export async function clearFeatureCache(): Promise<void> {
  getState().setCacheStats(await compute().run('clearCache', {}));
}
