/**
 * @file The compute worker's side of the engine helper (helper-worker.ts): starts it once, with
 * the threads that the compute worker's own engine leaves free (threads.ts), and presents it as an
 * OrtRuntime whose sessions run there. BlockSession runs on it unchanged; only the tensors' type,
 * data and dims cross between the workers.
 *
 * The helper is optional: where workers cannot nest, no core is free, or it fails to start, there
 * is none and extraction runs on the compute worker's engine alone. A helper that dies rejects
 * everything pending and every later call, and the extraction hands its batches back.
 */
import type { OrtRuntime, OrtSession, OrtTensor, SessionOptions } from '../../engine/ort-types';
import type { CreatedSession, HelperReply, HelperRequest, WireTensor } from './protocol';
import { helperThreads } from './threads';

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };
type Request = HelperRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** What EngineHelper needs of a Worker (the tests give it one that runs the handler in-process). */
export interface WorkerLike {
  postMessage(message: HelperRequest, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<HelperReply>) => void): void;
  addEventListener(type: 'error', listener: (event: ErrorEvent) => void): void;
  addEventListener(type: 'messageerror', listener: () => void): void;
  terminate(): void;
}

/** The compute worker's handle on the helper: numbered requests, each answered once. */
export class EngineHelper {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  dead: Error | null = null;

  constructor(private readonly worker: WorkerLike) {
    worker.addEventListener('message', (event: MessageEvent<HelperReply>) => {
      const reply = event.data;
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiting.resolve(reply.value);
      else waiting.reject(new Error(`engine helper: ${reply.message}`));
    });
    const die = (why: string) => {
      this.dead = new Error(`the engine helper stopped: ${why}`);
      for (const waiting of this.pending.values()) waiting.reject(this.dead);
      this.pending.clear();
      worker.terminate();
    };
    worker.addEventListener('error', (event: ErrorEvent) => {
      event.preventDefault();
      die(event.message || 'its script failed');
    });
    worker.addEventListener('messageerror', () => die('a message could not be read'));
  }

  /** Sends a request (its arrays are copied: the caller keeps using them) and awaits the reply. */
  call<T>(request: Request): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...request, id }, []);
    });
  }

  runtime(): OrtRuntime {
    const wire = (type: WireTensor['type']) => (data: WireTensor['data'], dims: readonly number[]) =>
      ({ type, data, dims: [...dims] }) as unknown as OrtTensor;
    return {
      name: 'wasm',
      createSession: async (model: Uint8Array, options?: SessionOptions) => {
        const level = options?.graphOptimizationLevel;
        const created = await this.call<CreatedSession>({
          op: 'create',
          model,
          options: level ? { graphOptimizationLevel: level } : {},
        });
        return this.session(created);
      },
      float32: wire('float32'),
      int64: wire('int64'),
      int32: wire('int32'),
      float16: wire('float16'),
    };
  }

  private session(created: CreatedSession): OrtSession {
    const run = async (feeds: Record<string, OrtTensor>, fetch?: readonly string[]) => {
      const wireFeeds: Record<string, WireTensor> = {};
      for (const [name, t] of Object.entries(feeds))
        wireFeeds[name] = {
          type: t.type as WireTensor['type'],
          data: t.data as WireTensor['data'],
          dims: t.dims.map(Number),
        };
      const out = await this.call<Record<string, WireTensor>>({
        op: 'run',
        session: created.session,
        feeds: wireFeeds,
        fetch: [...(fetch ?? created.outputNames)],
      });
      return Object.fromEntries(
        Object.entries(out).map(([name, t]) => [name, { ...t, location: 'cpu', dispose() {} }]),
      ) as unknown as Record<string, OrtTensor>;
    };
    return {
      inputNames: created.inputNames,
      outputNames: created.outputNames,
      run,
      release: () => this.call<void>({ op: 'release', session: created.session }),
    } as unknown as OrtSession;
  }
}

interface Started {
  threads: number;
  runtime: Promise<OrtRuntime | null>;
  helper: EngineHelper | null;
}
let started: Started | null = null;

/**
 * The helper's runtime, started on first use, or null when there is no helper: no nested
 * workers (Node), no free core beside `mainThreads`, or it failed to start.
 */
export function helperRuntime(mainThreads: number): Promise<OrtRuntime | null> {
  if (started) return started.runtime;
  const threads = helperThreads(
    globalThis.crossOriginIsolated === true,
    globalThis.navigator?.hardwareConcurrency ?? 1,
    mainThreads,
  );
  if (threads < 1 || typeof Worker === 'undefined') return Promise.resolve(null);
  const record: Started = { threads, runtime: Promise.resolve(null), helper: null };
  record.runtime = (async () => {
    try {
      const worker = new Worker(new URL('./helper-worker.ts', import.meta.url), {
        type: 'module',
        name: 'diffprobe-engine-helper',
      });
      record.helper = new EngineHelper(worker);
      await record.helper.call({ op: 'init', threads });
      return record.helper.runtime();
    } catch (error) {
      console.warn('the engine helper did not start; extraction runs on one engine', error);
      return null;
    }
  })();
  started = record;
  return record.runtime;
}

/** False once a started helper has died (its sessions then reject every run). */
export function helperAlive(): boolean {
  return !started?.helper?.dead;
}
