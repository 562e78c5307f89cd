/**
 * @file The one model-changed step, as pure functions of the store's state. When another model
 * is loaded, every piece of state that depends on the model is checked against the new manifest
 * and either kept or reset on purpose:
 *
 * - view.blocks: the names the new model has are kept; if none remain, defaultBlockFor().
 * - view.t: clamped to the new schedule's last timestep. view.pooling, seed, images: kept
 *   (upload ids come from the file's bytes, so they stay valid for every model).
 * - view.model / modelHash: the loaded model, so a shared link says which model it was made with.
 * - compare (block, t): kept while both are still valid, else off.
 * - forward, compareForward: cleared (they are the old model's maps).
 * - featureSet, probe, probeTry, sweep, embedding, generated, baselines, useBundledData: they belong to the
 *   old model, so they are set aside in a small stash keyed by the model's sha256, and brought
 *   back when that same model (ModelInfo.id: same bytes, same manifest but for cosmetic fields) is
 *   opened again (A → B → A).
 * - uploads: those converted for another input (size, channels, mean/std, invert…) wait for
 *   conversion again (status 'converting', x0 emptied so no stale input can reach the model).
 *
 * A shared link opened while another model is loaded stays pending (see modelChange).
 */
import type { Manifest, ManifestSchedule } from '../core/manifest/types';
import { type BundledDataset, bundledPixels, parseDatasetId } from '../data/bundled';
import { inputKey, type UploadedImage } from '../data/uploads';
import type { ForwardResult, ModelInfo } from '../worker/jobs';
import { type ModelResults, NO_RESULTS } from './results';
import type { ViewState } from './view';

/**
 * The part of the store a model change reads and writes (the store's AppState extends it): the
 * model, the view, what was computed from them, and the results.
 */
export interface ModelScoped extends ModelResults {
  view: ViewState;
  model: ModelInfo | null;
  /** The loaded model is the app's default one (the view then names it 'default'). */
  modelIsDefault: boolean;
  modelStatus: 'idle' | 'loading' | 'ready' | 'error';
  /**
   * A view from a link made with a model that is not loaded, kept (and kept in the address bar)
   * until that model is opened or the user changes the view; see modelChange.
   */
  linkPending: ViewState | null;
  /** The user's own images, in the order added (never leave the browser; not persisted). */
  uploads: UploadedImage[];
  /** The latest single-image forward pass (x_t, x̂_0, every block's map) and what it was for. */
  forward: { key: string; result: ForwardResult } | null;
  /** Compare mode: a second (block, t) pair shown beside the first; null when off. */
  compare: { block: string; t: number } | null;
  compareForward: { key: string; result: ForwardResult } | null;
  /** Results of models opened before, by sha256 and manifest, brought back when one is opened again. */
  modelStash: StashEntry[];
}

/** One model's results, set aside while another model is loaded. */
export interface StashEntry {
  /**
   * ModelInfo.id: the bytes and the manifest less its cosmetic fields; results come back only for
   * the very same blocks, schedule, input, preprocessing…
   */
  model: string;
  results: ModelResults;
}

/** How many models' results are kept aside (oldest dropped first); results can be large. */
export const STASH_SIZE = 8;

export interface NoticeText {
  title: string;
  text: string;
}

/** Largest valid timestep of a schedule (T − 1). */
export function lastTimestep(schedule: ManifestSchedule): number {
  return (schedule.type === 'alphasCumprod' ? schedule.alphasCumprod.length : schedule.steps) - 1;
}

/**
 * The block selected when none of the selection exists in a model: a mid-decoder block, where the
 * paper (and our own probes: up1_0 of the default model) finds the most linearly separable
 * features. That is the first `up` block at the lowest resolution above the bottleneck (the
 * smallest feature map anywhere in the net). Nets without such a block get their first `up` block,
 * else the `mid` block, else the middle block in forward order.
 */
export function defaultBlockFor(manifest: Pick<Manifest, 'blocks'>): string {
  const { blocks } = manifest;
  if (!blocks.length) return '';
  const area = (b: (typeof blocks)[number]) => b.resolution[0] * b.resolution[1];
  const bottleneck = Math.min(...blocks.map(area));
  const ups = blocks.filter((b) => b.stage === 'up');
  const above = ups.filter((b) => area(b) > bottleneck);
  if (above.length) {
    const lowest = Math.min(...above.map(area));
    return above.find((b) => area(b) === lowest)!.name;
  }
  if (ups.length) return ups[0].name;
  return (blocks.find((b) => b.stage === 'mid') ?? blocks[Math.floor((blocks.length - 1) / 2)]).name;
}

/** How the view names a loaded model: 'default', or its manifest name and sha256 prefix. */
export function modelIdentity(info: ModelInfo, isDefault: boolean): Pick<ViewState, 'model' | 'modelHash'> {
  return isDefault
    ? { model: 'default', modelHash: '' }
    : { model: info.manifest.name, modelHash: info.id.toLowerCase() };
}

/**
 * True when a view (a link) was made with this model: by its identity when the link has one (names
 * are free text and two files can share one), else by name; 'default' means the default model.
 */
export function linkMatches(
  view: Pick<ViewState, 'model' | 'modelHash'>,
  info: ModelInfo,
  isDefault: boolean,
) {
  if (view.model === 'default') return isDefault;
  // The identity (bytes and manifest); an older link's bytes prefix is the identity's first part.
  if (view.modelHash) return info.id.toLowerCase().startsWith(view.modelHash.toLowerCase());
  return !isDefault && view.model === info.manifest.name;
}

/** The notice for a link made with a model other than the loaded one. */
export function linkNotice(link: ViewState, loaded: ModelInfo, loadedIsDefault: boolean): NoticeText {
  const loadedName = loadedIsDefault ? `the default model (${loaded.manifest.name})` : loaded.manifest.name;
  if (link.model === 'default')
    return {
      title: 'This link was made with the default model',
      text: `This link was made with the default model; the loaded model is ${loadedName}. Reload the page to open the default model and reproduce it.`,
    };
  const [bytes, manifestKey] = link.modelHash.split('-');
  const hash = link.modelHash ? ` (sha256 ${bytes.slice(0, 12)}…)` : '';
  // The very file, opened with another manifest: say what differs, not "another model".
  if (manifestKey && loaded.hash.toLowerCase().startsWith(bytes))
    return {
      title: 'This link was made with another manifest',
      text: `This link was made with ${link.model}${hash} under another manifest (schedule, prediction, preprocessing, blocks or inputs); the loaded model is the same file under ${loaded.manifest.name}'s manifest, whose numbers may differ. Open the file with the manifest the link was made with to reproduce it.`,
    };
  return {
    title: 'This link was made with another model',
    text: `This link was made with model ${link.model}${hash}; the loaded model is ${loadedName}. Open ${link.model} with 'Open model…' to reproduce it.`,
  };
}

/** `view` made valid for `manifest`; the same object when nothing had to change. */
export function reconcileView(
  view: ViewState,
  manifest: Pick<Manifest, 'blocks' | 'schedule'>,
  identity: Pick<ViewState, 'model' | 'modelHash'>,
): ViewState {
  const names = new Set(manifest.blocks.map((b) => b.name));
  const kept = view.blocks.filter((b) => names.has(b));
  const blocks =
    kept.length === view.blocks.length && kept.length
      ? view.blocks
      : kept.length
        ? kept
        : [defaultBlockFor(manifest)];
  const t = Math.max(0, Math.min(view.t, lastTimestep(manifest.schedule)));
  if (
    blocks === view.blocks &&
    t === view.t &&
    identity.model === view.model &&
    identity.modelHash === view.modelHash
  )
    return view;
  return { ...view, blocks, t, model: identity.model, modelHash: identity.modelHash };
}

/** The compare pane's (block, t) if the model still has both, else null (compare off). */
export function reconcileCompare(
  compare: ModelScoped['compare'],
  manifest: Pick<Manifest, 'blocks' | 'schedule'>,
): ModelScoped['compare'] {
  if (!compare) return null;
  const valid =
    manifest.blocks.some((b) => b.name === compare.block) && compare.t <= lastTimestep(manifest.schedule);
  return valid ? compare : null;
}

/** The same model identity (bytes and manifest): not a model change (e.g. another backend). */
export function sameModel(a: ModelInfo, b: ModelInfo): boolean {
  return a.id === b.id;
}

/**
 * The current results, ready to be set aside: anything still marked as running is marked stopped
 * (its job is gone), and a stopped embedding can no longer be resumed (the worker keeps only the
 * latest run's optimiser, which a later model's run replaces).
 */
export function resultsOf(state: ModelResults): ModelResults {
  const settle = <R extends { status: string }>(r: R | null, running: string[]): R | null =>
    r && running.includes(r.status) ? { ...r, status: 'stopped' } : r;
  const embed = (r: ModelResults['embedding']['main']) =>
    r && { ...settle(r, ['extracting', 'running'])!, resumable: false };
  // Every result as it is, then those that may be mid-run settled.
  const results = Object.fromEntries(
    (Object.keys(NO_RESULTS) as (keyof ModelResults)[]).map((key) => [key, state[key]]),
  ) as unknown as ModelResults;
  return {
    ...results,
    featureSet: settle(state.featureSet, ['running']),
    probe: settle(state.probe, ['extracting', 'training']),
    sweep: settle(state.sweep, ['running']),
    twinSweep: settle(state.twinSweep, ['running']),
    cka: settle(state.cka, ['running']),
    embedding: { main: embed(state.embedding.main), compare: embed(state.embedding.compare) },
    baselines: {
      probe: state.baselines.probe && {
        ...state.baselines.probe,
        pixels: settle(state.baselines.probe.pixels, ['running'])!,
        shallow: settle(state.baselines.probe.shallow, ['running']),
      },
      sweep: state.baselines.sweep && {
        ...state.baselines.sweep,
        pixels: settle(state.baselines.sweep.pixels, ['running'])!,
        shallow: settle(state.baselines.sweep.shallow, ['running']),
      },
    },
  };
}

/** Anything computed: a result that is not its empty value (an object of nulls is empty too). */
const hasResults = (r: ModelResults) =>
  (Object.keys(NO_RESULTS) as (keyof ModelResults)[]).some((key) => {
    const value: unknown = r[key];
    if (value === null || value === false || value === undefined) return false;
    return !(typeof value === 'object' && Object.values(value).every((v) => v === null));
  });

/** The stash with `model`'s results put aside (replacing an older entry for the same model). */
export function stashResults(
  stash: readonly StashEntry[],
  model: ModelInfo,
  results: ModelResults,
): StashEntry[] {
  const others = stash.filter((e) => e.model !== model.id);
  if (!hasResults(results)) return others;
  return [...others, { model: model.id, results }].slice(-STASH_SIZE);
}

/** `model`'s stashed results (taken out of the stash), or no results when it has none. */
export function takeStashed(
  stash: readonly StashEntry[],
  model: ModelInfo,
): { results: ModelResults; stash: StashEntry[] } {
  const entry = stash.find((e) => e.model === model.id);
  if (!entry) return { results: NO_RESULTS, stash: [...stash] };
  return { results: entry.results, stash: stash.filter((e) => e !== entry) };
}

const EMPTY_X0 = new Float32Array(0);
const EMPTY_BYTES = new Uint8Array(0);

/**
 * Uploads as they stand for a model whose input key is `key`: those converted for another input
 * wait to be converted again ('converting', with empty x0 so nothing stale reaches the model).
 * Returns the same array when nothing changes.
 */
export function awaitingConversion(uploads: UploadedImage[], key: string): UploadedImage[] {
  let changed = false;
  const out = uploads.map((u) => {
    if (u.decodedFor === key || (u.status === 'converting' && !u.x0.length)) return u;
    changed = true;
    // decodedFor '' (made for no input): converted again whichever model comes next, A included.
    const stale = {
      x0: EMPTY_X0,
      converted: EMPTY_BYTES,
      decodedFor: '',
      polarity: null,
      decoder: null,
      error: undefined,
    };
    return { ...u, ...stale, status: 'converting' as const };
  });
  return changed ? out : uploads;
}

/** Only the change of backend is news: the same fallback for the next model was said already. */
export function backendNotice(previous: ModelInfo | null, next: ModelInfo): NoticeText | null {
  if (!next.fallbackReason) return null;
  if (previous && previous.backend === next.backend && previous.fallbackReason === next.fallbackReason)
    return null;
  return { title: `Running on ${next.backend === 'webgpu' ? 'WebGPU' : 'WASM'}`, text: next.fallbackReason };
}

/**
 * The store patch for loading `next`, and the notice to show (a pending link), if any.
 *
 * Links: a page opened from a link starts with the default model, which is rarely the link's
 * model. Rewriting the link there and then (dropping block names the default model lacks) would
 * destroy the link before its reader had a chance to open its model. So the link is kept as
 * `linkPending` (and url-sync leaves the address bar alone while it is set), the live view is
 * the link made valid for the loaded model, and one notice says which model to open. Opening the
 * link's model later applies the link itself (its blocks, t…), not the stand-in view. The first
 * change the user makes to the view drops the pending link (store setters), since the user has
 * then chosen to work with the loaded model; Back still returns to the link's history entry.
 */
export function modelChange(
  state: ModelScoped,
  next: ModelInfo,
  isDefault: boolean,
): { patch: Partial<ModelScoped>; notice: NoticeText | null } {
  const previous = state.model;
  const same = previous !== null && sameModel(previous, next);
  // At start-up (no model yet) the view is the link the page was opened with.
  const link = state.linkPending ?? (previous ? null : state.view);
  const matches = !link || linkMatches(link, next, isDefault);
  const pending = matches ? null : link;
  const view = reconcileView(link ?? state.view, next.manifest, modelIdentity(next, isDefault));
  const notice = pending && !same ? linkNotice(pending, next, isDefault) : null;
  const common = {
    model: next,
    modelIsDefault: isDefault,
    modelStatus: 'ready' as const,
    view,
    linkPending: pending,
    compare: reconcileCompare(state.compare, next.manifest),
  };
  if (same) return { patch: common, notice };
  const stashed = previous ? stashResults(state.modelStash, previous, resultsOf(state)) : state.modelStash;
  const { results, stash } = takeStashed(stashed, next);
  // The same file under new settings (Model… → Apply): the choice to feed it the bundled data is
  // about the file, so it stays; results belong to the old settings and are set aside.
  const reconfigured = previous !== null && previous.hash === next.hash && state.useBundledData;
  return {
    patch: {
      ...common,
      ...results,
      ...(reconfigured && { useBundledData: true }),
      modelStash: stash,
      forward: null,
      compareForward: null,
      uploads: awaitingConversion(state.uploads, inputKey(next.manifest)),
    },
    notice,
  };
}

/**
 * Opening a view from the address bar (page load, Back/Forward). With no model yet it is taken
 * as it is (modelChange settles it when the first model arrives); with a model, a link for this
 * model is made valid for it, and a link for another model stays pending as in modelChange.
 */
export function openLink(
  state: Pick<ModelScoped, 'model' | 'modelIsDefault'>,
  link: ViewState,
): { patch: Partial<ModelScoped>; notice: NoticeText | null } {
  const { model, modelIsDefault } = state;
  if (!model) return { patch: { view: link, linkPending: null }, notice: null };
  const view = reconcileView(link, model.manifest, modelIdentity(model, modelIsDefault));
  if (linkMatches(link, model, modelIsDefault)) return { patch: { view, linkPending: null }, notice: null };
  return { patch: { view, linkPending: link }, notice: linkNotice(link, model, modelIsDefault) };
}

/** What decides whether the loaded model may use the bundled data set. */
type DataState = Pick<ModelScoped, 'model' | 'useBundledData'> & {
  dataset: BundledDataset | null;
  /** sha256 of the model whose manifest named the data set. */
  datasetOwner: string | null;
};

/**
 * The bundled data set when the loaded model may use it: its own (the model whose manifest named
 * it), or any other model once the user chose to (the "Use the bundled …" checkbox); else null.
 */
export function bundledDataFor(s: DataState): BundledDataset | null {
  if (!s.dataset || !s.model) return null;
  return ownsBundledData(s) || s.useBundledData ? s.dataset : null;
}

/** The loaded model is the data set's owner, or the random-weights twin of its owner (same input). */
function ownsBundledData(s: DataState): boolean {
  return s.model !== null && (s.model.hash === s.datasetOwner || s.model.twin?.ofHash === s.datasetOwner);
}

/** True when the bundled data set is loaded but belongs to another model: the choice is offered. */
export function offersBundledData(s: DataState): boolean {
  return Boolean(s.dataset && s.model && !ownsBundledData(s));
}

/** True when image `id` can be fed to the loaded model now. */
export function inputReady(id: string | undefined, s: DataState & Pick<ModelScoped, 'uploads'>): boolean {
  if (!id || !s.model) return false;
  if (parseDatasetId(id)) {
    const ds = bundledDataFor(s);
    return ds !== null && bundledPixels(ds, id) !== null;
  }
  const u = s.uploads.find((x) => x.id === id);
  return u?.status === 'ready' && u.decodedFor === inputKey(s.model.manifest);
}
