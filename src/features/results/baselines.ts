/**
 * @file The comparisons a finding needs: a probe on the raw pixels x₀ of the very images a probe
 * or sweep used, and one on the shallowest block at the same t — the same probe code (the worker's
 * trainProbe), the same split (train / validation / test from the result's feature spec), the same
 * C and iterations. Each is stored with the result it belongs to (`forResult` / `forGrid`), so a
 * newer probe or sweep never shows an older comparison. They are references, not choices: the
 * sweep has already chosen its cell by validation accuracy when they are tested.
 */
import { ensureBundledImages } from '../../app/bundled-data';
import { isDiffProbeError } from '../../core/errors';
import type { Manifest } from '../../core/manifest/types';
import { parseDatasetId } from '../../data/bundled';
import { modelInputFor } from '../../data/model-input';
import type { FeatureSpec } from '../../pipeline/feature-spec';
import { extractConcatenated } from '../../pipeline/features';
import { notifyError, trackRun } from '../../state/jobs';
import type { BaselineResult, ProbeBaselines, SweepBaselines } from '../../state/results';
import { bundledDataFor, getState, subscribe } from '../../state/store';
import { POOLINGS } from '../extraction/commands';
import { labelledSplit, type ProbeSettings, probeSpec, trainProbe, workerRuntime } from '../probe/commands';
import { runSweep, type SweepSettings } from '../sweep/commands';

/** The first block in the U-Net's forward order: the shallowest, at the input's resolution. */
export function shallowestBlock(manifest: Manifest): string | null {
  return manifest.blocks[0]?.name ?? null;
}

const RUNNING: BaselineResult = { accuracy: null, status: 'running' };

const settle = (accuracy: number | null): BaselineResult => ({
  accuracy,
  status: accuracy === null ? 'stopped' : 'done',
});

/** The labels of a spec's parts, in spec.data.ids order. */
export interface PartLabels {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
}

/**
 * The split of a spec as rows: ids in train | validation | test order, and the labels the result
 * was computed with (a probe's own, never the user's images as labelled now).
 */
export function specRows(spec: FeatureSpec, labels: PartLabels) {
  const { train, validation, test } = spec.data.ids;
  return {
    ids: [...train, ...validation, ...test],
    sizes: [train.length, validation.length, test.length] as const,
    labels,
  };
}

/** The bundled data set's labels of a spec's parts (a sweep's: it runs on the bundled data only). */
function bundledLabels(
  spec: FeatureSpec,
  dataset: NonNullable<ReturnType<typeof bundledDataFor>>,
): PartLabels {
  const label = (id: string) => {
    const r = parseDatasetId(id);
    return r ? dataset.splits[r.split].labels[r.row] : -1;
  };
  const part = (ids: string[]) => Int32Array.from(ids, label);
  const { train, validation, test } = spec.data.ids;
  return { train: part(train), validation: part(validation), test: part(test) };
}

/**
 * A probe fitted on the spec's training rows of X (validation rows for its curve, as every probe)
 * and tested once on its test rows; the test accuracy, or null when stopped.
 */
async function referenceProbe(
  label: string,
  X: Float32Array,
  d: number,
  rows: ReturnType<typeof specRows>,
  k: number,
  C: number,
  maxIter: number,
  run: AbortSignal,
): Promise<number | null> {
  const [nTrain, nVal] = rows.sizes;
  const part = (from: number, to: number) => X.slice(from * d, to * d);
  const train = { X: part(0, nTrain), y: rows.labels.train };
  const validation = { X: part(nTrain, nTrain + nVal), y: rows.labels.validation };
  const test = { X: part(nTrain + nVal, rows.ids.length), y: rows.labels.test };
  const rt = workerRuntime(label, run, { trainProbe: 'baseline' });
  const result = await rt.run(
    'trainProbe',
    { train, validation, test, d, k, C, maxIter },
    { label: 'training', transfer: [train.X.buffer, validation.X.buffer, test.X.buffer] },
  );
  return result.stopReason === 'stopped' ? null : result.testAccuracy;
}

/** x₀ of `ids` for the loaded model (the "raw pixels" features), one row per image. */
function pixelsOf(ids: readonly string[]): { X: Float32Array; d: number } | null {
  const s = getState();
  if (!s.model) return null;
  const { channels, height, width } = s.model.manifest.input;
  return {
    X: modelInputFor(ids, s.model.manifest, bundledDataFor(s), s.uploads),
    d: channels * height * width,
  };
}

/**
 * Pooled features of `ids` for `blocks` at the spec's t, seed and pooling (the feature cache first),
 * their images loaded first (the training split loads on first use).
 */
async function extractBlocks(
  spec: FeatureSpec,
  blocks: string[],
  ids: string[],
  label: string,
  run: AbortSignal,
) {
  await ensureBundledImages(ids);
  return extractConcatenated(
    workerRuntime(label, run),
    { ...spec, blocks },
    ids.length,
    () => pixelsOf(ids)!.X,
    'features',
  );
}

/**
 * Runs comparisons while model `id` stays loaded. They are not a "run" the user is asked about
 * before another model opens (the probe or sweep they compare with has finished): a model change
 * cancels their job like any other, and the abort keeps the next one from starting.
 */
async function whileLoaded(id: string, work: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const controller = new AbortController();
  const gone = (s: ReturnType<typeof getState>) => s.model?.id !== id || s.modelStatus === 'loading';
  const stop = subscribe((s) => {
    if (gone(s)) controller.abort();
  });
  try {
    if (!gone(getState())) await work(controller.signal);
  } finally {
    stop();
  }
}

/** Runs a comparison; a Stop gives null, any other failure a notice and null. */
async function attempt(work: () => Promise<number | null>): Promise<number | null> {
  try {
    return await work();
  } catch (error) {
    if (!isDiffProbeError(error, 'cancelled')) notifyError(error);
    return null;
  }
}

/**
 * "Train probe" with its comparisons: the probe, then raw pixels and the shallowest block on the
 * same split. The probe's blocks and the shallowest block are extracted together first (one U-Net
 * pass per image fills the feature cache for both), so neither pays for a second pass.
 */
export async function trainProbeWithBaselines(settings: ProbeSettings): Promise<void> {
  const start = getState();
  const model = start.model;
  const shallow = model ? shallowestBlock(model.manifest) : null;
  const needsShallow = shallow !== null && !start.view.blocks.includes(shallow);
  const split = labelledSplit(settings);
  const spec = split && probeSpec(settings, split);
  // The attention head reads a grid of the map; its comparisons are linear probes on pooled features.
  const gridded = spec?.pooling.kind === 'grid';
  if (
    spec &&
    !gridded &&
    needsShallow &&
    start.cacheStats !== null &&
    split.test.ids.length &&
    split.classes.length > 1
  ) {
    const ids = [...split.train.ids, ...split.validation.ids, ...split.test.ids];
    const warmed = await trackRun('probe', (run) =>
      attempt(async () => (await extractBlocks(spec, [...spec.blocks, shallow], ids, 'Probe', run)).d),
    );
    if (warmed === null) return;
  }
  await trainProbe(settings);
  const probe = getState().probe;
  const forResult = probe?.result;
  if (!probe || !forResult || probe.status !== 'done') return;
  const rows = specRows(probe.spec, probe.labels);
  const k = probe.classes.length;
  let entry: ProbeBaselines = {
    forResult,
    linear: probe.head ? RUNNING : null,
    pixels: RUNNING,
    shallow: needsShallow ? { ...RUNNING, block: shallow } : null,
  };
  const put = (patch: Partial<ProbeBaselines>) => {
    entry = { ...entry, ...patch };
    // Only while this probe is still the one on screen (and its model the loaded one).
    if (getState().probe?.result === forResult) getState().setBaselines({ probe: entry });
  };
  put({});
  // What the head adds: the linear probe on the same blocks and t, with the view's pooling (global
  // average when the view pools to a grid or not at all); the attention head's comparisons use it too.
  const viewPooling = POOLINGS[getState().view.pooling].pooling;
  const pooling =
    viewPooling.kind === 'grid' || viewPooling.kind === 'raw' ? ({ kind: 'avg' } as const) : viewPooling;
  const compareSpec = probe.spec.pooling.kind === 'grid' ? { ...probe.spec, pooling } : probe.spec;
  await whileLoaded(probe.spec.model, async (run) => {
    if (probe.head) {
      const linear = await attempt(async () => {
        const f = await extractConcatenated(
          workerRuntime('Linear probe (comparison)', run),
          compareSpec,
          rows.ids.length,
          () => pixelsOf(rows.ids)!.X,
          'features',
        );
        return referenceProbe('Linear probe (comparison)', f.X, f.d, rows, k, probe.C, probe.maxIter, run);
      });
      put({ linear: settle(linear) });
    }
    const px = pixelsOf(rows.ids);
    const pixels = await attempt(async () =>
      px
        ? referenceProbe('Raw-pixel probe (comparison)', px.X, px.d, rows, k, probe.C, probe.maxIter, run)
        : null,
    );
    put({ pixels: settle(pixels) });
    if (!needsShallow) return;
    const accuracy = await attempt(async () => {
      const f = await extractBlocks(compareSpec, [shallow], rows.ids, `Comparison (${shallow})`, run);
      return referenceProbe(
        `Probe on ${shallow} (comparison)`,
        f.X,
        f.d,
        rows,
        k,
        probe.C,
        probe.maxIter,
        run,
      );
    });
    put({ shallow: { ...settle(accuracy), block: shallow } });
  });
}

/**
 * "Run sweep", then, for its finding, raw pixels and the shallowest block swept (at the chosen
 * cell's t, its features already in the cache) on the same images.
 */
export async function runSweepWithBaselines(settings: SweepSettings): Promise<void> {
  await runSweep(settings);
  const s = getState();
  const sweep = s.sweep;
  const dataset = bundledDataFor(s);
  const chosen = sweep?.grid.chosen;
  // A stopped sweep chose among the cells it computed: its comparisons would dress a partial grid
  // as a finding about the whole one (the finding says "N of M cells" instead).
  if (!sweep || !dataset || !chosen || sweep.status !== 'done') return;
  const forGrid = sweep.grid;
  const { spec } = forGrid;
  const shallow = spec.blocks[0];
  const needsShallow = shallow !== undefined && shallow !== chosen.block;
  let entry: SweepBaselines = {
    forGrid,
    pixels: RUNNING,
    shallow: needsShallow ? { ...RUNNING, block: shallow } : null,
  };
  const put = (patch: Partial<SweepBaselines>) => {
    entry = { ...entry, ...patch };
    if (getState().sweep?.grid === forGrid) getState().setBaselines({ sweep: entry });
  };
  put({});
  const rows = specRows(spec, bundledLabels(spec, dataset));
  const k = dataset.index.classes.length;
  await whileLoaded(spec.model, async (run) => {
    const px = pixelsOf(rows.ids);
    const pixels = await attempt(async () =>
      px
        ? referenceProbe('Raw-pixel probe (comparison)', px.X, px.d, rows, k, forGrid.C, forGrid.maxIter, run)
        : null,
    );
    put({ pixels: settle(pixels) });
    if (!needsShallow) return;
    const accuracy = await attempt(async () => {
      const f = await extractBlocks(
        { ...spec, timesteps: [chosen.t] },
        [shallow],
        rows.ids,
        `Comparison (${shallow})`,
        run,
      );
      return referenceProbe(
        `Probe on ${shallow} at t = ${chosen.t} (comparison)`,
        f.X,
        f.d,
        rows,
        k,
        forGrid.C,
        forGrid.maxIter,
        run,
      );
    });
    put({ shallow: { ...settle(accuracy), block: shallow } });
  });
}
