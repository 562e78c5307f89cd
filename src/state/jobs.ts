/**
 * @file The job runner: a worker job with a progress entry in the store and a Stop handle
 * (runJob, runJobOrThrow), and the runs that group jobs into one user intent (trackRun). Below
 * the features, which all run their work through it, and beside the store it writes to; the app's
 * commands (app/commands.ts) use it too.
 */
import { compute } from '../app/compute';
import { describeError } from '../app/messages';
import { DiffProbeError } from '../core/errors';
import { EtaEstimator } from '../core/progress';
import type { PipelineJob, PipelineRuntime } from '../pipeline/runtime';
import type { RunOptions } from '../worker/client';
import type { JobName, JobParams, JobResult } from '../worker/protocol';
import { getState } from './store';

/** Runs a worker job with a progress entry in the store and a Stop handle; errors become notices. */
export async function runJob<K extends JobName>(
  key: string,
  label: string,
  job: K,
  params: JobParams<K>,
  options: JobOptions<K> & {
    /** Returns true when it dealt with the error itself (no notice is shown). */
    onError?: (error: unknown) => boolean;
  } = {},
): Promise<JobResult<K> | null> {
  try {
    return await runJobOrThrow(key, label, job, params, options);
  } catch (error) {
    if (!(error instanceof DiffProbeError && error.code === 'cancelled') && !options.onError?.(error))
      notifyError(error);
    return null;
  }
}

/** An error as a notice (its code's title and action, app/messages.ts). */
export function notifyError(error: unknown): void {
  const { title, text } = describeError(error);
  getState().notify('error', title, text);
}

export type JobOptions<K extends JobName> = Omit<RunOptions<K>, 'signal'> & {
  /** The run this job belongs to (trackRun): once it is stopped, the job is cancelled or not started. */
  run?: AbortSignal;
};

/**
 * {@link runJob} for callers that handle failures themselves (the pipeline's orchestration): it
 * rejects instead of resolving null (DiffProbeError 'cancelled' after Stop) and shows no notice.
 */
export async function runJobOrThrow<K extends JobName>(
  key: string,
  label: string,
  job: K,
  params: JobParams<K>,
  { run, ...options }: JobOptions<K> = {},
): Promise<JobResult<K>> {
  if (run?.aborted) throw new DiffProbeError('cancelled', `${label}: stopped before it started`);
  const controller = new AbortController();
  const s = getState();
  s.jobs[key]?.cancel();
  const cancel = () => controller.abort();
  s.startJob(key, label, cancel);
  run?.addEventListener('abort', cancel, { once: true });
  try {
    return await compute().run(job, params, {
      ...options,
      signal: controller.signal,
      onProgress: (p) => getState().updateJob(key, p),
    });
  } finally {
    run?.removeEventListener('abort', cancel);
    // A newer job under the same key may have replaced this one; leave its entry alone.
    if (getState().jobs[key]?.cancel === cancel) getState().endJob(key);
    if (job === 'extractFeatures') void refreshCacheStats().catch(() => {});
  }
}

/** The long runs a model change asks about (a probe, a sweep, an embedding, an extraction, CKA). */
export type RunKind = 'probe' | 'sweep' | 'embedding' | 'extraction' | 'cka';

export const RUN_NAMES: Record<RunKind, string> = {
  probe: 'a probe',
  sweep: 'a sweep',
  embedding: 'an embedding',
  extraction: 'a feature extraction',
  cka: 'a CKA comparison',
};

/**
 * Runs in progress. A run is one user intent of several worker jobs (a probe extracts, then
 * trains; a sweep trains dozens of probes), so the worker's queue cannot tell when it ends.
 */
const runs = new Map<number, { kind: RunKind; done: Promise<unknown>; stop: () => void }>();
let nextRun = 1;

/**
 * Registers `work` as a run of `kind` until it settles (see chooseAboutRuns). Its jobs take the
 * signal (JobOptions.run): a model change that stops the run aborts it, so that a run caught
 * between two jobs does not start its next one.
 */
export async function trackRun<T>(kind: RunKind, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const id = nextRun++;
  const controller = new AbortController();
  const done = work(controller.signal);
  runs.set(id, { kind, done, stop: () => controller.abort() });
  try {
    return await done;
  } finally {
    runs.delete(id);
  }
}

/** Stops every run in progress (its jobs are cancelled or not started). */
export function stopRuns(): void {
  for (const run of runs.values()) run.stop();
}

/**
 * One progress entry (`key`, with an ETA) and its Stop for a pipeline run (a sweep, a CKA matrix):
 * `work` gets the pipeline's runtime on the compute worker, whose jobs Stop — or the run's end,
 * e.g. a model change — cancels, and a progress callback. The entry ends with `work`. Jobs named
 * in `finishAfterStop` are not cancelled (a head's one test evaluation, as the probe's in JS).
 */
export async function withPipelineJob<T>(
  key: string,
  label: string,
  run: AbortSignal,
  work: (rt: PipelineRuntime, progress: (done: number, total: number, note: string) => void) => Promise<T>,
  finishAfterStop: readonly PipelineJob[] = [],
): Promise<T> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  run.addEventListener('abort', stop, { once: true });
  const eta = new EtaEstimator();
  getState().startJob(key, label, stop);
  const rt: PipelineRuntime = {
    run: (job, params, call) =>
      compute().run(job, params, {
        onPartial: call.onPartial,
        transfer: call.transfer,
        signal: finishAfterStop.includes(job) ? undefined : controller.signal,
      }),
  };
  try {
    return await work(rt, (done, total, note) =>
      getState().updateJob(key, { done, total, etaMs: eta.update(done, total), note }),
    );
  } finally {
    run.removeEventListener('abort', stop);
    getState().endJob(key);
  }
}

/** Settles when every run in progress has (their results written). */
export async function runsSettled(): Promise<void> {
  await Promise.allSettled([...runs.values()].map((r) => r.done));
}

/** The kinds of the runs in progress, each once, in the order they started. */
export function runningWork(): RunKind[] {
  return [...new Set([...runs.values()].map((r) => r.kind))];
}

/** "a sweep", "a probe and an embedding". */
export function describeRuns(kinds: readonly RunKind[]): string {
  const names = kinds.map((k) => RUN_NAMES[k]);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : (names[0] ?? '');
}

/** The feature cache's size, asked of the worker (after every extraction). */
export async function refreshCacheStats(): Promise<void> {
  getState().setCacheStats(await compute().run('cacheStats', {}));
}
