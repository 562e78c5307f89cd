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
 * {@link LARGE_MODEL_BYTES} (the helper would hold a second copy of their weights).
 */
import { blockExtractionModel } from '../core/onnx/pooling-head';
import { type OnnxModelInfo, readModel } from '../core/onnx/reader';
import type { Pooling } from '../core/pooling';
import { BlockSession } from '../engine/block-session';
import type { SessionOptions } from '../engine/ort-types';
import { poolingKey } from '../pipeline/cache-key';
import type { BatchRunner } from '../pipeline/extract';
import { helperAlive, helperRuntime } from './engine-helper/remote-runtime';
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
  main: Promise<BlockSession | null>;
  helper: Promise<BlockSession | null>;
}

const caches = new WeakMap<LoadedModel, Cache>();

function keyOf(blocks: readonly string[], pooling: Pooling): string {
  const p = poolingKey(pooling) ?? pooling.kind;
  return `${p}\u0000${blocks.join('\u0000')}`;
}

async function releaseAll(entries: Iterable<Entry>): Promise<void> {
  for (const pending of [...entries].flatMap((e) => [e.main, e.helper])) {
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
  // A helper that died keeps its sessions in this cache, but they would only fail.
  const helper = useHelper && helperAlive() ? await pending.helper : null;
  const run =
    (session: BlockSession): BatchRunner =>
    (xt, count, t, labels) =>
      session.run(xt, count, t, labels);
  if (!helper) return [run(main)];
  // The helper is listed twice, so that two of its batches are always in flight: the worker's own
  // WASM run blocks this thread for a whole batch, and the helper's queue must not run dry
  // meanwhile (with one in flight it sat idle until then: 1.3× instead of 1.8×).
  const remote = run(helper);
  return [run(main), remote, remote];
}

function open(model: LoadedModel, cache: Cache, blocks: readonly string[], pooling: Pooling): Entry {
  const options: SessionOptions = {};
  if (model.externalData.length) options.externalData = model.externalData;
  // Only the pooled features leave the GPU; ORT downloads them when they are read.
  if (cache.backend === 'webgpu') options.preferredOutputLocation = 'gpu-buffer';
  const plan = (async () => {
    cache.info ??= readModel(model.sessionBytes);
    return blockExtractionModel(model.sessionBytes, cache.info, model.unet.manifest, blocks, pooling);
  })();
  const main = plan
    .then((p) => BlockSession.open(model.unet, p, blocks, pooling, options))
    .catch((error) => {
      console.warn(
        `the sub-graph for ${blocks.join(', ')} could not be built; extracting with the whole U-Net`,
        error,
      );
      return null;
    });
  const helped =
    cache.backend === 'wasm' && !model.externalData.length && model.bytes.byteLength <= LARGE_MODEL_BYTES;
  // Opened alongside the worker's own (the helper's start and session creation run on its cores).
  const helper = !helped
    ? Promise.resolve(null)
    : (async () => {
        const runtime = await helperRuntime(model.info.threads);
        if (!runtime) return null;
        try {
          return await BlockSession.open(model.unet, await plan, blocks, pooling, {}, runtime);
        } catch (error) {
          // The plan's own failure is reported by the worker's session above.
          if (await main)
            console.warn('the engine helper could not open the sub-graph; extracting on one engine', error);
          return null;
        }
      })();
  return { main, helper };
}

/** Releases `model`'s extraction sessions (it was replaced by another model). */
export async function releaseBlockSessions(model: LoadedModel): Promise<void> {
  const cache = caches.get(model);
  if (!cache) return;
  caches.delete(model);
  await releaseAll(cache.sessions.values());
}

/** How many extraction sessions `model` holds (for tests and the console). */
export function blockSessionCount(model: LoadedModel): number {
  return caches.get(model)?.sessions.size ?? 0;
}
