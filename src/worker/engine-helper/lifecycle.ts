/**
 * @file When the engine helper runs: started on first use, with the threads that the compute
 * worker's own engine leaves free (threads.ts); ended when the model changes ({@link stopHelper})
 * or after {@link IDLE_MS} without a call, since a WASM heap never shrinks and the helper's stays at
 * the size of the largest model it ran; started again by the next use.
 *
 * The helper is optional: where workers cannot nest, no core is free, or it fails to start, there
 * is none and extraction runs on the compute worker's engine alone. One that died or hung stays
 * ended until the model changes (it would likely fail the same way again).
 */
import { EngineHelper, type WorkerLike } from './remote-runtime';
import { helperThreads } from './threads';
import { CALL_LIMITS, type CallLimits, type Pace } from './time-limits';

/** Without a call for this long, the helper ends (a restart costs about a second). */
export const IDLE_MS = 60_000;

/** How a helper is made: a nested module Worker in the browser; tests give one in-process. */
export interface HelperHost {
  /** The helper's threads beside `mainThreads` of the compute worker's own engine (0: none). */
  threads(mainThreads: number): number;
  spawn(): WorkerLike;
  limits: CallLimits;
  idleMs: number;
}

const browserHost: HelperHost = {
  threads: (mainThreads) =>
    typeof Worker === 'undefined'
      ? 0
      : helperThreads(
          globalThis.crossOriginIsolated === true,
          globalThis.navigator?.hardwareConcurrency ?? 1,
          mainThreads,
        ),
  spawn: () =>
    new Worker(new URL('./helper-worker.ts', import.meta.url), {
      type: 'module',
      name: 'diffprobe-engine-helper',
    }),
  limits: CALL_LIMITS,
  idleMs: IDLE_MS,
};

let host = browserHost;
interface Started {
  ready: Promise<EngineHelper | null>;
  helper: EngineHelper | null;
}
let started: Started | null = null;

/** Uses `next` to make helpers from now on (null: the browser's); ends the running one. */
export function setHelperHost(next: HelperHost | null): void {
  stopHelper('its host changed');
  host = next ?? browserHost;
}

/**
 * The running helper, started if there is none, or null when there is none to have: no nested
 * workers, no free core beside `mainThreads`, it failed to start, or it died or hung. Its start may
 * take as long as `pace` allows a session creation.
 */
export function helper(mainThreads: number, pace?: Pace): Promise<EngineHelper | null> {
  if (started) return started.ready.then((h) => (h && !h.closed ? h : null));
  const threads = host.threads(mainThreads);
  if (threads < 1) return Promise.resolve(null);
  const record: Started = { ready: Promise.resolve(null), helper: null };
  started = record;
  record.ready = (async () => {
    try {
      const h = new EngineHelper(host.spawn(), {
        limits: host.limits,
        idleMs: host.idleMs,
        // Ended on purpose (idle): the next use starts another. Died or hung: none until stopHelper.
        onEnd: (ended) => {
          if (ended.stopped && started === record) started = null;
        },
      });
      record.helper = h;
      await h.call({ op: 'init', threads }, () =>
        pace ? pace.createLimitMs(host.limits) : host.limits.unknownMs,
      );
      return h;
    } catch (error) {
      console.warn('the engine helper did not start; extraction runs on one engine', error);
      return null;
    }
  })();
  return record.ready;
}

/** Ends the helper, if one runs (the model changed): its heap is freed; the next use starts another. */
export function stopHelper(why = 'the model changed'): void {
  const current = started;
  started = null;
  current?.helper?.stop(why);
}
