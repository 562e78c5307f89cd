/**
 * @file Ready means ready: the page is ready when the loaded model can run and, for the model
 * whose data set is bundled, the images the first view shows are in. Until then everything that
 * needs them (the Tour, Train probe, Run sweep, an embedding, an extraction) is disabled and says
 * what it waits for, with progress; the status line says the same. Pure, over the store's state.
 */
import { missingParts } from '../data/bundled';
import type { AppState } from './store';

export interface Readiness {
  ready: boolean;
  /** What is still loading ("the model", "the images"), or why nothing will (no model). */
  waitingFor: string | null;
  /** 0…1 when known. */
  progress: number | null;
  /** A short note on what the loading is doing ("downloading 6.8 MB"). */
  note: string | null;
}

type ReadinessState = Pick<AppState, 'model' | 'modelStatus' | 'jobs' | 'dataset' | 'datasetOwner'>;

export function readiness(s: ReadinessState): Readiness {
  const job = s.jobs.model?.progress ?? null;
  // A step of one ('creating session') is not a measure of progress: only its note is said.
  const fraction = job && job.total > 1 ? Math.min(1, job.done / job.total) : null;
  if (!s.model) {
    if (s.modelStatus === 'error')
      return { ready: false, waitingFor: 'a model (open one)', progress: null, note: null };
    return { ready: false, waitingFor: 'the model', progress: fraction, note: job?.note ?? null };
  }
  // The model that names the data set needs its first images; another model needs none.
  const owns = s.datasetOwner === null || s.model.hash === s.datasetOwner;
  if (owns && s.model.manifest.dataset) {
    if (!s.dataset) return { ready: false, waitingFor: 'the images', progress: null, note: null };
    const first = missingParts(s.dataset, ['test:0']).length === 0;
    if (!first) return { ready: false, waitingFor: 'the images', progress: null, note: null };
  }
  return { ready: true, waitingFor: null, progress: null, note: null };
}

/** "the model (42%)": what a disabled control says it waits for. */
export function waitingText(r: Readiness): string {
  if (!r.waitingFor) return '';
  const pct = r.progress === null ? '' : ` (${Math.round(100 * r.progress)}%)`;
  return `Waiting for ${r.waitingFor}${pct}`;
}
