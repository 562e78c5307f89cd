/**
 * @file A PipelineRuntime for the pipeline's tests, in Node: extraction is a made-up function of
 * x_0, the block, t, the noise seed and the pooling (so a test sees which ones were asked for),
 * streamed in two out-of-order chunks; trainProbe, applyProbe, trainHead and applyHead are the
 * worker's own handlers (the heads on tfjs's WASM backend in Node).
 * Every call is recorded. Test-only (imported by *.test.ts).
 */
import { DiffProbeError } from '../core/errors';
import { createRng } from '../core/rng';
import { nodeTf } from '../engine/tf-node';
import { createJobContext } from '../worker/context';
import { applyHead, trainHead } from '../worker/handlers/head';
import { applyProbe, trainProbe } from '../worker/handlers/probe';
import type { ExtractParams } from '../worker/jobs';
import type { JobParams } from '../worker/protocol';
import type { PipelineJob, PipelineRuntime } from './runtime';
import type { LabelledSplit } from './split';

/** Pixels per made-up image: one per class plus one of noise. */
export const PIXELS = 4;

/** Features per block: the image's pixels, marked by block, t, seed and pooling. */
export function fakeFeatures(
  x0: Float32Array,
  blockIndex: number,
  p: Pick<ExtractParams, 't' | 'seed' | 'pooling'>,
) {
  const mark = p.t / 1000 + p.seed / 100 + (p.pooling.kind === 'max' ? 10 : 0);
  return Float32Array.from(x0, (v) => v * (blockIndex + 1) + mark);
}

export interface Call {
  job: PipelineJob;
  params: JobParams<PipelineJob>;
  label: string;
}

export interface FakeRuntime extends PipelineRuntime {
  calls: Call[];
}

/**
 * `stopAt(call, n)`: reject the n-th call (0-based) with 'cancelled', as the app's runtime does
 * after Stop; `trainOverride` replaces the worker's trainProbe result (e.g. scripted accuracies).
 */
export function fakeRuntime(
  options: {
    stopAt?: (call: Call, n: number) => boolean;
    trainOverride?: (
      params: JobParams<'trainProbe'>,
      n: number,
    ) => Partial<Awaited<ReturnType<typeof trainProbe>>>;
  } = {},
): FakeRuntime {
  const calls: Call[] = [];
  let trains = 0;
  return {
    calls,
    async run(job, params, call) {
      const record = { job, params, label: call.label };
      calls.push(record);
      if (options.stopAt?.(record, calls.length - 1)) throw new DiffProbeError('cancelled', `${job} stopped`);
      if (job === 'extractFeatures') {
        const p = params as ExtractParams;
        const { count, data } = p.images;
        const per = data.length / count;
        const chunk = (rows: number[]) => {
          const features: Record<string, Float32Array> = {};
          const dims: Record<string, number> = {};
          for (const [b, block] of p.blocks.entries()) {
            features[block] = new Float32Array(rows.length * per);
            dims[block] = per;
            for (const [i, r] of rows.entries())
              features[block].set(fakeFeatures(data.subarray(r * per, (r + 1) * per), b, p), i * per);
          }
          return { rows, features, dims };
        };
        const half = Math.floor(count / 2);
        const onPartial = call.onPartial as ((c: ReturnType<typeof chunk>) => void) | undefined;
        // The second half first, as cache hits may arrive before computed batches.
        onPartial?.(chunk(Array.from({ length: count - half }, (_, i) => half + i)));
        onPartial?.(chunk(Array.from({ length: half }, (_, i) => i)));
        return {
          count,
          dims: Object.fromEntries(p.blocks.map((b) => [b, per])),
          cached: 0,
          backends: ['wasm'],
        } as never;
      }
      if (job === 'trainProbe') {
        const onPartial = call.onPartial as ((step: unknown) => void) | undefined;
        const ctx = createJobContext(
          1,
          (m) => m.kind === 'partial' && onPartial?.(m.partial),
          new AbortController(),
        );
        const result = await trainProbe(params as JobParams<'trainProbe'>, ctx);
        return {
          ...result,
          ...options.trainOverride?.(params as JobParams<'trainProbe'>, trains++),
        } as never;
      }
      if (job === 'trainHead') {
        const onPartial = call.onPartial as ((step: unknown) => void) | undefined;
        const ctx = createJobContext(
          1,
          (m) => m.kind === 'partial' && onPartial?.(m.partial),
          new AbortController(),
        );
        return (await trainHead(params as JobParams<'trainHead'>, ctx, nodeTf)) as never;
      }
      if (job === 'applyHead') return (await applyHead(params as JobParams<'applyHead'>, nodeTf)) as never;
      return (await applyProbe(params as JobParams<'applyProbe'>)) as never;
    },
  };
}

/**
 * `perClass` made-up images of each of `k` classes: pixel c is bright for class c, the last pixel
 * is noise. Ids "img:<class>:<i>"; `input` returns their x_0 in the order asked.
 */
export function fakeImages(k: number, perClass: number, seed = 3) {
  const rng = createRng(seed);
  const pixels = new Map<string, Float32Array>();
  const items: { id: string; label: string }[] = [];
  for (let c = 0; c < k; c++)
    for (let i = 0; i < perClass; i++) {
      const id = `img:${c}:${i}`;
      const x = Float32Array.from({ length: PIXELS }, (_, p) => rng.nextFloat() + (p === c ? 1.5 : 0));
      pixels.set(id, x);
      items.push({ id, label: `class${c}` });
    }
  const input = (ids: readonly string[]) => {
    const out = new Float32Array(ids.length * PIXELS);
    for (const [i, id] of ids.entries()) out.set(pixels.get(id)!, i * PIXELS);
    return out;
  };
  return { items, pixels, input };
}

/** A split whose test part holds copies (same pixels, other ids) of `n` training images. */
export function withCopiesInTest(
  split: LabelledSplit,
  pixels: Map<string, Float32Array>,
  n: number,
): LabelledSplit {
  const copies = split.train.ids.slice(0, n).map((id) => {
    pixels.set(`copy-of-${id}`, pixels.get(id)!);
    return `copy-of-${id}`;
  });
  return {
    ...split,
    test: {
      ids: [...split.test.ids, ...copies],
      labels: Int32Array.from([...split.test.labels, ...split.train.labels.slice(0, n)]),
    },
  };
}
