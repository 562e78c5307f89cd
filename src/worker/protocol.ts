/**
 * @file The one typed message protocol between the UI thread and the compute worker.
 *
 * Every request carries an id. The worker answers it with any number of `progress` and `partial`
 * messages and then exactly one `result` or `error`. A `cancel` message names the request to stop;
 * the handler stops at its next checkpoint and answers with an error of code 'cancelled', after
 * having sent every partial result it had, so nothing already computed is lost.
 */
import type { ErrorCode } from '../core/errors';
import type { Jobs } from './jobs';

export type JobName = keyof Jobs;
export type JobParams<K extends JobName> = Jobs[K]['params'];
export type JobResult<K extends JobName> = Jobs[K]['result'];
export type JobPartial<K extends JobName> = Jobs[K] extends { partial: infer P } ? P : never;

/** UI → worker. */
export type WorkerRequest =
  | { [K in JobName]: { kind: 'request'; id: number; job: K; params: JobParams<K> } }[JobName]
  | { kind: 'cancel'; id: number };

/** Progress of a running job. `etaMs` is null until there is enough history to estimate. */
export interface Progress {
  done: number;
  total: number;
  etaMs: number | null;
  /** Short human note, e.g. "batch 3/10 on WebGPU". */
  note?: string;
}

/** A serialisable error: the code decides the user-facing message (see app/messages.ts). */
export interface WireError {
  code: ErrorCode;
  message: string;
  detail?: Record<string, unknown>;
}

/**
 * Things the worker tells the UI without being asked, e.g. that WebGPU was lost and WASM took over
 * for the model whose ModelInfo.id is `model` (the UI ignores it for any other).
 */
export type WorkerEvent = {
  type: 'backend-changed';
  model: string;
  backend: 'webgpu' | 'wasm';
  reason: string;
};

/** Worker → UI. */
export type WorkerResponse =
  | { kind: 'event'; id: 0; event: WorkerEvent }
  | { kind: 'progress'; id: number; progress: Progress }
  | { kind: 'partial'; id: number; partial: unknown }
  | { kind: 'result'; id: number; result: unknown }
  | { kind: 'error'; id: number; error: WireError };
