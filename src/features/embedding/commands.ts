/**
 * @file The embedding commands: pick the points, extract their pooled features (through the
 * cache) for the selected blocks at t, embed them in the worker with a live layout, Stop (keep
 * the layout), Resume, and the exports. A comparison embeds the same points for another block/t.
 */
import { ensureBundledImages, withBundledImages } from '../../app/bundled-data';

import { parseDatasetId } from '../../data/bundled';
import { modelInputFor } from '../../data/model-input';
import { APP_VERSION } from '../../pipeline/feature-spec';
import { buildProvenance, type Provenance, webOrigin } from '../../pipeline/provenance';
import { runJob, trackRun } from '../../state/jobs';
import type { EmbeddingRun, EmbedSlot } from '../../state/results';
import { bundledDataFor, getState } from '../../state/store';
import { downloadBytes } from '../../ui/download';
import { METHOD_NAMES } from '../../worker/embedding/embedder';
import type { EmbedMethod, EmbedOptions, EmbedResult, EmbedStep } from '../../worker/jobs';
import { extractConcatenated, poolingOf } from '../probe/commands';
import { embeddingToCsv, embeddingToJson } from './export';
import { choosePoints, type PointChoice } from './points';

export interface EmbeddingSettings {
  count: number;
  choice: PointChoice;
  method: EmbedMethod;
  options: EmbedOptions;
  /** Block and t of the comparison view, or null for none. */
  compare: { block: string; t: number } | null;
}

/** Set by Stop so that a run chain (main, then comparison) does not go on to its next part. */
let chainStopped = false;
let lastSettings: EmbeddingSettings | null = null;
/** ModelInfo.id of the model the current chain computes with: its layouts are written only while it is loaded. */
let chainModel: string | null = null;

const jobLabel = (r: Pick<EmbeddingRun, 'method' | 'blocks' | 't' | 'ids'>) =>
  `${METHOD_NAMES[r.method]} of ${r.blocks.join(' + ')} at t = ${r.t} (${r.ids.length} points)`;

function put(run: EmbeddingRun): void {
  if (getState().model?.id === chainModel) getState().setEmbedding({ [run.slot]: run });
}

/** A chain of embedding steps as one run (a model change asks about it, and may stop it). */
function embeddingRun(work: (run: AbortSignal) => Promise<void>): Promise<void> {
  return trackRun('embedding', (run) => {
    chainModel = getState().model?.id ?? null;
    return work(run);
  });
}

function withStep(run: EmbeddingRun, step: EmbedStep): EmbeddingRun {
  return {
    ...run,
    coords: step.coords ?? run.coords,
    iter: step.iter,
    totalIter: step.totalIter,
    kl: step.kl,
    phase: step.phase,
    warnings: step.warnings,
  };
}

function withResult(run: EmbeddingRun, r: EmbedResult | null): EmbeddingRun {
  if (!r) return { ...run, status: 'failed', resumable: false };
  return {
    ...run,
    coords: r.coords,
    iter: r.iter,
    totalIter: r.totalIter,
    kl: r.kl,
    warnings: r.warnings,
    quality: r.quality,
    ms: r.ms,
    phase: r.stopped ? run.phase : 'done',
    status: r.stopped ? 'stopped' : 'done',
    resumable: r.stopped,
  };
}

/** Extracts and embeds one view of `ids`; false when it did not finish (stopped or failed). */
async function runSlot(
  slot: EmbedSlot,
  ids: string[],
  labels: Int32Array,
  blocks: string[],
  t: number,
  settings: EmbeddingSettings,
  signal: AbortSignal,
  /** The noise seed and pooling: the view's for a new run, the main run's for its comparison. */
  features: Pick<EmbeddingRun, 'seed' | 'pooling'>,
): Promise<boolean> {
  let run: EmbeddingRun = {
    slot,
    method: settings.method,
    options: settings.options,
    blocks,
    t,
    pooling: features.pooling,
    seed: features.seed,
    ids,
    labels,
    X: null,
    d: 0,
    coords: null,
    iter: 0,
    totalIter: settings.method === 'pca' ? 0 : settings.options.nIter,
    kl: null,
    phase: 'extracting',
    warnings: [],
    quality: null,
    ms: null,
    status: 'extracting',
    resumable: false,
  };
  put(run);
  const feats = await extractConcatenated(ids, blocks, [t], 'Embedding', signal, features);
  if (!feats) {
    put({ ...run, status: chainStopped || signal.aborted ? 'stopped' : 'failed' });
    return false;
  }
  run = {
    ...run,
    X: feats.X,
    d: feats.d,
    status: 'running',
    phase: 'starting',
    provenance: await embeddingProvenance(run),
  };
  put(run);
  const X = feats.X.slice();
  const result = await runJob(
    'embed',
    jobLabel(run),
    'embed',
    { X, n: ids.length, d: feats.d, labels: labels.slice(), method: run.method, options: run.options, slot },
    {
      transfer: [X.buffer],
      run: signal,
      onPartial: (step) => {
        run = withStep(run, step);
        put(run);
      },
    },
  );
  run = withResult(run, result);
  put(run);
  return run.status === 'done';
}

function labelsOf(ids: string[]): Int32Array {
  const { dataset } = getState();
  return Int32Array.from(ids, (id) => {
    const r = parseDatasetId(id)!;
    return dataset!.splits[r.split].labels[r.row];
  });
}

/** "Run t-SNE" (or PCA/UMAP): the selected blocks at the current t, then the comparison if on. */
export function runEmbedding(settings: EmbeddingSettings): Promise<void> {
  return embeddingRun((run) => runEmbeddingChain(settings, run));
}

async function runEmbeddingChain(settings: EmbeddingSettings, signal: AbortSignal): Promise<void> {
  const { model, view } = getState();
  const dataset = bundledDataFor(getState());
  if (!model || !dataset) return;
  chainStopped = false;
  lastSettings = settings;
  const rows = choosePoints(
    settings.count,
    dataset.splits.test.count,
    settings.choice,
    settings.options.seed,
  );
  const ids = rows.map((r) => `test:${r}`);
  if (!(await withBundledImages(() => ensureBundledImages(ids))) || signal.aborted) return;
  const labels = labelsOf(ids);
  getState().setEmbedding({ compare: null });
  const features = { seed: view.seed, pooling: view.pooling };
  const ok = await runSlot('main', ids, labels, [...view.blocks], view.t, settings, signal, features);
  if (ok && settings.compare && !chainStopped && !signal.aborted)
    await runSlot(
      'compare',
      ids,
      labels,
      [settings.compare.block],
      settings.compare.t,
      settings,
      signal,
      features,
    );
}

/** Embeds the main run's points for another block/t, next to it. */
export function runComparison(compare: { block: string; t: number }): Promise<void> {
  return embeddingRun((run) => runComparisonStep(compare, run));
}

async function runComparisonStep(compare: { block: string; t: number }, signal: AbortSignal): Promise<void> {
  const main = getState().embedding.main;
  if (!main) return;
  chainStopped = false;
  if (lastSettings) lastSettings = { ...lastSettings, compare };
  const settings = lastSettings ?? {
    count: main.ids.length,
    choice: 'first' as const,
    method: main.method,
    options: main.options,
    compare,
  };
  await runSlot(
    'compare',
    main.ids,
    main.labels,
    [compare.block],
    compare.t,
    { ...settings, method: main.method, options: main.options },
    signal,
    // The points it is compared with were computed with these, whatever the view says now.
    { seed: main.seed, pooling: main.pooling },
  );
}

/** Stop: the layout so far stays (and can be resumed); a pending comparison is not started. */
export function stopEmbedding(): void {
  chainStopped = true;
  const { jobs, embedding } = getState();
  jobs.embed?.cancel();
  const extracting = [embedding.main, embedding.compare].some((r) => r?.status === 'extracting');
  if (extracting) jobs.extract?.cancel();
}

async function resumeSlot(run: EmbeddingRun, signal: AbortSignal): Promise<boolean> {
  let current: EmbeddingRun = { ...run, status: 'running', resumable: false };
  put(current);
  const result = await runJob(
    'embed',
    jobLabel(current),
    'resumeEmbedding',
    { slot: run.slot },
    {
      run: signal,
      onPartial: (step) => {
        current = withStep(current, step);
        put(current);
      },
    },
  );
  current = withResult(current, result);
  put(current);
  return current.status === 'done';
}

/** Resume: continues a stopped run from its iteration, then the comparison if it was pending. */
export function resumeEmbedding(): Promise<void> {
  return embeddingRun(resumeChain);
}

async function resumeChain(signal: AbortSignal): Promise<void> {
  chainStopped = false;
  const { main, compare } = getState().embedding;
  if (main?.resumable && !(await resumeSlot(main, signal))) return;
  if (chainStopped || signal.aborted) return;
  if (compare?.resumable) {
    await resumeSlot(compare, signal);
    return;
  }
  const after = getState().embedding;
  if (lastSettings?.compare && after.main?.status === 'done' && !after.compare)
    await runSlot(
      'compare',
      after.main.ids,
      after.main.labels,
      [lastSettings.compare.block],
      lastSettings.compare.t,
      lastSettings,
      signal,
      { seed: after.main.seed, pooling: after.main.pooling },
    );
}

/** The record of an embedding run's points, computed with the loaded model (null without one). */
async function embeddingProvenance(run: EmbeddingRun): Promise<Provenance | null> {
  const s = getState();
  if (!s.model) return null;
  return buildProvenance(
    webOrigin(s.model, s.env?.webgpu.adapter ?? null),
    {
      ids: run.ids,
      x0: modelInputFor(run.ids, s.model.manifest, bundledDataFor(s), s.uploads),
      labels: run.labels,
      classes: bundledDataFor(s)?.index.classes,
    },
    {
      kind: 'embedding',
      method: run.method,
      blocks: run.blocks,
      t: run.t,
      seed: run.seed,
      pooling: poolingOf(run.pooling),
      options: { ...run.options },
    },
  );
}

/** An embedding as JSON: its points (id, label, x, y), features, settings and provenance. */
export function downloadEmbeddingJson(slot: EmbedSlot = 'main'): void {
  const { embedding, dataset } = getState();
  const run = embedding[slot];
  if (!run?.coords) return;
  const json = embeddingToJson({
    appVersion: APP_VERSION,
    method: run.method,
    options: run.options,
    blocks: run.blocks,
    t: run.t,
    seed: run.seed,
    pooling: run.pooling,
    complete: run.status === 'done',
    iter: run.iter,
    totalIter: run.totalIter,
    classes: dataset?.index.classes ?? null,
    ids: run.ids,
    labels: run.labels,
    coords: run.coords,
    X: run.X,
    d: run.d,
    quality: run.quality,
    provenance: run.provenance ?? null,
  });
  const tag = `${run.method}_${run.blocks.join('+')}_t${run.t}_${run.pooling}`;
  downloadBytes(json, `embedding_${tag}.json`, 'application/json');
}

export function downloadEmbeddingCsv(slot: EmbedSlot = 'main'): void {
  const { embedding, dataset } = getState();
  const run = embedding[slot];
  if (!run?.coords || !dataset) return;
  const csv = embeddingToCsv(run.ids, run.labels, dataset.index.classes, run.coords);
  const tag = `${run.method}_${run.blocks.join('+')}_t${run.t}_${run.pooling}`;
  downloadBytes(csv, `embedding_${tag}.csv`, 'text/csv');
}

/** The feature-maps panel (and the URL) hold at most this many images. */
export const MAX_VIEW_IMAGES = 64;

/** "Show in feature maps": the selected points become the view's images. */
export function showInFeatureMaps(ids: string[]): void {
  if (ids.length) getState().setView({ images: ids.slice(0, MAX_VIEW_IMAGES) });
}
