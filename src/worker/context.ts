/**
 * @file What a job handler gets: progress reporting with an ETA, partial results, and cooperative
 * cancellation. Handlers call `ctx.checkpoint()` between units of work; it yields to the event loop
 * (so a `cancel` message can arrive) and throws DiffProbeError('cancelled') once cancelled.
 */
import { DiffProbeError } from '../core/errors';
import { EtaEstimator } from '../core/progress';
import type { Progress, WorkerResponse } from './protocol';

export interface JobContext {
  readonly id: number;
  readonly signal: AbortSignal;
  progress(done: number, total: number, note?: string): void;
  partial(partial: unknown, transfer?: Transferable[]): void;
  /** Yields to the message loop, then throws if the job was cancelled. */
  checkpoint(): Promise<void>;
  /**
   * Yields like checkpoint(), but reports a cancel instead of throwing: for jobs where Stop means
   * "finish now with what you have" (a probe, an embedding) rather than "abandon".
   */
  stopRequested(): Promise<boolean>;
}

export type Post = (message: WorkerResponse, transfer?: Transferable[]) => void;

/**
 * Yield to the macrotask queue so queued `cancel` messages are delivered. A MessageChannel task
 * rather than setTimeout(0): nested timers are clamped to 4 ms, which would add up over the
 * thousands of checkpoints of an L-BFGS or t-SNE run.
 */
function yieldToLoop(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export function createJobContext(
  id: number,
  post: Post,
  controller: AbortController,
  now = () => Date.now(),
) {
  const eta = new EtaEstimator(now);
  let lastPost = 0;
  const ctx: JobContext = {
    id,
    signal: controller.signal,
    progress(done, total, note) {
      const etaMs = eta.update(done, total);
      const t = now();
      // Throttle to ~20 messages/s, but always send the first and the last.
      if (done !== 0 && done < total && t - lastPost < 50) return;
      lastPost = t;
      const progress: Progress = { done, total, etaMs, note };
      post({ kind: 'progress', id, progress });
    },
    partial(partial, transfer) {
      post({ kind: 'partial', id, partial }, transfer);
    },
    async checkpoint() {
      await yieldToLoop();
      if (controller.signal.aborted) throw new DiffProbeError('cancelled', `job ${id} cancelled`);
    },
    async stopRequested() {
      await yieldToLoop();
      return controller.signal.aborted;
    },
  };
  return ctx;
}
