/**
 * @file The random-weights twin in the app: loading it (or another model) beside the current one
 * as a companion, sweeping it with the trained model's sweep settings for "trained − random" per
 * cell, and its report. Opening the twin as the current model is app/commands.ts's openRandomTwin.
 */

import { DiffProbeError, isDiffProbeError } from '../../core/errors';
import { blockMaps } from '../../core/heads/layout';
import { bundledModelInput } from '../../data/bundled';
import type { FeatureSpec } from '../../pipeline/feature-spec';
import { bundledSplit } from '../../pipeline/split';
import { runJobOrThrow, trackRun } from '../../state/jobs';
import { bundledDataFor, getState } from '../../state/store';
import { downloadBytes } from '../../ui/download';
import type { ModelInfo, ModelSource } from '../../worker/jobs';
import { gridToCsv } from '../sweep/sweep-grid';
import { runSweepJob } from '../sweep/sweep-job';
import { differenceCsv } from './difference';

/**
 * Loads `source` beside the current model (a twin, a second model); a model already loaded comes
 * back at once. Rejects on failure (the caller says so).
 */
export async function loadCompanion(
  source: ModelSource,
  label: string,
  run?: AbortSignal,
): Promise<ModelInfo> {
  const s = getState();
  const info = await runJobOrThrow(
    'companion',
    label,
    'loadModel',
    { source, backend: s.prefs.backend, wasmThreads: s.prefs.wasmThreads, companion: true },
    { run },
  );
  getState().addCompanion(info);
  return info;
}

/** The loaded model's random-weights twin with init seed `seed`, loaded beside it. */
export function loadTwin(seed: number, run?: AbortSignal): Promise<ModelInfo> {
  const model = getState().model;
  if (!model) return Promise.reject(new DiffProbeError('model-missing', 'no model is loaded yet'));
  return loadCompanion(
    { kind: 'twin', of: model.id, seed },
    `Making the random-weights twin (init seed ${seed})`,
    run,
  );
}

/**
 * The last sweep again, on the loaded model's random-weights twin: the same blocks, timesteps,
 * images, split, noise seed, pooling, C and iterations, so that every cell can be read as
 * "trained − random". Stop keeps the twin's cells computed so far.
 */
export function runTwinSweep(seed: number): Promise<void> {
  return trackRun('sweep', async (run) => {
    const s = getState();
    const trained = s.sweep;
    const dataset = bundledDataFor(s);
    // Only after a sweep that finished: a stopped or failed one is the user's or the model's answer.
    if (trained?.status !== 'done' || !dataset || !s.model || trained.grid.spec.model !== s.model.id) return;
    const { grid } = trained;
    const owner = s.model.id;
    let twin: ModelInfo;
    try {
      twin = await loadTwin(seed, run);
    } catch (error) {
      if (!isDiffProbeError(error, 'cancelled')) throw error;
      return;
    }
    const { data } = grid.spec;
    const split = bundledSplit(
      {
        classes: dataset.index.classes,
        train: dataset.splits.train.labels,
        test: dataset.splits.test.labels,
      },
      {
        nTrain: data.sizes.train + data.sizes.validation,
        nTest: data.sizes.test,
        splitSeed: data.splitSeed,
        validationFraction: data.validationFraction,
      },
    );
    const spec: FeatureSpec = { ...grid.spec, model: twin.id, modelName: twin.manifest.name };
    await runSweepJob(
      'twin-sweep',
      `Sweep of the random-weights twin (init seed ${seed})`,
      run,
      {
        spec,
        split,
        C: grid.C,
        maxIter: grid.maxIter,
        head: grid.head ?? null,
        maps: blockMaps(twin.manifest),
        ...(grid.linearPooling ? { linearPooling: grid.linearPooling } : {}),
      },
      (ids) => bundledModelInput(bundledDataFor(getState()) ?? dataset, ids, twin.manifest),
      // Only while the trained model is loaded: the twin's cells sit beside its sweep.
      (current, status) => {
        if (getState().model?.id === owner)
          getState().setTwinSweep({ grid: current, status, twin, trained: grid.spec });
      },
    );
  });
}

export function downloadTwinSweep(format: 'csv' | 'difference'): void {
  const { sweep, twinSweep } = getState();
  if (!sweep || !twinSweep) return;
  if (format === 'csv')
    downloadBytes(gridToCsv(twinSweep.grid), 'diffprobe-sweep-random-weights.csv', 'text/csv');
  else
    downloadBytes(
      differenceCsv(sweep.grid, twinSweep.grid),
      'diffprobe-sweep-trained-minus-random.csv',
      'text/csv',
    );
}

/** The twin's report as JSON: which tensors were re-drawn (how), reset, or kept (why), by name. */
export function downloadTwinReport(model: ModelInfo): void {
  if (!model.twin) return;
  const { report, of, ofName, seed } = model.twin;
  const text = `${JSON.stringify(
    {
      format: 'diffprobe-random-weights',
      version: 1,
      model: model.manifest.name,
      sha256: model.hash,
      of,
      ofName,
      initSeed: seed,
      ...report,
    },
    null,
    1,
  )}\n`;
  downloadBytes(text, `random-weights-report-seed-${seed}.json`, 'application/json');
}
