/**
 * @file The timestep convention's intents: run the denoising check on a few images, and reopen the
 * model under a chosen convention. The check runs on 8 bundled test images (resized and
 * channel-adapted for the model, as "Use the bundled…" would), or on the user's images when the
 * bundled set is not loaded; what it ran on is said with the result.
 */
import { reconfigureModel } from '../../app/commands';
import type { Manifest, PredictionType } from '../../core/manifest/types';
import { conventionSpec, type TimestepConvention } from '../../core/timestep/convention';
import { bundledConversionNote, bundledModelInput } from '../../data/bundled';
import { modelInputFor } from '../../data/model-input';
import type { DenoisingCheckResult } from '../../pipeline/denoising-check';
import { runJob } from '../../state/jobs';
import { type AppState, getState } from '../../state/store';

/** Images per check: one batch; 4 gave the same verdicts and margins (±20%) as 8 on every test model. */
export const CHECK_IMAGES = 4;

export interface CheckImages {
  readonly data: Float32Array;
  readonly count: number;
  /** What they are, for the result ("8 bundled Fashion-MNIST test images, resized to 32×32"). */
  readonly about: string;
}

/** Why the check cannot run now, or null (cheap: for a selector). */
export function checkImagesReason(s: Pick<AppState, 'model' | 'dataset' | 'uploads'>): string | null {
  if (!s.model) return 'No model is loaded.';
  if (s.dataset?.splits.test || s.uploads.some((u) => u.x0 && u.x0.length > 0)) return null;
  return 'The check needs images: the bundled set is not loaded, and no images are added.';
}

/** The images the check runs on, or why there are none. */
export function checkImagesFor(
  s: Pick<AppState, 'model' | 'dataset' | 'uploads'>,
): CheckImages | { reason: string } {
  const { model, dataset } = s;
  if (!model) return { reason: 'No model is loaded.' };
  if (dataset?.splits.test) {
    const count = Math.min(CHECK_IMAGES, dataset.splits.test.count);
    const ids = Array.from({ length: count }, (_, i) => `test:${i}`);
    const note = bundledConversionNote(dataset, model.manifest);
    return {
      data: bundledModelInput(dataset, ids, model.manifest),
      count,
      about: `${count} bundled ${dataset.index.name} test images${note ? ` (${note})` : ''}`,
    };
  }
  const ready = s.uploads.filter((u) => u.x0 && u.x0.length > 0).slice(0, CHECK_IMAGES);
  if (!ready.length)
    return { reason: 'The check needs images: the bundled set is not loaded, and no images are added.' };
  return {
    data: modelInputFor(
      ready.map((u) => u.id),
      model.manifest,
      null,
      ready,
    ),
    count: ready.length,
    about: `${ready.length} of your images`,
  };
}

/** Runs the check on the loaded model and keeps its result with the model's bytes. */
export async function runDenoisingCheck(): Promise<DenoisingCheckResult | null> {
  const s = getState();
  const images = checkImagesFor(s);
  const model = s.model;
  if (!model || 'reason' in images) return null;
  const result = await runJob('model-check', 'Denoising check', 'denoisingCheck', {
    images: { data: images.data, count: images.count },
    seed: s.view.seed,
    model: model.id,
  });
  if (result && getState().model?.hash === model.hash)
    getState().setTimestepCheck({ model: model.hash, result, about: images.about });
  return result;
}

/**
 * The manifest under `convention`, stated explicitly (so a bare model's float timestep is no longer
 * an assumption). `sigma` reads the output as x̂_0 (EDM's D): prediction "sample". Leaving `sigma`
 * the prediction type is `type` (the check's best reading) or, by default, ε.
 */
export function withConvention(
  manifest: Manifest,
  convention: TimestepConvention,
  sigmaData?: number,
  type?: PredictionType,
): Manifest {
  const { sigmaData: _, ...timestep } = manifest.timestep;
  const wasSigma = manifest.timestep.convention === 'sigma';
  const predictionType: PredictionType =
    convention === 'sigma' ? 'sample' : (type ?? (wasSigma ? 'epsilon' : manifest.prediction.type));
  return {
    ...manifest,
    timestep: {
      ...timestep,
      convention,
      ...(convention === 'sigma' && sigmaData !== undefined && { sigmaData }),
    },
    prediction: { ...manifest.prediction, type: predictionType },
  };
}

/** Reopens the loaded model with the timestep read as `convention`. */
export async function applyTimestepConvention(
  convention: TimestepConvention,
  sigmaData?: number,
  type?: PredictionType,
): Promise<boolean> {
  const model = getState().model;
  if (!model) return false;
  if (!model.manifest.timestep.dtype.startsWith('float') && !conventionSpec(convention).integerInput)
    return false;
  return reconfigureModel(withConvention(model.manifest, convention, sigmaData, type));
}

/**
 * A bare model whose timestep input is float and whose convention nobody has stated: DiffProbe
 * feeds the integer step, and the user must see that choice (the TimestepChoice banner).
 */
export function conventionUnstated(model: AppState['model']): boolean {
  return (
    model !== null &&
    model.origin === 'discovered' &&
    model.manifest.timestep.dtype.startsWith('float') &&
    model.manifest.timestep.convention === undefined
  );
}
