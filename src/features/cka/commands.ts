/**
 * @file "Compare": a CKA matrix in the app — the store, one progress entry with an ETA and Stop
 * around the pipeline's runCka (pipeline/cka-run.ts), on the bundled test images. The second model
 * of the 'models' view is loaded beside the current one (the random-weights twin, or a model the
 * user opened for it). Stop keeps every value already computed.
 */
import { ensureBundledImages } from '../../app/bundled-data';
import { sortModelFiles } from '../../app/commands';
import type { CkaEstimator } from '../../core/cka/linear-cka';
import { DiffProbeError, isDiffProbeError } from '../../core/errors';
import { bundledModelInput } from '../../data/bundled';
import { ckaAxes, runCka } from '../../pipeline/cka-run';
import { type CkaMatrix, type CkaModel, type CkaSpec, ckaToCsv, ckaToJson } from '../../pipeline/cka-spec';
import { webOrigin } from '../../pipeline/provenance';
import { stratifiedSample } from '../../pipeline/split';
import { notifyError, trackRun, withPipelineJob } from '../../state/jobs';
import { bundledDataFor, getState } from '../../state/store';
import { downloadBytes } from '../../ui/download';
import type { ModelInfo } from '../../worker/jobs';
import { POOLINGS } from '../extraction/commands';
import { loadCompanion, loadTwin } from '../twin/commands';

/** Pooled features (a pooling of the Extract panel's list) or the full maps. */
export type CkaFeatures = 'avg' | 'max' | 'avg2' | 'avg4' | 'maps';

/** The second model of the 'models' view: the twin, or a model loaded beside (by id). */
export type CkaOther = { kind: 'twin'; seed: number } | { kind: 'loaded'; id: string };

export interface CkaSettings {
  view: CkaSpec['view'];
  /** Blocks (view 'blocks' and 'models'), or the one block of view 'timesteps'. */
  blocks: string[];
  timesteps: number[];
  other?: CkaOther;
  features: CkaFeatures;
  estimator: CkaEstimator;
  /** Images of the bundled test split (a class-stratified sample, seeded). */
  count: number;
  imageSeed: number;
}

/** The bundled test images a CKA run uses: `count` of them, stratified by class, in row order. */
export function ckaImageIds(labels: ArrayLike<number>, k: number, count: number, seed: number): string[] {
  return stratifiedSample(labels, k, Math.min(count, labels.length), seed).map((r) => `test:${r}`);
}

function ckaModel(info: ModelInfo): CkaModel {
  return {
    name: info.manifest.name,
    sha256: info.hash,
    manifest: info.manifest,
    ...(info.twin ? { twin: { of: info.twin.of, seed: info.twin.seed } } : {}),
  };
}

export function runCkaComparison(settings: CkaSettings): Promise<void> {
  return trackRun('cka', (run) => ckaRun(settings, run));
}

async function ckaRun(settings: CkaSettings, run: AbortSignal): Promise<void> {
  const s = getState();
  const { model, view } = s;
  const dataset = bundledDataFor(s);
  if (!model || !dataset) return;
  const label = `CKA: ${settings.view === 'timesteps' ? `${settings.timesteps.length} timesteps` : `${settings.blocks.length} blocks`}${settings.view === 'models' ? ' × a second model' : ''}`;
  // The latest matrix; written to the store only while its model is loaded (a CKA matrix belongs
  // to the model of its rows).
  const latest: { matrix: CkaMatrix | null } = { matrix: null };
  const put = (matrix: CkaMatrix | null = latest.matrix) => {
    latest.matrix = matrix;
    if (matrix && getState().model?.id === model.id) getState().setCka(matrix);
  };
  try {
    await withPipelineJob('cka', label, run, async (rt, onProgress) => {
      let other: ModelInfo | undefined;
      if (settings.view === 'models') {
        const o = settings.other;
        if (!o) throw new DiffProbeError('cka-data', 'choose the second model to compare with');
        other =
          o.kind === 'twin'
            ? await loadTwin(o.seed, run)
            : await loadCompanion({ kind: 'loaded', id: o.id }, 'Finding the second model', run);
      }
      const ids = ckaImageIds(
        dataset.splits.test.labels,
        dataset.index.classes.length,
        settings.count,
        settings.imageSeed,
      );
      // The test split loads part by part on first use (app/bundled-data.ts): these images first.
      await ensureBundledImages(ids);
      const infos = new Map<string, ModelInfo>([
        [model.id, model],
        ...(other ? [[other.id, other] as const] : []),
      ]);
      const spec: CkaSpec = {
        view: settings.view,
        ...ckaAxes(settings.view, {
          model: model.id,
          blocks: settings.blocks,
          timesteps: settings.timesteps,
          other: other && {
            model: other.id,
            blocks: settings.blocks.every((b) => other.manifest.blocks.some((x) => x.name === b))
              ? settings.blocks
              : other.manifest.blocks.map((b) => b.name),
          },
        }),
        estimator: settings.estimator,
        features: settings.features === 'maps' ? 'maps' : 'pooled',
        pooling: settings.features === 'maps' ? null : POOLINGS[settings.features].pooling,
        seed: view.seed,
        images: {
          source: `bundled:test (${dataset.index.name}), class-stratified, seed ${settings.imageSeed}`,
          ids,
        },
        models: Object.fromEntries([...infos].map(([id, info]) => [id, ckaModel(info)])),
      };
      const adapter = getState().env?.webgpu.adapter ?? null;
      put(
        // The data set as it is now, its parts loaded (the `dataset` above predates the loads).
        await runCka(
          rt,
          spec,
          (id) => bundledModelInput(bundledDataFor(getState()) ?? dataset, ids, infos.get(id)!.manifest),
          {
            onMatrix: put,
            onProgress,
            origins: Object.fromEntries([...infos].map(([id, info]) => [id, webOrigin(info, adapter)])),
          },
        ),
      );
    });
  } catch (error) {
    if (latest.matrix) put({ ...latest.matrix, status: 'failed' });
    if (!isDiffProbeError(error, 'cancelled')) notifyError(error);
  }
}

export function downloadCka(format: 'csv' | 'json'): void {
  const m = getState().cka;
  if (!m) return;
  if (format === 'csv') downloadBytes(ckaToCsv(m), 'diffprobe-cka.csv', 'text/csv');
  else downloadBytes(ckaToJson(m), 'diffprobe-cka.json', 'application/json');
}

/** Opens a model from files beside the current one, as the second model of a comparison. */
export async function openCompanionFiles(files: File[]): Promise<ModelInfo | null> {
  const picked = sortModelFiles(files);
  if (picked.problem) {
    getState().notify('error', picked.problem.title, picked.problem.text);
    return null;
  }
  const { onnx, manifest, externalData } = picked;
  try {
    return await loadCompanion(
      {
        kind: 'files',
        model: onnx,
        modelName: onnx.name,
        ...(manifest && { manifestText: await manifest.text() }),
        ...(externalData.length && { externalData: externalData.map((f) => ({ path: f.name, data: f })) }),
      },
      `Opening ${onnx.name} beside the model`,
    );
  } catch (error) {
    if (!isDiffProbeError(error, 'cancelled')) notifyError(error);
    return null;
  }
}
