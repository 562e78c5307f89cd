/**
 * @file The loaded model's extraction sessions: one BlockSession (the sub-graph that a set of
 * blocks needs, pooled in ONNX: engine/block-session.ts) per (backend, blocks, pooling), kept
 * while the model is loaded, so that a sweep's or a probe's repeated requests build it once.
 *
 * A session takes about as long to create as the U-Net's own (≈ 0.3–1 s for the default model),
 * so small requests (under {@link MIN_IMAGES} images) run on the U-Net's session unless a
 * BlockSession for them exists already. At most {@link MAX_SESSIONS} are kept (each holds its
 * share of the weights); the least recently used goes first. A sub-graph that fails to build
 * leaves extraction on the U-Net's own session (the path it always had), with a warning in the
 * console. A change of backend (a lost WebGPU device) or of model releases them all.
 *
 * On WASM the same sub-graph is also opened in the engine helper (engine-helper/: a second ONNX
 * Runtime instance on the cores the worker's own leaves free), and extraction runs both, each
 * taking the next batch when it is free. Not for models with external data or over
 * {@link LARGE_MODEL_BYTES} (the helper would hold a second copy of their weights). Both engines'
 * times go into the sub-graph's Pace, the yardstick of the helper's time limits. A helper that
 * ended while idle is started again, and the sub-graph reopened in it, by the next request; a
 * change of model ends it (engine-helper/lifecycle.ts).
 */
import { type BlockExtractionPlan, blockExtractionModel } from '../core/onnx/pooling-head';
import { type OnnxModelInfo, readModel } from '../core/onnx/reader';
import type { Pooling } from '../core/pooling';
import { BlockSession } from '../engine/block-session';
import type { SessionOptions } from '../engine/ort-types';
import { poolingKey } from '../pipeline/cache-key';
import type { BatchRunner } from '../pipeline/extract';
import { helper as startedHelper, stopHelper } from './engine-helper/lifecycle';
import type { EngineHelper } from './engine-helper/remote-runtime';
import { Pace } from './engine-helper/time-limits';
import type { Backend } from './jobs';
import type { LoadedModel } from './model-state';

/** Fewer images than this run on the U-Net's session (unless a BlockSession exists already). */
export const MIN_IMAGES = 64;
export const MAX_SESSIONS = 3;
/** Models above this many bytes keep one BlockSession at a time (each holds its weights). */
const LARGE_MODEL_BYTES = 256 * 2 ** 20;

interface Cache {
  backend: Backend;
  unet: LoadedModel['unet'];
  info: OnnxModelInfo | null;
  /** In least-recently-used order (Map keeps insertion order; a hit moves the entry to the end). */
  sessions: Map<string, Entry>;
}

/** One sub-graph's sessions: the worker's own, and the engine helper's when there is one. */
interface Entry {
  plan: Promise<BlockExtractionPlan>;
  pace: Pace;
  main: Promise<BlockSession | null>;
  /** Whether the sub-graph may run in the helper (WASM, small enough, no external data). */
  helped: boolean;
  helper: Promise<{ engine: EngineHelper; session: BlockSession } | null>;
}

const caches = new WeakMap<LoadedModel, Cache>();

function keyOf(blocks: readonly string[], pooling: Pooling): string {
  const p = poolingKey(pooling) ?? pooling.kind;
  return `${p}\u0000${blocks.join('\u0000')}`;
}

async function releaseAll(entries: Iterable<Entry>): Promise<void> {
  const sessions = [...entries].flatMap((e) => [e.main, e.helper.then((h) => h?.session ?? null)]);
  for (const pending of sessions) {
    try {
      await (await pending)?.release();
    } catch (error) {
      // A lost WebGPU device may refuse; the session is gone either way.
      console.warn('releasing an extraction session failed', error);
    }
  }
}

function cacheFor(model: LoadedModel): Cache {
  let cache = caches.get(model);
  if (cache && (cache.backend !== model.info.backend || cache.unet !== model.unet)) {
    void releaseAll(cache.sessions.values());
    cache = undefined;
  }
  if (!cache) {
    cache = { backend: model.info.backend, unet: model.unet, info: null, sessions: new Map() };
    caches.set(model, cache);
  }
  return cache;
}

/**
 * Batch runners for `blocks` pooled as `pooling` on `model`'s current backend — the worker's own
 * session first, then the engine helper's when there is one — or null when the U-Net's own session
 * should do it (too few images to pay for a new session, or the sub-graph could not be built).
 */
export async function blockRunners(
  model: LoadedModel,
  blocks: readonly string[],
  pooling: Pooling,
  images: number,
  useHelper = true,
): Promise<BatchRunner[] | null> {
  const cache = cacheFor(model);
  const key = keyOf(blocks, pooling);
  let pending = cache.sessions.get(key);
  if (pending) {
    cache.sessions.delete(key);
    cache.sessions.set(key, pending);
  } else {
    if (images < MIN_IMAGES) return null;
    const limit = model.bytes.byteLength > LARGE_MODEL_BYTES ? 1 : MAX_SESSIONS;
    while (cache.sessions.size >= limit) {
      const [oldest, session] = cache.sessions.entries().next().value!;
      cache.sessions.delete(oldest);
      await releaseAll([session]);
    }
    pending = open(model, cache, blocks, pooling);
    cache.sessions.set(key, pending);
  }
  const main = await pending.main;
  if (!main) return null;
  let helper: BlockSession | null = null;
  if (useHelper && pending.helped) {
    let opened = await pending.helper;
    // The helper ended while idle: start another and open the sub-graph there again.
    if (opened?.engine.stopped) {
      pending.helper = openInHelper(model, pending, blocks, pooling);
      opened = await pending.helper;
    }
    // One that died or hung keeps its sessions in this cache, but they would only fail.
    helper = opened && !opened.engine.closed ? opened.session : null;
  }
  const { pace } = pending;
  const timed =
    (session: BlockSession): BatchRunner =>
    async (xt, count, t) => {
      const started = Date.now();
      const pooled = await session.run(xt, count, t);
      pace.ran(Date.now() - started, count);
      return pooled;
    };
  if (!helper) return [timed(main)];
  // The helper is listed twice, so that two of its batches are always in flight: the worker's own
  // WASM run blocks this thread for a whole batch, and the helper's queue must not run dry
  // meanwhile (with one in flight it sat idle until then: 1.3× instead of 1.8×). Its runs time
  // themselves (remote-runtime.ts).
  const remote: BatchRunner = (xt, count, t) => helper.run(xt, count, t);
  return [timed(main), remote, remote];
}

function open(model: LoadedModel, cache: Cache, blocks: readonly string[], pooling: Pooling): Entry {
  const options: SessionOptions = {};
  if (model.externalData.length) options.externalData = model.externalData;
  // Only the pooled features leave the GPU; ORT downloads them when they are read.
  if (cache.backend === 'webgpu') options.preferredOutputLocation = 'gpu-buffer';
  const started = Date.now();
  const pace = new Pace();
  const plan = (async () => {
    cache.info ??= readModel(model.sessionBytes);
    return blockExtractionModel(model.sessionBytes, cache.info, model.unet.manifest, blocks, pooling);
  })();
  const main = plan
    .then((p) => BlockSession.open(model.unet, p, blocks, pooling, options))
    .then((session) => {
      pace.created(Date.now() - started);
      return session;
    })
    .catch((error) => {
      console.warn(
        `the sub-graph for ${blocks.join(', ')} could not be built; extracting with the whole U-Net`,
        error,
      );
      return null;
    });
  const helped =
    cache.backend === 'wasm' && !model.externalData.length && model.bytes.byteLength <= LARGE_MODEL_BYTES;
  const entry: Entry = { plan, pace, main, helped, helper: Promise.resolve(null) };
  // Opened alongside the worker's own (the helper's start and session creation run on its cores).
  if (helped) entry.helper = openInHelper(model, entry, blocks, pooling);
  return entry;
}

/** The entry's sub-graph in the engine helper (started if need be), or null without one. */
async function openInHelper(
  model: LoadedModel,
  entry: Entry,
  blocks: readonly string[],
  pooling: Pooling,
): Promise<{ engine: EngineHelper; session: BlockSession } | null> {
  const engine = await startedHelper(model.info.threads, entry.pace);
  if (!engine) return null;
  try {
    const plan = await entry.plan;
    const session = await BlockSession.open(
      model.unet,
      plan,
      blocks,
      pooling,
      {},
      engine.runtime(entry.pace),
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
  await releaseAll(cache.sessions.values());
}

/** How many extraction sessions `model` holds (for tests and the console). */
export function blockSessionCount(model: LoadedModel): number {
  return caches.get(model)?.sessions.size ?? 0;
}
