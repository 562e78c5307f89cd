/**
 * @file The bundled images as the app needs them. At start-up only the index, the labels and the
 * first part of the test split (the gallery's first pages) load; a command that needs other
 * images loads their parts first, with a progress entry; and once the explorer is ready and idle,
 * the rest loads in the background, one part at a time, so that one visit leaves everything in the
 * offline cache (data/download.ts).
 */

import { DiffProbeError } from '../core/errors';
import { validateManifest } from '../core/manifest/validate';
import { EtaEstimator } from '../core/progress';
import {
  type BundledDataset,
  loadImagePart,
  missingParts,
  missingSplitParts,
  openBundledDataset,
  type PartRef,
  partBytes,
  verifyLoadedSplit,
  withPartLoaded,
} from '../data/bundled';
import { getState, subscribe } from '../state/store';
import { describeError } from './messages';

/** Parts being downloaded, by "split/part": a second caller waits for the same download. */
const inFlight = new Map<string, Promise<void>>();

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** The data set in the store, if it is this one (a model change may have replaced it meanwhile). */
function current(index: BundledDataset['index']): BundledDataset | null {
  const ds = getState().dataset;
  return ds?.index === index ? ds : null;
}

/**
 * Downloads one part (or joins its download) and marks it loaded in the store. A background load
 * decodes in the browser's idle time (a part takes 40–120 ms of the main thread to decode), so it
 * never holds up a slider drag; one someone waits for decodes at once.
 */
function loadPart(
  ds: BundledDataset,
  ref: PartRef,
  onProgress: (done: number) => void,
  background = false,
): Promise<void> {
  const key = `${ref.split}/${ref.part}`;
  const running = inFlight.get(key);
  if (running) return running;
  const work = (async () => {
    await loadImagePart(ds, ref, { onProgress, beforeDecode: background ? idleTime : undefined });
    const now = current(ds.index);
    if (!now) return;
    const next = withPartLoaded(now, ref);
    if (next.loaded?.[ref.split].every(Boolean) && !now.loaded?.[ref.split].every(Boolean))
      await verifyLoadedSplit(next, ref.split);
    // Marked on the data set as it is now: other parts may have landed during the check above, and
    // writing `next` would drop their marks (their images would read as "not loaded yet").
    const latest = current(ds.index);
    if (latest) getState().setDataset(withPartLoaded(latest, ref), getState().datasetOwner);
  })().finally(() => inFlight.delete(key));
  inFlight.set(key, work);
  return work;
}

/**
 * Loads parts with a progress entry ("Loading the training images — 3/10 (1.2 of 4.0 MB)"). Stop
 * rejects with 'cancelled' (the downloads already under way finish and are kept).
 */
async function loadWithProgress(ds: BundledDataset, parts: PartRef[], label: string): Promise<void> {
  const key = `data:${label}`;
  const total = partBytes(ds, parts);
  const bytes = new Map<string, number>();
  const eta = new EtaEstimator();
  let landed = 0;
  let cancel = () => {};
  const stopped = new Promise<never>((_, reject) => {
    cancel = () => reject(new DiffProbeError('cancelled', `${label}: stopped`));
  });
  const s = getState();
  s.startJob(key, label, cancel);
  const report = () => {
    const done = [...bytes.values()].reduce((a, b) => a + b, 0);
    getState().updateJob(key, {
      done: landed,
      total: parts.length,
      etaMs: total ? eta.update(done, total) : null,
      note: total ? `${mb(done)} of ${mb(total)}` : undefined,
    });
  };
  report();
  try {
    const all = parts.map((ref) =>
      loadPart(ds, ref, (n) => {
        bytes.set(`${ref.split}/${ref.part}`, n);
        report();
      }).then(() => {
        landed++;
        report();
      }),
    );
    await Promise.race([Promise.all(all), stopped]);
  } finally {
    if (getState().jobs[key]?.cancel === cancel) getState().endJob(key);
  }
}

const SPLIT_NAMES: Record<string, string> = { train: 'training images', test: 'test images' };

/** "the training and test images". */
function describeParts(parts: readonly PartRef[]): string {
  const names = [...new Set(parts.map((p) => SPLIT_NAMES[p.split] ?? `${p.split} images`))];
  return names.length > 1 ? `the ${names.join(' and ').replace(/ images and /, ' and ')}` : `the ${names[0]}`;
}

/**
 * Makes sure these bundled images (ids such as "test:12"; others are ignored) are in memory,
 * loading the parts they need. Resolves at once when they are. Rejects like a job (DiffProbeError
 * 'cancelled' after Stop, 'network' offline with nothing cached).
 */
export async function ensureBundledImages(ids: readonly string[]): Promise<void> {
  const ds = getState().dataset;
  if (!ds) return;
  const parts = missingParts(ds, ids);
  if (parts.length) await loadWithProgress(ds, parts, `Loading ${describeParts(parts)}`);
}

/** The same for whole splits (a probe or sweep samples across them). */
export async function ensureBundledSplits(splits: readonly string[]): Promise<void> {
  const ds = getState().dataset;
  if (!ds) return;
  const parts = missingSplitParts(ds, splits);
  if (parts.length) await loadWithProgress(ds, parts, `Loading ${describeParts(parts)}`);
}

/**
 * The default model's data set: its index and labels, and the first part of the test split, which
 * is all the first view shows. Starts at page load, beside the model's own download.
 */
export async function openDefaultData(manifestUrl: string): Promise<BundledDataset | null> {
  const manifest = validateManifest(JSON.parse(await (await fetchOrFail(manifestUrl)).text()));
  const ds = await openBundledDataset(manifest, manifestUrl);
  if (!ds?.index.splits.test) return ds;
  const first = { split: 'test', part: 0 };
  await loadImagePart(ds, first);
  return withPartLoaded(ds, first);
}

async function fetchOrFail(url: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new DiffProbeError('network', `could not download ${url}: ${String(error)}`, { url });
  }
  if (!response.ok) throw new DiffProbeError('model-missing', `${url} answered HTTP ${response.status}`);
  return response;
}

/** The bundled data is all in memory (and so in the offline cache). */
export function allDataLoaded(ds: BundledDataset | null): boolean {
  return ds !== null && missingSplitParts(ds, Object.keys(ds.index.splits)).length === 0;
}

const busy = () => Object.keys(getState().jobs).length > 0;

/** The browser's next idle period (a moment with no input or frame to serve). */
function idleTime(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof requestIdleCallback === 'function') requestIdleCallback(() => resolve(), { timeout: 5000 });
    else setTimeout(resolve, 50);
  });
}

function whenIdle(): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (busy()) return false;
      // The browser's idle time, so that background downloads never hold up a frame.
      if (typeof requestIdleCallback === 'function') requestIdleCallback(() => resolve(), { timeout: 2000 });
      else setTimeout(resolve, 200);
      return true;
    };
    if (check()) return;
    const stop = subscribe(() => {
      if (check()) stop();
    });
  });
}

let prefetching = false;

/**
 * Loads every part not loaded yet, one at a time and only while no job runs, so that one visit is
 * enough to work offline. Quiet: a failure (offline, say) just ends it; a command that needs the
 * data later loads it with progress and says what went wrong.
 */
export async function prefetchRemainingData(): Promise<void> {
  if (prefetching) return;
  prefetching = true;
  try {
    for (;;) {
      await whenIdle();
      const ds = getState().dataset;
      if (!ds) return;
      const [next] = missingSplitParts(ds, ['test', ...Object.keys(ds.index.splits)]);
      if (!next) return;
      await loadPart(ds, next, () => {}, true);
    }
  } catch (error) {
    console.info(`DiffProbe: background download stopped: ${String(error)}`);
  } finally {
    prefetching = false;
  }
}

/** For commands: loads what they need, and turns a failure into a notice; false when it failed. */
export async function withBundledImages(load: () => Promise<void>): Promise<boolean> {
  try {
    await load();
    return true;
  } catch (error) {
    if (!(error instanceof DiffProbeError && error.code === 'cancelled')) {
      const { title, text } = describeError(error);
      getState().notify('error', title, text);
    }
    return false;
  }
}

/** The gallery's page and the view's images: load their parts (with progress) if they are not in. */
export function showBundledImages(ids: readonly string[]): void {
  const ds = getState().dataset;
  if (ds && missingParts(ds, ids).length) void withBundledImages(() => ensureBundledImages(ids));
}

/** Keeps the selected images loaded: a link or the keyboard may select one in a part not loaded yet. */
export function startBundledDataSync(): () => void {
  showBundledImages(getState().view.images);
  return subscribe((s, prev) => {
    if (s.view.images !== prev.view.images || s.dataset?.index !== prev.dataset?.index)
      showBundledImages(s.view.images);
  });
}
