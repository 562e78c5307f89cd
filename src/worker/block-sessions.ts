/**
 * @file The loaded model's extraction sessions in the worker: the shared pool
 * (pipeline/block-sessions.ts: one sub-graph per (blocks, poolings), built when it pays, by the
 * same rule as the CLI's) per model and backend, plus the engine helper's lane. A change of backend
 * (a lost WebGPU device) or of model releases them all.
 *
 * On WASM the same sub-graph is also opened in the engine helper (engine-helper/: a second ONNX
 * Runtime instance on the cores the worker's own leaves free), and extraction runs both, each
 * taking the next batch when it is free. Not for models with external data or over
 * LARGE_MODEL_BYTES (the helper would hold a second copy of their weights). Both engines' times go
 * into the sub-graph's Pace, the yardstick of the helper's time limits. A helper that ended while
 * idle is started again, and the sub-graph reopened in it, by the next request; a change of model
 * ends it (engine-helper/lifecycle.ts).
 */
import type { Pooling } from '../core/pooling';
import { BlockSession } from '../engine/block-session';
import { BlockSessionPool, LARGE_MODEL_BYTES, type SubgraphEntry } from '../pipeline/block-sessions';
import { featureColumn } from '../pipeline/cache-key';
import type { BatchRunner } from '../pipeline/extract';
import { helper as startedHelper, stopHelper } from './engine-helper/lifecycle';
import type { EngineHelper } from './engine-helper/remote-runtime';
import { Pace } from './engine-helper/time-limits';
import type { Backend } from './jobs';
import type { LoadedModel } from './model-state';

export { MAX_SESSIONS, MIN_IMAGES } from '../pipeline/block-sessions';

interface Cache {
  backend: Backend;
  unet: LoadedModel['unet'];
  pool: BlockSessionPool;
}

/** What the worker adds to a pool entry: its pace, and its session in the engine helper. */
interface Lanes {
  pace: Pace;
  /** Whether the sub-graph may run in the helper (WASM, small enough, no external data). */
  helped: boolean;
  helper: Promise<{ engine: EngineHelper; session: BlockSession } | null>;
}

const caches = new WeakMap<LoadedModel, Cache>();
const lanesOf = new WeakMap<SubgraphEntry, Lanes>();

function lanes(entry: SubgraphEntry): Lanes {
  let found = lanesOf.get(entry);
  if (!found) {
    found = { pace: new Pace(), helped: false, helper: Promise.resolve(null) };
    lanesOf.set(entry, found);
  }
  return found;
}

function cacheFor(model: LoadedModel): Cache {
  let cache = caches.get(model);
  if (cache && (cache.backend !== model.info.backend || cache.unet !== model.unet)) {
    void cache.pool.release();
    cache = undefined;
  }
  if (!cache) {
    const backend = model.info.backend;
    const helped =
      backend === 'wasm' && !model.externalData.length && model.bytes.byteLength <= LARGE_MODEL_BYTES;
    const pool = new BlockSessionPool(
      {
        unet: model.unet,
        sessionBytes: model.sessionBytes,
        externalData: model.externalData,
        modelBytes: model.bytes.byteLength,
        gpuOutputs: backend === 'webgpu',
      },
      {
        opened: (entry) => {
          // Opened alongside the worker's own (the helper's start and session creation run on its cores).
          if (!helped) return;
          const entryLanes = lanes(entry);
          entryLanes.helped = true;
          entryLanes.helper = openInHelper(model, entry);
        },
        created: (entry, ms) => lanes(entry).pace.created(ms),
        releasing: async (entry) => {
          try {
            await (await lanesOf.get(entry)?.helper)?.session.release();
          } catch (error) {
            console.warn('releasing an extraction session failed', error);
          }
        },
      },
    );
    cache = { backend, unet: model.unet, pool };
    caches.set(model, cache);
  }
  return cache;
}

/**
 * Batch runners for `blocks` pooled as `poolings` on `model`'s current backend (features named
 * featureColumn(pooling, block)) — the worker's own session first, then the engine helper's when
 * there is one — or null when the U-Net's own session should do it (too few images to pay for a
 * new session, or the sub-graph could not be built).
 */
export async function blockRunners(
  model: LoadedModel,
  blocks: readonly string[],
  poolings: Pooling | readonly Pooling[],
  images: number,
  useHelper = true,
): Promise<BatchRunner[] | null> {
  const list: readonly Pooling[] = Array.isArray(poolings) ? poolings : [poolings as Pooling];
  const found = await cacheFor(model).pool.entry(blocks, list, images);
  if (!found) return null;
  const { entry, session: main } = found;
  const entryLanes = lanes(entry);
  let helper: BlockSession | null = null;
  if (useHelper && entryLanes.helped) {
    let opened = await entryLanes.helper;
    // The helper ended while idle: start another and open the sub-graph there again.
    if (opened?.engine.stopped) {
      entryLanes.helper = openInHelper(model, entry);
      opened = await entryLanes.helper;
    }
    // One that died or hung keeps its sessions in this cache, but they would only fail.
    helper = opened && !opened.engine.closed ? opened.session : null;
  }
  const { pace } = entryLanes;
  const timed =
    (session: BlockSession): BatchRunner =>
    async (xt, count, t, labels) => {
      const started = Date.now();
      const pooled = await session.run(xt, count, t, labels);
      pace.ran(Date.now() - started, count);
      return pooled;
    };
  if (!helper) return [timed(main)];
  // The helper is listed twice, so that two of its batches are always in flight: the worker's own
  // WASM run blocks this thread for a whole batch, and the helper's queue must not run dry
  // meanwhile (with one in flight it sat idle until then: 1.3× instead of 1.8×). Its runs time
  // themselves (remote-runtime.ts).
  const remote: BatchRunner = (xt, count, t, labels) => helper.run(xt, count, t, labels);
  return [timed(main), remote, remote];
}

/** The entry's sub-graph in the engine helper (started if need be), or null without one. */
async function openInHelper(
  model: LoadedModel,
  entry: SubgraphEntry,
): Promise<{ engine: EngineHelper; session: BlockSession } | null> {
  const { pace } = lanes(entry);
  const engine = await startedHelper(model.info.threads, pace);
  if (!engine) return null;
  try {
    const plan = await entry.plan;
    const columns = entry.poolings.flatMap((p) => entry.blocks.map((b) => featureColumn(p, b)));
    const session = await BlockSession.open(
      model.unet,
      plan,
      columns,
      entry.poolings[0],
      {},
      engine.runtime(pace),
    );
    return { engine, session };
  } catch (error) {
    // The plan's own failure is reported by the worker's session.
    if (await entry.main)
      console.warn('the engine helper could not open the sub-graph; extracting on one engine', error);
    return null;
  }
}

/**
 * Releases `model`'s extraction sessions (it was replaced by another model) and ends the engine
 * helper: its WASM heap stays at the peak of the largest model it ran for as long as it lives.
 */
export async function releaseBlockSessions(model: LoadedModel): Promise<void> {
  stopHelper('the model changed');
  const cache = caches.get(model);
  if (!cache) return;
  caches.delete(model);
  await cache.pool.release();
}

/** How many extraction sessions `model` holds (for tests and the console). */
export function blockSessionCount(model: LoadedModel): number {
  return caches.get(model)?.pool.size ?? 0;
}
