/**
 * @file Main-thread side of the worker protocol: one promise per request id, progress and partial
 * callbacks, cancellation through AbortSignal, transferables for big buffers.
 * This is the only file that calls `postMessage` towards the compute worker.
 */
import { DiffProbeError } from '../core/errors';
import type {
  JobName,
  JobParams,
  JobPartial,
  JobResult,
  Progress,
  WorkerEvent,
  WorkerRequest,
  WorkerResponse,
} from './protocol';

/** The subset of `Worker` the client needs; a fake in unit tests. */
export interface MessagePortLike {
  postMessage(message: WorkerRequest, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<WorkerResponse>) => void): void;
  addEventListener(type: 'error', listener: (event: ErrorEvent) => void): void;
}

export interface RunOptions<K extends JobName> {
  onProgress?: (progress: Progress) => void;
  onPartial?: (partial: JobPartial<K>) => void;
  signal?: AbortSignal;
  transfer?: Transferable[];
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  onProgress?: (progress: Progress) => void;
  onPartial?: (partial: never) => void;
  cleanup: () => void;
}

export class WorkerClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: WorkerEvent) => void>();

  constructor(private readonly port: MessagePortLike) {
    port.addEventListener('message', (event) => this.receive(event.data));
    port.addEventListener('error', (event) => {
      // A crashed worker cannot answer anything still pending: fail those loudly, not silently.
      const error = new DiffProbeError(
        'internal',
        `compute worker crashed: ${event.message || 'unknown error'}`,
      );
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.cleanup();
        p.reject(error);
      }
    });
  }

  /** Starts a job; resolves with its result, rejects with a DiffProbeError (code 'cancelled' on abort). */
  run<K extends JobName>(job: K, params: JobParams<K>, options: RunOptions<K> = {}): Promise<JobResult<K>> {
    const id = this.nextId++;
    const { signal } = options;
    if (signal?.aborted)
      return Promise.reject(new DiffProbeError('cancelled', `${job} cancelled before start`));
    return new Promise<JobResult<K>>((resolve, reject) => {
      const onAbort = () => this.port.postMessage({ kind: 'cancel', id });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: resolve as (value: unknown) => void,
        reject,
        onProgress: options.onProgress,
        onPartial: options.onPartial as ((partial: never) => void) | undefined,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      });
      this.port.postMessage({ kind: 'request', id, job, params } as WorkerRequest, options.transfer ?? []);
    });
  }

  /** Subscribes to unsolicited worker events; returns the unsubscribe function. */
  onEvent(listener: (event: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Number of requests still waiting for an answer. */
  get inFlight(): number {
    return this.pending.size;
  }

  private receive(message: WorkerResponse): void {
    if (message.kind === 'event') {
      for (const listener of this.listeners) listener(message.event);
      return;
    }
    const p = this.pending.get(message.id);
    if (!p) return; // an answer to a request that already settled (e.g. progress racing an error)
    switch (message.kind) {
      case 'progress':
        p.onProgress?.(message.progress);
        break;
      case 'partial':
        p.onPartial?.(message.partial as never);
        break;
      case 'result':
        this.pending.delete(message.id);
        p.cleanup();
        p.resolve(message.result);
        break;
      case 'error':
        this.pending.delete(message.id);
        p.cleanup();
        p.reject(new DiffProbeError(message.error.code, message.error.message, message.error.detail));
        break;
    }
  }
}
