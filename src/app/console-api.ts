/**
 * @file `window.diffprobe`: a small console API for power users (and the e2e suite) to run worker
 * jobs directly and read the app state, e.g.
 *   await diffprobe.run('forward', { x0, t: 100, seed: 0, blocks: ['mid'] })
 */
import { getState } from '../state/store';
import type { JobName, JobParams, JobPartial, JobResult } from '../worker/protocol';
import { compute } from './compute';

export interface ConsoleApi {
  /** `transfer` hands buffers to the worker instead of copying them (they are empty here afterwards). */
  run<K extends JobName>(job: K, params: JobParams<K>, transfer?: Transferable[]): Promise<JobResult<K>>;
  /** Like run, with a callback for each partial result (layouts, probe iterations, feature rows). */
  runWithPartials<K extends JobName>(
    job: K,
    params: JobParams<K>,
    onPartial: (partial: JobPartial<K>) => void,
  ): Promise<JobResult<K>>;
  state: typeof getState;
}

declare global {
  interface Window {
    diffprobe: ConsoleApi;
  }
}

export function exposeConsoleApi(): void {
  window.diffprobe = {
    run: (job, params, transfer) => compute().run(job, params, { transfer }),
    runWithPartials: (job, params, onPartial) => compute().run(job, params, { onPartial }),
    state: getState,
  };
}
