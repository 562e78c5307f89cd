/**
 * @file The probe commands: the split (pipeline/split.ts), the probe's feature spec from the view,
 * and the store updates around the pipeline's run (pipeline/probe-run.ts), which extracts, checks
 * and trains through the compute worker with live curves. "Try it" re-extracts with the probe's
 * own spec.
 */
import { ensureBundledImages, withBundledImages } from '../../app/bundled-data';
import { isDiffProbeError } from '../../core/errors';
import { blockMaps } from '../../core/heads/layout';
import { ATTENTION_POOLING, type NeuralHead } from '../../core/heads/spec';
import type { GridSize, Pooling } from '../../core/pooling';
import { classLabelsFor, modelInputFor } from '../../data/model-input';
import type { FeatureSpec } from '../../pipeline/feature-spec';
import { dataSpec } from '../../pipeline/feature-spec';
import { extractConcatenated as extractWith } from '../../pipeline/features';
import { runProbe, tryProbe } from '../../pipeline/probe-run';
import { webOrigin } from '../../pipeline/provenance';
import type { PipelineJob, PipelineRuntime } from '../../pipeline/runtime';
import {
  bundledSplit,
  type LabelledSplit,
  splitIds,
  splitLabelled,
  VALIDATION_FRACTION,
} from '../../pipeline/split';
import { notifyError, runJobOrThrow, trackRun } from '../../state/jobs';
import type { ProbeRun } from '../../state/results';
import { bundledDataFor, getState, inputReady } from '../../state/store';
import type { PoolingId } from '../../state/view';
import { POOLINGS } from '../extraction/commands';

export { probeToJson } from '../../pipeline/probe-run';

export interface ProbeSettings {
  /** The bundled data set's own splits, or the user's labelled images. */
  source: 'bundled' | 'uploads';
  /** uploads: share of each class held out for testing. */
  testFraction: number;
  /** Share of the training images (per class) held out for validation (default VALIDATION_FRACTION). */
  validationFraction?: number;
  /** bundled: training images in all (validation included), and test images. */
  nTrain: number;
  nTest: number;
  splitSeed: number;
  timesteps: number[];
  C: number;
  maxIter: number;
  /** A neural head instead of the linear probe (absent or null: the linear probe). */
  head?: NeuralHead | null;
  /** The attention head's token grid: each side pooled to at most this (default 8). */
  grid?: GridSize;
}

/**
 * The pooling a probe reads: the view's, but the attention head reads the map as tokens (each side
 * pooled to at most 8) whatever the view pools with.
 */
export function probePooling(
  head: NeuralHead | null | undefined,
  viewPooling: Pooling,
  grid?: GridSize,
): Pooling {
  if (head?.kind !== 'attention') return viewPooling;
  return grid ? { kind: 'grid', size: grid } : ATTENTION_POOLING;
}

/** A probe in the store: its spec, settings, live curve and result (pipeline/probe-run.ts). */
/** Parses "25, 100" into sorted unique valid timesteps. */
export function parseTimesteps(text: string, maxT: number): number[] | null {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const ts = parts.map(Number);
  if (!ts.length || ts.some((t) => !Number.isInteger(t) || t < 0 || t > maxT)) return null;
  return [...new Set(ts)].sort((a, b) => a - b);
}

/**
 * The pipeline's runtime on the compute worker: every job gets a progress entry (extraction under
 * 'extract', the rest under `keys`) with Stop, and belongs to `run` (a model change may stop it).
 */
export function workerRuntime(
  prefix: string,
  run: AbortSignal | undefined,
  keys: Partial<Record<PipelineJob, string>> = {},
): PipelineRuntime {
  const key = (job: PipelineJob) => keys[job] ?? (job === 'extractFeatures' ? 'extract' : 'probe');
  return {
    run: (job, params, call) =>
      runJobOrThrow(key(job), `${prefix}: ${call.label}`, job, params, {
        onPartial: call.onPartial,
        transfer: call.transfer,
        run,
      }),
  };
}

/** The class of each of `ids` (for a class input fed each image's own label), as of now. */
export function imageLabels(ids: readonly string[]): Int32Array | undefined {
  const s = getState();
  return classLabelsFor(ids, bundledDataFor(s), s.uploads, s.model?.manifest.classes);
}

/** The pooling a view's pooling id stands for. */
export function poolingOf(id: PoolingId): Pooling {
  return POOLINGS[id].pooling;
}

/** x_0 of the given ids for the loaded model (bundled images and the user's), as of now. */
function imageInput(): ((ids: readonly string[]) => Float32Array) | null {
  const s = getState();
  const { model, uploads } = s;
  if (!model) return null;
  const dataset = bundledDataFor(s);
  return (ids) => modelInputFor(ids, model.manifest, dataset, uploads);
}

/**
 * Features of `ids` for `blocks` at each t in `timesteps` with the view's noise seed and pooling,
 * concatenated per row as [t0: block0 | block1 …, t1: …]. Returns null when stopped or failed (a
 * failure is shown as a notice).
 */
export async function extractConcatenated(
  ids: string[],
  blocks: string[],
  timesteps: number[],
  label: string,
  run?: AbortSignal,
  /** Another noise seed and pooling than the view's (a comparison computed like the run it is compared with). */
  features?: { seed: number; pooling: PoolingId },
): Promise<{ X: Float32Array; d: number } | null> {
  if (!(await withBundledImages(() => ensureBundledImages(ids)))) return null;
  const { model, view } = getState();
  const input = imageInput();
  if (!model || !input) return null;
  const spec = {
    model: model.id,
    blocks,
    timesteps,
    seed: features?.seed ?? view.seed,
    pooling: poolingOf(features?.pooling ?? view.pooling),
  };
  try {
    return await extractWith(
      workerRuntime(label, run),
      spec,
      ids.length,
      () => input(ids),
      label,
      imageLabels(ids),
    );
  } catch (error) {
    if (!isDiffProbeError(error, 'cancelled')) notifyError(error);
    return null;
  }
}

/** The labelled images a probe uses, from the chosen source: train, validation and test. */
export function labelledSplit(settings: ProbeSettings): LabelledSplit | null {
  const { uploads } = getState();
  const validationFraction = settings.validationFraction ?? VALIDATION_FRACTION;
  // The bundled data only when this model uses it (its own, or chosen in the Images panel).
  const dataset = bundledDataFor(getState());
  if (settings.source === 'uploads') {
    // Only images converted for this model (one that is converting or failed cannot be fed).
    const items = uploads.flatMap((u) =>
      u.className && u.status === 'ready' ? [{ id: u.id, label: u.className }] : [],
    );
    return splitLabelled(items, settings.testFraction, validationFraction, settings.splitSeed);
  }
  if (!dataset) return null;
  return bundledSplit(
    { classes: dataset.index.classes, train: dataset.splits.train.labels, test: dataset.splits.test.labels },
    { ...settings, validationFraction },
  );
}

/** The probe's feature spec: the loaded model, the view's blocks, seed and pooling, the settings' t and split. */
export function probeSpec(settings: ProbeSettings, split: LabelledSplit): FeatureSpec | null {
  const { model, view } = getState();
  const dataset = bundledDataFor(getState());
  if (!model) return null;
  const source =
    settings.source === 'uploads'
      ? { source: 'uploads' as const, testFraction: settings.testFraction }
      : { source: 'bundled' as const, dataset: dataset?.index.name ?? 'bundled data' };
  return {
    model: model.id,
    modelName: model.manifest.name,
    blocks: [...view.blocks],
    timesteps: [...settings.timesteps],
    seed: view.seed,
    pooling: probePooling(settings.head, POOLINGS[view.pooling].pooling, settings.grid),
    data: dataSpec(
      split,
      source,
      settings.splitSeed,
      settings.validationFraction ?? VALIDATION_FRACTION,
      // The bundled data is never inverted: its spec carries no polarity, as the CLI's does not.
      settings.source === 'uploads'
        ? (id) => Boolean(getState().uploads.find((u) => u.id === id)?.polarity?.inverted)
        : undefined,
      settings.source === 'uploads'
        ? (id) => getState().uploads.find((u) => u.id === id)?.decoder === 'browser'
        : undefined,
    ),
  };
}

/** Writes a probe's state while its model is the loaded one (never onto another model's results). */
function putProbe(state: ProbeRun): void {
  if (getState().model?.id === state.spec.model) getState().setProbe(state);
}

/** "Train probe": the split, the spec, then the pipeline's run with the store following it. */
export function trainProbe(settings: ProbeSettings): Promise<void> {
  return trackRun('probe', (run) => trainProbeRun(settings, run));
}

async function trainProbeRun(settings: ProbeSettings, run: AbortSignal): Promise<void> {
  const split = labelledSplit(settings);
  // The images it samples, before anything runs (the training split loads on first use).
  if (split && !(await withBundledImages(() => ensureBundledImages(splitIds(split))))) return;
  const spec = split && probeSpec(settings, split);
  const input = imageInput();
  if (!spec || !split || !input) {
    const { dataset } = getState();
    getState().notify(
      'error',
      'The probe has no data yet',
      dataset
        ? `This model does not use the bundled ${dataset.index.name} unless you choose it in the Images panel; or train on your labelled images.`
        : 'The bundled images are still loading; try again in a moment.',
    );
    return;
  }
  try {
    const model = getState().model;
    await runProbe(
      workerRuntime('Probe', run, { trainHead: 'probe' }),
      {
        spec,
        split,
        C: settings.C,
        maxIter: settings.maxIter,
        head: settings.head ?? null,
        maps: model ? blockMaps(model.manifest) : undefined,
        classLabels: imageLabels,
        origin: model ? webOrigin(model, getState().env?.webgpu.adapter ?? null) : undefined,
      },
      input,
      putProbe,
    );
  } catch (error) {
    notifyError(error);
  }
}

/** Stop: ends extraction or training; a probe stopped while training keeps its current model. */
export function stopProbe(): void {
  const { jobs } = getState();
  jobs.probe?.cancel();
  jobs.extract?.cancel();
}

/**
 * "Try it": the trained probe's class probabilities for the selected image, its features computed
 * with the probe's spec (blocks, t, noise seed, pooling, model), not the view's.
 */
export async function classifySelected(): Promise<void> {
  const { probe, view, setProbeTry, model } = getState();
  const id = view.images[0];
  const input = imageInput();
  if (!probe?.result || !id || !input || !inputReady(id, getState())) return;
  if (model?.id !== probe.spec.model) return;
  try {
    const proba = await tryProbe(
      workerRuntime('Try it', undefined, { applyProbe: 'probe-try', applyHead: 'probe-try' }),
      probe,
      input([id]),
      imageLabels([id])?.[0],
    );
    if (getState().probe === probe) setProbeTry({ id, proba: Array.from(proba) });
  } catch (error) {
    if (!isDiffProbeError(error, 'cancelled')) notifyError(error);
  }
}
