/**
 * @file "Run sweep": the store and the one progress entry (with an ETA) around the pipeline's sweep
 * (pipeline/sweep-run.ts): for every (block, t), a probe judged on the validation images; the best
 * cell by validation accuracy is tested once. Stop keeps every cell already computed.
 */

import { ensureBundledImages, withBundledImages } from '../../app/bundled-data';
import { compute } from '../../app/compute';
import { blockMaps } from '../../core/heads/layout';
import type { NeuralHead } from '../../core/heads/spec';
import { bundledModelInput } from '../../data/bundled';
import { dataSpec, type FeatureSpec } from '../../pipeline/feature-spec';
import { webOrigin } from '../../pipeline/provenance';
import { bundledSplit, splitIds, VALIDATION_FRACTION } from '../../pipeline/split';
import { notifyError, trackRun } from '../../state/jobs';
import { bundledDataFor, getState } from '../../state/store';
import { downloadBytes } from '../../ui/download';
import { POOLINGS } from '../extraction/commands';
import { imageLabels, probePooling } from '../probe/commands';
import { gridToCsv, gridToJson, type SweepGrid } from './sweep-grid';
import { runSweepJob } from './sweep-job';

export interface SweepSettings {
  blocks: string[];
  timesteps: number[];
  /** Training images in all (the validation part included), and test images. */
  nTrain: number;
  nTest: number;
  splitSeed: number;
  /** Share of the training images (per class) held out for validation (default VALIDATION_FRACTION). */
  validationFraction?: number;
  C: number;
  maxIter: number;
  /** A neural head in every cell instead of the linear probe (absent or null: the linear probe). */
  head?: NeuralHead | null;
}

export function runSweep(settings: SweepSettings): Promise<void> {
  return trackRun('sweep', (run) => sweepRun(settings, run));
}

async function sweepRun(settings: SweepSettings, run: AbortSignal): Promise<void> {
  const labelled = bundledDataFor(getState());
  if (!labelled) return;
  const validationFraction = settings.validationFraction ?? VALIDATION_FRACTION;
  const split = bundledSplit(
    {
      classes: labelled.index.classes,
      train: labelled.splits.train.labels,
      test: labelled.splits.test.labels,
    },
    { ...settings, validationFraction },
  );
  // The images it samples, before anything runs (the training split loads on first use).
  if (!(await withBundledImages(() => ensureBundledImages(splitIds(split))))) return;
  const s = getState();
  const { model, view } = s;
  const dataset = bundledDataFor(s);
  if (!model || !dataset || run.aborted) return;
  const spec: FeatureSpec = {
    model: model.id,
    modelName: model.manifest.name,
    blocks: [...settings.blocks],
    timesteps: [...settings.timesteps],
    seed: view.seed,
    pooling: probePooling(settings.head, POOLINGS[view.pooling].pooling),
    data: dataSpec(
      split,
      { source: 'bundled', dataset: dataset.index.name },
      settings.splitSeed,
      validationFraction,
    ),
  };
  const label = `Sweep: ${settings.blocks.length} blocks × ${settings.timesteps.length} timesteps`;
  const viewPooling = POOLINGS[view.pooling].pooling;
  try {
    await runSweepJob(
      'sweep',
      label,
      run,
      {
        spec,
        split,
        C: settings.C,
        maxIter: settings.maxIter,
        head: settings.head ?? null,
        maps: blockMaps(model.manifest),
        classLabels: imageLabels,
        linearPooling:
          viewPooling.kind === 'grid' || viewPooling.kind === 'raw' ? { kind: 'avg' } : viewPooling,
        origin: webOrigin(model, s.env?.webgpu.adapter ?? null),
      },
      (ids) => bundledModelInput(dataset, ids, model.manifest),
      // Only while its model is loaded: a sweep's cells never land on another model's results.
      (grid, status) => {
        if (getState().model?.id === spec.model) getState().setSweep({ grid, status });
      },
    );
  } catch (error) {
    notifyError(error);
  } finally {
    void compute()
      .run('cacheStats', {})
      .then((st) => getState().setCacheStats(st))
      .catch(() => {});
  }
}

export function downloadSweep(format: 'csv' | 'json'): void {
  const sweep = getState().sweep;
  if (!sweep) return;
  const g: SweepGrid = sweep.grid;
  if (format === 'csv') downloadBytes(gridToCsv(g), 'diffprobe-sweep.csv', 'text/csv');
  else downloadBytes(gridToJson(g), 'diffprobe-sweep.json', 'application/json');
}

/** A sweep cell in the explorer: its block alone, at its t (the view, so the URL follows). */
export function openInExplorer(block: string, t: number): void {
  getState().setView({ blocks: [block], t });
}
