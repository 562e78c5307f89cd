/**
 * @file The compute worker's handle on the engine helper (helper-worker.ts), presented as an
 * OrtRuntime whose sessions run there. BlockSession runs on it unchanged; only the tensors' type,
 * data and dims cross between the workers. (lifecycle.ts starts and ends it.)
 *
 * Every call has a time limit (time-limits.ts): a helper that does not answer in time is ended like
 * one that died: everything pending and every later call rejects, and the extraction hands its
 * batches back to the compute worker's own engine. A helper left without calls for `idleMs` ends
 * itself, so that its WASM heap (which never shrinks) does not stay at its peak while nothing runs.
 */
import type { OrtRuntime, OrtSession, OrtTensor, SessionOptions } from '../../engine/ort-types';
import type { CreatedSession, HelperReply, HelperRequest, WireTensor } from './protocol';
import { CALL_LIMITS, type CallLimits, Pace } from './time-limits';

type Pending = {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer?: ReturnType<typeof setTimeout>;
};
type Request = HelperRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** What EngineHelper needs of a Worker (the tests give it one that runs the handler in-process). */
export interface WorkerLike {
  postMessage(message: HelperRequest, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<HelperReply>) => void): void;
  addEventListener(type: 'error', listener: (event: ErrorEvent) => void): void;
  addEventListener(type: 'messageerror', listener: () => void): void;
  terminate(): void;
}

export interface EngineHelperOptions {
  limits?: CallLimits;
  /** End the helper after this long without a call (ms); default: never. */
  idleMs?: number;
  /** Told once when the helper ends, for whatever reason. */
  onEnd?: (helper: EngineHelper) => void;
}

/** The compute worker's handle on the helper: numbered requests, each answered once, in time. */
export class EngineHelper {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly limits: CallLimits;
  /** Why the helper can no longer be used: it died or hung (an error), or it was stopped. */
  dead: Error | null = null;
  /** True once stopped on purpose (idle, model change); a later use may start another. */
  stopped = false;

  constructor(
    private readonly worker: WorkerLike,
    private readonly options: EngineHelperOptions = {},
  ) {
    this.limits = options.limits ?? CALL_LIMITS;
    worker.addEventListener('message', (event: MessageEvent<HelperReply>) => {
      const reply = event.data;
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.settled(reply.id);
      if (reply.ok) waiting.resolve(reply.value);
      else waiting.reject(new Error(`engine helper: ${reply.message}`));
    });
    worker.addEventListener('error', (event: ErrorEvent) => {
      event.preventDefault();
      this.end(new Error(`the engine helper stopped: ${event.message || 'its script failed'}`));
    });
    worker.addEventListener('messageerror', () =>
      this.end(new Error('the engine helper stopped: a message could not be read')),
    );
  }

  /** Whether the helper can take no more calls (died, hung or stopped). */
  get closed(): boolean {
    return this.dead !== null;
  }

  /**
   * Sends a request (its arrays are copied: the caller keeps using them) and awaits the reply.
   * `limitMs` is read when the call starts and every second after, so it may tighten as paces are
   * measured; past it the helper counts as hung and is ended.
   */
  call<T>(request: Request, limitMs: () => number = () => this.limits.unknownMs): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const id = this.nextId++;
    const started = Date.now();
    return new Promise<T>((resolve, reject) => {
      const waiting: Pending = { resolve: resolve as (v: unknown) => void, reject };
      this.pending.set(id, waiting);
      const check = () => {
        const limit = limitMs();
        const left = limit - (Date.now() - started);
        if (left > 0) waiting.timer = setTimeout(check, Math.min(left, 1000));
        else
          this.end(
            new Error(
              `the engine helper did not answer a ${request.op} in ${Math.round(limit / 1000)} s; it was ended and its work goes back to the main engine`,
            ),
          );
      };
      check();
      this.worker.postMessage({ ...request, id }, []);
    });
  }

  /** Ends the helper on purpose: pending and later calls reject, the worker and its heap go. */
  stop(why = 'it was stopped'): void {
    if (this.dead) return;
    this.stopped = true;
    this.end(new Error(`the engine helper ended: ${why}`));
  }

  private settled(id: number): void {
    const waiting = this.pending.get(id);
    if (waiting?.timer) clearTimeout(waiting.timer);
    this.pending.delete(id);
    const { idleMs } = this.options;
    if (!this.pending.size && idleMs !== undefined && !this.dead)
      this.idleTimer = setTimeout(() => this.stop(`idle for ${Math.round(idleMs / 1000)} s`), idleMs);
  }

  private end(why: Error): void {
    if (this.dead) return;
    this.dead = why;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    for (const waiting of this.pending.values()) {
      if (waiting.timer) clearTimeout(waiting.timer);
      waiting.reject(why);
    }
    this.pending.clear();
    this.worker.terminate();
    this.options.onEnd?.(this);
  }

  /**
   * An OrtRuntime whose sessions run in the helper. `pace` is the sub-graph's yardstick for the
   * time limits (shared with the main engine's session of the same sub-graph), and records the
   * helper's own runs and creations.
   */
  runtime(pace = new Pace()): OrtRuntime {
    const wire = (type: WireTensor['type']) => (data: WireTensor['data'], dims: readonly number[]) =>
      ({ type, data, dims: [...dims] }) as unknown as OrtTensor;
    return {
      name: 'wasm',
      createSession: async (model: Uint8Array, options?: SessionOptions) => {
        const level = options?.graphOptimizationLevel;
        const started = Date.now();
        const created = await this.call<CreatedSession>(
          { op: 'create', model, options: level ? { graphOptimizationLevel: level } : {} },
          () => pace.createLimitMs(this.limits),
        );
        pace.created(Date.now() - started);
        return this.session(created, pace);
      },
      float32: wire('float32'),
      int64: wire('int64'),
      int32: wire('int32'),
      float16: wire('float16'),
    };
  }

  private session(created: CreatedSession, pace: Pace): OrtSession {
    const run = async (feeds: Record<string, OrtTensor>, fetch?: readonly string[]) => {
      const wireFeeds: Record<string, WireTensor> = {};
      for (const [name, t] of Object.entries(feeds))
        wireFeeds[name] = {
          type: t.type as WireTensor['type'],
          data: t.data as WireTensor['data'],
          dims: t.dims.map(Number),
        };
      // The batch size: the first dimension of the first input.
      const count = Number(Object.values(feeds)[0]?.dims[0] ?? 1) || 1;
      const started = Date.now();
      const out = await this.call<Record<string, WireTensor>>(
        { op: 'run', session: created.session, feeds: wireFeeds, fetch: [...(fetch ?? created.outputNames)] },
        () => pace.runLimitMs(count, this.limits),
      );
      pace.ran(Date.now() - started, count);
      return Object.fromEntries(
        Object.entries(out).map(([name, t]) => [name, { ...t, location: 'cpu', dispose() {} }]),
      ) as unknown as Record<string, OrtTensor>;
    };
    return {
      inputNames: created.inputNames,
      outputNames: created.outputNames,
      run,
      // A session of an ended helper went with it.
      release: async () => {
        if (this.closed) return;
        await this.call<void>({ op: 'release', session: created.session }, () => this.limits.floorMs);
      },
    } as unknown as OrtSession;
  }
}
