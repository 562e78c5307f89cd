/**
 * @file The app's one zustand store (the only file that imports zustand). Three parts:
 * `view` (what a link reopens; mirrored in the URL), `prefs` (this browser's preferences) and
 * runtime state that is never persisted (environment, model, jobs, notices).
 */
import { create } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { Manifest } from '../core/manifest/types';
import { scheduleFromManifest, scheduleSteps } from '../core/schedule';
import type { BundledDataset } from '../data/bundled';
import { inputKey, type UploadBatch, type UploadedImage } from '../data/uploads';
import { NO_OFFLINE, type OfflineState } from '../features/offline/state';
import type { DenoisingCheckResult } from '../pipeline/denoising-check';
import type { CacheStats } from '../worker/cache/feature-cache';
import type { EnvironmentInfo, ModelInfo } from '../worker/jobs';
import type { Progress } from '../worker/protocol';
import type { FeatureSet } from './feature-set';
import {
  awaitingConversion,
  bundledDataFor,
  inputReady,
  type ModelScoped,
  modelChange,
  offersBundledData,
  openLink,
  type StashEntry,
} from './model-change';
import { DEFAULT_PREFERENCES, type Preferences } from './persistence';
import {
  type Baselines,
  type EmbeddingRuns,
  type GeneratedSamples,
  type ModelResults,
  NO_RESULTS,
  type ProbeRun,
} from './results';
import { DEFAULT_VIEW, type PoolingId, type ViewState } from './view';

export type NoticeLevel = 'error' | 'warning' | 'info';
export interface Notice {
  id: number;
  level: NoticeLevel;
  title: string;
  text: string;
}

export interface JobState {
  label: string;
  progress: Progress | null;
  cancel: () => void;
}

/**
 * The whole store: what a model change reconciles (ModelScoped: model, view, uploads, the
 * results…, state/model-change.ts and state/results.ts), and the rest.
 */
export interface AppState extends ModelScoped {
  prefs: Preferences;
  env: EnvironmentInfo | null;
  notices: Notice[];
  jobs: Record<string, JobState>;
  /** The bundled data set of the default model (raw bytes; never persisted). */
  dataset: BundledDataset | null;
  /** sha256 of the model whose manifest named the data set (the only model that uses it unasked). */
  datasetOwner: string | null;
  /** The batches the uploads were added in (a folder, a pick, a paste), each with its polarity choice. */
  uploadBatches: UploadBatch[];
  /** undefined: not asked yet; null: no IndexedDB here. */
  cacheStats: CacheStats | null | undefined;
  /** Models loaded beside the current one for comparisons (twins, a second model for CKA). */
  companions: ModelInfo[];
  /** Offline use, the service worker and a waiting update (features/offline). */
  offline: OfflineState;
  /** The guided tour's current step (0-based), or null when no tour runs. Never persisted. */
  tour: { step: number } | null;
  /** Presenter mode: larger type and thumbnails, only the controls that matter now. */
  presenter: boolean;
  /** The latest denoising check (which timestep convention the model takes), for the model with sha256 `model`. */
  timestepCheck: { model: string; result: DenoisingCheckResult; about: string } | null;
  /** A model whose graph has several 4-D float inputs, waiting for the user to say which is the image. */
  pendingChoice: { files: File[]; imageInputs: string[] } | null;
  /**
   * Another model is about to open while runs are in progress: what runs ("a sweep"), what opens,
   * and how to answer (app/commands.ts chooseAboutRuns).
   */
  modelChangeChoice: {
    running: string;
    target: string;
    choose: (choice: 'stop' | 'wait' | 'keep') => void;
  } | null;

  setView: (patch: Partial<ViewState>) => void;
  replaceView: (view: ViewState) => void;
  setT: (t: number) => void;
  selectBlock: (name: string, additive: boolean) => void;
  setPooling: (pooling: PoolingId) => void;
  setSeed: (seed: number) => void;
  setPrefs: (patch: Partial<Preferences>) => void;
  setEnv: (env: EnvironmentInfo) => void;
  setModel: (model: ModelInfo | null, status: AppState['modelStatus']) => void;
  /**
   * The one model-changed step after a successful load: reconciles every model-dependent piece of
   * state with `model` (state/model-change.ts) and says what needs saying (a pending link).
   */
  switchModel: (model: ModelInfo, isDefault: boolean) => void;
  /** A view from the address bar (page load, Back/Forward); a link for another model stays pending. */
  openLink: (view: ViewState) => void;
  setUseBundledData: (on: boolean) => void;
  setGenerated: (generated: GeneratedSamples | null) => void;
  /** Updates one added image in place (its conversion for the loaded model). */
  patchUpload: (id: string, patch: Partial<UploadedImage>) => void;
  notify: (level: NoticeLevel, title: string, text: string) => number;
  dismiss: (id: number) => void;
  startJob: (key: string, label: string, cancel: () => void) => void;
  updateJob: (key: string, progress: Progress) => void;
  endJob: (key: string) => void;
  /** `owner`: sha256 of the model whose manifest names the data set (default: the loaded model). */
  setDataset: (dataset: BundledDataset | null, owner?: string | null) => void;
  /** Adds images and the batch they came in (a batch with no new image is not kept). */
  addUploads: (images: UploadedImage[], batch?: UploadBatch) => void;
  /** Sets a batch's polarity choice (null: the model's) and queues its images for conversion again. */
  setBatchInvert: (batch: string, invert: UploadBatch['invert']) => void;
  removeUpload: (id: string) => void;
  /** Puts an uploaded image into a class bucket (empty name: unlabelled). */
  setUploadClass: (id: string, className: string) => void;
  setForward: (forward: AppState['forward']) => void;
  setCompare: (compare: AppState['compare']) => void;
  setCompareForward: (forward: AppState['compareForward']) => void;
  setCacheStats: (stats: CacheStats | null) => void;
  setFeatureSet: (set: FeatureSet | null) => void;
  setProbe: (probe: ProbeRun | null) => void;
  setProbeTry: (probeTry: AppState['probeTry']) => void;
  setSweep: (sweep: AppState['sweep']) => void;
  setTwinSweep: (twinSweep: AppState['twinSweep']) => void;
  setCka: (cka: AppState['cka']) => void;
  /** Records a companion the worker loaded (the newest last; at most the worker's two). */
  addCompanion: (model: ModelInfo) => void;
  setEmbedding: (patch: Partial<EmbeddingRuns>) => void;
  setBaselines: (patch: Partial<Baselines>) => void;
  /** Sets one result of the loaded model (any member of ModelResults, state/results.ts). */
  setResult: <K extends keyof ModelResults>(key: K, value: ModelResults[K]) => void;
  setTour: (tour: AppState['tour']) => void;
  setOffline: (patch: Partial<OfflineState>) => void;
  /** Results and added images an update's reload kept (features/offline/session.ts), before the first model. */
  restoreSession: (stash: StashEntry[], uploads: UploadedImage[]) => void;
  setPresenter: (on: boolean) => void;
  setPendingChoice: (choice: AppState['pendingChoice']) => void;
  setTimestepCheck: (check: AppState['timestepCheck']) => void;
  setModelChangeChoice: (choice: AppState['modelChangeChoice']) => void;
}

let noticeId = 1;
const NOT_CONVERTED = {
  x0: new Float32Array(0),
  converted: new Uint8Array(0),
  decodedFor: '',
  polarity: null,
  decoder: null,
};

export const useStore = create<AppState>()((set, get) => ({
  ...NO_RESULTS,
  view: DEFAULT_VIEW,
  prefs: DEFAULT_PREFERENCES,
  env: null,
  model: null,
  modelIsDefault: false,
  modelStatus: 'idle',
  linkPending: null,
  notices: [],
  jobs: {},
  dataset: null,
  datasetOwner: null,
  uploads: [],
  uploadBatches: [],
  forward: null,
  compare: null,
  compareForward: null,
  cacheStats: undefined,
  companions: [],
  offline: NO_OFFLINE,
  tour: null,
  presenter: false,
  modelStash: [],
  pendingChoice: null,
  modelChangeChoice: null,
  timestepCheck: null,

  // Every view setter is a user's change: it drops a pending link (the user now works with the
  // loaded model), and url-sync then writes the address bar again.
  setView: (patch) => set((s) => ({ view: { ...s.view, ...patch }, linkPending: null })),
  replaceView: (view) => set({ view, linkPending: null }),
  setT: (t) => {
    const model = get().model;
    const last = model ? maxT(model) : 999;
    set((s) => ({ view: { ...s.view, t: Math.max(0, Math.min(last, Math.round(t))) }, linkPending: null }));
  },
  selectBlock: (name, additive) =>
    set((s) => {
      const blocks = s.view.blocks;
      if (!additive) return { view: { ...s.view, blocks: [name] }, linkPending: null };
      const next = blocks.includes(name) ? blocks.filter((b) => b !== name) : [...blocks, name];
      return { view: { ...s.view, blocks: next.length ? next : [name] }, linkPending: null };
    }),
  setPooling: (pooling) => set((s) => ({ view: { ...s.view, pooling }, linkPending: null })),
  setSeed: (seed) => set((s) => ({ view: { ...s.view, seed: seed >>> 0 }, linkPending: null })),
  setPrefs: (patch) => set((s) => ({ prefs: { ...s.prefs, ...patch } })),
  setEnv: (env) => set({ env }),
  setModel: (model, modelStatus) => set({ model, modelStatus }),
  switchModel: (model, isDefault) => {
    const { patch, notice } = modelChange(get(), model, isDefault);
    set(patch);
    if (notice) get().notify('warning', notice.title, notice.text);
  },
  openLink: (view) => {
    const { patch, notice } = openLink(get(), view);
    set(patch);
    if (notice) get().notify('warning', notice.title, notice.text);
  },
  setUseBundledData: (useBundledData) => set({ useBundledData }),
  setGenerated: (generated) => set({ generated }),
  patchUpload: (id, patch) =>
    set((s) => ({ uploads: s.uploads.map((u) => (u.id === id ? { ...u, ...patch, id } : u)) })),
  notify: (level, title, text) => {
    // The same notice twice in a row says nothing new: the one on screen stands.
    const last = get().notices.at(-1);
    if (last && last.level === level && last.title === title && last.text === text) return last.id;
    const id = noticeId++;
    set((s) => ({ notices: [...s.notices.slice(-9), { id, level, title, text }] }));
    return id;
  },
  dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  startJob: (key, label, cancel) =>
    set((s) => ({ jobs: { ...s.jobs, [key]: { label, progress: null, cancel } } })),
  updateJob: (key, progress) =>
    set((s) => (s.jobs[key] ? { jobs: { ...s.jobs, [key]: { ...s.jobs[key], progress } } } : {})),
  setDataset: (dataset, owner) =>
    set((s) => ({
      dataset,
      datasetOwner: dataset ? (owner === undefined ? (s.model?.hash ?? null) : owner) : null,
    })),
  addUploads: (images, batch) =>
    set((s) => {
      const known = new Set(s.uploads.map((u) => u.id));
      const added = images.filter((u) => !known.has(u.id) && known.add(u.id));
      // Decoded for a model that is no longer loaded: they wait for conversion like the others.
      const fresh = s.model ? awaitingConversion(added, inputKey(s.model.manifest)) : added;
      const keep = batch && fresh.some((u) => u.batch === batch.id);
      return {
        uploads: [...s.uploads, ...fresh],
        uploadBatches: keep ? [...s.uploadBatches, batch] : s.uploadBatches,
      };
    }),
  setBatchInvert: (batch, invert) =>
    set((s) => ({
      uploadBatches: s.uploadBatches.map((b) => (b.id === batch ? { ...b, invert } : b)),
      // decodedFor '' sends them back through reconvertUploads (features/images/commands.ts).
      uploads: s.uploads.map((u) =>
        u.batch === batch ? { ...u, ...NOT_CONVERTED, status: 'converting' as const, error: undefined } : u,
      ),
    })),
  setUploadClass: (id, className) =>
    set((s) => ({
      uploads: s.uploads.map((u) => (u.id === id ? { ...u, className: className.trim() || null } : u)),
    })),
  removeUpload: (id) =>
    set((s) => ({
      uploads: s.uploads.filter((u) => u.id !== id),
      uploadBatches: s.uploadBatches.filter((b) => s.uploads.some((u) => u.batch === b.id && u.id !== id)),
      view: { ...s.view, images: s.view.images.filter((i) => i !== id) },
      linkPending: null,
    })),
  setForward: (forward) => set({ forward }),
  setCompare: (compare) => set({ compare }),
  setCompareForward: (compareForward) => set({ compareForward }),
  setCacheStats: (cacheStats) => set({ cacheStats }),
  setFeatureSet: (featureSet) => set({ featureSet }),
  setProbe: (probe) => set({ probe, probeTry: null }),
  setProbeTry: (probeTry) => set({ probeTry }),
  setSweep: (sweep) => set({ sweep }),
  setTwinSweep: (twinSweep) => set({ twinSweep }),
  setCka: (cka) => set({ cka }),
  addCompanion: (model) =>
    set((s) => ({ companions: [...s.companions.filter((c) => c.id !== model.id), model].slice(-2) })),
  setEmbedding: (patch) => set((s) => ({ embedding: { ...s.embedding, ...patch } })),
  setBaselines: (patch) => set((s) => ({ baselines: { ...s.baselines, ...patch } })),
  setResult: (key, value) => set({ [key]: value } as Partial<AppState>),
  setTour: (tour) => set({ tour }),
  setOffline: (patch) => set((s) => ({ offline: { ...s.offline, ...patch } })),
  restoreSession: (modelStash, uploads) =>
    set((s) => {
      const known = new Set(s.uploads.map((u) => u.id));
      return { modelStash, uploads: [...s.uploads, ...uploads.filter((u) => !known.has(u.id))] };
    }),
  setPresenter: (presenter) => set({ presenter }),
  setPendingChoice: (pendingChoice) => set({ pendingChoice }),
  setTimestepCheck: (timestepCheck) => set({ timestepCheck }),
  setModelChangeChoice: (modelChangeChoice) => set({ modelChangeChoice }),
  endJob: (key) =>
    set((s) => {
      const { [key]: _, ...rest } = s.jobs;
      return { jobs: rest };
    }),
}));

const schedules = new WeakMap<Manifest, Float64Array>();

/** ᾱ_t of a manifest's schedule, computed once per manifest (what "fed as" lines need). */
export function alphasCumprodOf(manifest: Manifest): Float64Array {
  let abar = schedules.get(manifest);
  if (!abar) {
    abar = scheduleFromManifest(manifest.schedule).alphasCumprod;
    schedules.set(manifest, abar);
  }
  return abar;
}

/** Largest valid timestep of a model. */
export function maxT(model: ModelInfo): number {
  return scheduleSteps(model.manifest.schedule) - 1;
}

/** Selectors over the bundled data set and the inputs (see model-change.ts). */
/** Selector helper for picking several fields without re-rendering on unrelated changes. */
export { bundledDataFor, inputReady, offersBundledData, useShallow };

/** Subscribe outside React (URL sync, persistence). */
export const subscribe = useStore.subscribe;
export const getState = useStore.getState;
