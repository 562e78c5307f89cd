/**
 * @file A model's extraction sessions, for the worker and the CLI alike: one BlockSession (the
 * sub-graph that a set of blocks needs, pooled in ONNX: engine/block-session.ts) per (blocks,
 * poolings), kept so that a sweep's, a probe's or a chunked CLI run's repeated requests build it
 * once. The rule for when the sub-graph pays is here, once:
 *
 * A session takes about as long to create as the U-Net's own (≈ 0.3–1 s for the default model),
 * so small requests (under {@link MIN_IMAGES} images) run on the U-Net's session unless a
 * BlockSession for them exists already. At most {@link MAX_SESSIONS} are kept (each holds its
 * share of the weights), one for models over {@link LARGE_MODEL_BYTES}; the least recently used
 * goes first. A sub-graph that fails to build leaves extraction on the U-Net's own session (the
 * path it always had), with a warning in the console.
 *
 * The pool opens one session per entry (on the U-Net's runtime, or `source.runtime`); more lanes
 * come through `hooks`: the worker's engine helper (worker/block-sessions.ts), the CLI's further
 * one-thread native sessions (cli/extract-run.ts).
 */
import { type BlockExtractionPlan, pooledExtractionModel } from '../core/onnx/pooling-head';
import { type OnnxModelInfo, readModel } from '../core/onnx/reader';
import type { Pooling } from '../core/pooling';
import { BlockSession } from '../engine/block-session';
import type { OrtRuntime, SessionOptions } from '../engine/ort-types';
import type { UNetSession } from '../engine/unet-session';
import { featureColumn } from './cache-key';

/** Fewer images than this run on the U-Net's session (unless a BlockSession exists already). */
export const MIN_IMAGES = 64;
export const MAX_SESSIONS = 3;
/** Models above this many bytes keep one BlockSession at a time (each holds its weights). */
export const LARGE_MODEL_BYTES = 256 * 2 ** 20;

/** What the sub-graphs are cut from. */
export interface SubgraphSource {
  unet: UNetSession;
  /** What the U-Net's session was created from (block tensors may be graph outputs). */
  sessionBytes: Uint8Array;
  /** ONNX external data files the graph refers to (the browser's; Node reads them beside the file). */
  externalData?: readonly { path: string; data: Uint8Array }[];
  /** Size of the ONNX file: big models keep one sub-graph. */
  modelBytes: number;
  /** WebGPU: only the pooled features leave the GPU (ORT downloads them when read). */
  gpuOutputs?: boolean;
  /** The runtime of the main sessions, when not the U-Net's (the CLI's one-thread lanes). */
  runtime?: OrtRuntime;
}

/** One sub-graph: its plan, and its session on the U-Net's runtime (null when it failed to build). */
export interface SubgraphEntry {
  readonly blocks: readonly string[];
  readonly poolings: readonly Pooling[];
  readonly plan: Promise<BlockExtractionPlan>;
  readonly main: Promise<BlockSession | null>;
}

export interface PoolHooks {
  /** A new entry: its plan is being built and its main session opened (another engine may open it alongside). */
  opened?(entry: SubgraphEntry): void;
  /** The entry's main session was created in `ms`. */
  created?(entry: SubgraphEntry, ms: number): void;
  /** The entry is being dropped (its main session is released after this). */
  releasing?(entry: SubgraphEntry): Promise<void>;
}

function keyOf(blocks: readonly string[], poolings: readonly Pooling[]): string {
  return [poolings.map((p) => featureColumn(p, '')).join(','), ...blocks].join('\u0000');
}

export class BlockSessionPool {
  private info: OnnxModelInfo | null = null;
  /** In least-recently-used order (Map keeps insertion order; a hit moves the entry to the end). */
  private readonly entries = new Map<string, SubgraphEntry>();

  constructor(
    readonly source: SubgraphSource,
    private readonly hooks: PoolHooks = {},
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * The sub-graph entry for `blocks` pooled each of `poolings` ways (outputs named
   * featureColumn(pooling, block)), or null when the U-Net's own session should do it: too few
   * `images` to pay for a new session, or the sub-graph could not be built.
   */
  async entry(
    blocks: readonly string[],
    poolings: readonly Pooling[],
    images: number,
  ): Promise<{ entry: SubgraphEntry; session: BlockSession } | null> {
    const key = keyOf(blocks, poolings);
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    } else {
      if (images < MIN_IMAGES) return null;
      const limit = this.source.modelBytes > LARGE_MODEL_BYTES ? 1 : MAX_SESSIONS;
      while (this.entries.size >= limit) {
        const [oldest, dropped] = this.entries.entries().next().value!;
        this.entries.delete(oldest);
        await this.releaseEntries([dropped]);
      }
      entry = this.open(blocks, poolings);
      this.entries.set(key, entry);
      this.hooks.opened?.(entry);
    }
    const session = await entry.main;
    return session ? { entry, session } : null;
  }

  private open(blocks: readonly string[], poolings: readonly Pooling[]): SubgraphEntry {
    const { unet, sessionBytes, externalData, gpuOutputs, runtime } = this.source;
    const options: SessionOptions = {};
    if (externalData?.length) options.externalData = [...externalData];
    if (gpuOutputs) options.preferredOutputLocation = 'gpu-buffer';
    const started = Date.now();
    const plan = (async () => {
      this.info ??= readModel(sessionBytes);
      return pooledExtractionModel(sessionBytes, this.info, unet.manifest, blocks, poolings, featureColumn);
    })();
    const columns = poolings.flatMap((p) => blocks.map((b) => featureColumn(p, b)));
    const entry: SubgraphEntry = {
      blocks: [...blocks],
      poolings: [...poolings],
      plan,
      main: plan
        .then((p) => BlockSession.open(unet, p, columns, poolings[0], options, runtime ?? unet.runtime))
        .then((session) => {
          this.hooks.created?.(entry, Date.now() - started);
          return session;
        })
        .catch((error) => {
          console.warn(
            `the sub-graph for ${blocks.join(', ')} could not be built; extracting with the whole U-Net`,
            error,
          );
          return null;
        }),
    };
    return entry;
  }

  private async releaseEntries(entries: Iterable<SubgraphEntry>): Promise<void> {
    for (const entry of entries) {
      try {
        await this.hooks.releasing?.(entry);
        await (await entry.main)?.release();
      } catch (error) {
        // A lost WebGPU device may refuse; the session is gone either way.
        console.warn('releasing an extraction session failed', error);
      }
    }
  }

  /** Releases every session (the model or its backend changed). */
  async release(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await this.releaseEntries(all);
  }
}
