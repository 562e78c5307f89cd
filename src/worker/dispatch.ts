/**
 * @file The worker's message loop, independent of the global worker scope so that unit tests can
 * drive it directly: validate the message, dispatch to the job's handler, and turn anything thrown
 * into a typed error reply. No exception escapes silently.
 */
import { DiffProbeError } from '../core/errors';
import { createJobContext, type JobContext, type Post } from './context';
import { enqueue } from './job-queue';
import type { JobName, JobParams, JobResult, WireError, WorkerRequest } from './protocol';

export type Handler<K extends JobName> = (params: JobParams<K>, ctx: JobContext) => Promise<JobResult<K>>;
export type Handlers = { [K in JobName]: Handler<K> };

export function toWireError(error: unknown): WireError {
  if (error instanceof DiffProbeError)
    return { code: error.code, message: error.message, detail: error.detail };
  const message = error instanceof Error ? error.message : String(error);
  // WebGPU/ORT failures arrive as plain errors; classify the ones the UI must explain differently.
  if (/out of memory|OOM|allocation failed|Failed to allocate/i.test(message))
    return { code: 'out-of-memory', message };
  // A lost device also shows as a failed read-back of a result buffer (mapAsync on a buffer the
  // device dropped).
  if (
    /device (was )?lost|GPUDevice.*lost|DeviceLost|Device was destroyed|Failed to download data from buffer/i.test(
      message,
    )
  )
    return { code: 'device-lost', message };
  return { code: 'internal', message };
}

/** Collects the ArrayBuffers of typed arrays in a result, so large outputs move without a copy. */
export function transferablesOf(value: unknown, out: Transferable[] = [], depth = 0): Transferable[] {
  if (depth > 4 || value === null || typeof value !== 'object') return out;
  if (ArrayBuffer.isView(value)) {
    const buffer = value.buffer;
    if (buffer instanceof ArrayBuffer && !out.includes(buffer)) out.push(buffer);
    return out;
  }
  for (const v of Object.values(value)) transferablesOf(v, out, depth + 1);
  return out;
}

/** Jobs that read only the worker's own stores (no session, no model state): they need no turn. */
const OUTSIDE_THE_QUEUE: ReadonlySet<JobName> = new Set<JobName>(['cacheStats']);

export function createDispatcher(handlers: Handlers, post: Post) {
  const running = new Map<number, AbortController>();

  return function onMessage(message: WorkerRequest): void {
    if (message.kind === 'cancel') {
      running.get(message.id)?.abort();
      return;
    }
    if (message.kind !== 'request' || !(message.job in handlers)) {
      const id = (message as { id?: number }).id ?? -1;
      post({
        kind: 'error',
        id,
        error: { code: 'internal', message: `unknown message ${JSON.stringify(message)}` },
      });
      return;
    }
    const controller = new AbortController();
    running.set(message.id, controller);
    const ctx = createJobContext(message.id, post, controller);
    const handler = handlers[message.job] as Handler<JobName>;
    // Jobs run one after another (job-queue.ts): ORT sessions fail when two runs overlap, and a
    // strict queue also makes progress and cancellation easy to reason about. A job that never
    // touches a session runs at once: the cache's size, asked for when the page opens, used to
    // wait behind (and hold up) the model's load while IndexedDB took its time to open.
    const schedule = OUTSIDE_THE_QUEUE.has(message.job) ? (task: () => Promise<void>) => task() : enqueue;
    void schedule(async () => {
      try {
        if (controller.signal.aborted) throw new DiffProbeError('cancelled', `job ${message.id} cancelled`);
        const result = await handler(message.params as JobParams<JobName>, ctx);
        post({ kind: 'result', id: message.id, result }, transferablesOf(result));
      } catch (error) {
        post({ kind: 'error', id: message.id, error: toWireError(error) });
      } finally {
        running.delete(message.id);
      }
    });
  };
}
