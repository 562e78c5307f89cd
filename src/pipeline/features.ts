/**
 * @file Pooled features of a list of images through a runtime (worker, CLI, fake): every block at
 * one t as separate matrices (what a sweep probes one by one), or every block at every t of a spec
 * concatenated per row (what a probe, Try it and an embedding use). Every job carries the spec's
 * model id, so a runtime whose model changed refuses it instead of mixing two models' numbers.
 */
import { DiffProbeError } from '../core/errors';
import type { Pooling } from '../core/pooling';
import type { FeatureChunk } from '../worker/jobs';
import type { PipelineRuntime } from './runtime';

/** What features are extracted: the part of a FeatureSpec that decides the numbers, less the data. */
export interface ExtractionSpec {
  model: string;
  blocks: string[];
  timesteps: number[];
  seed: number;
  pooling: Pooling;
}

/** Most images per U-Net run asked for (the worker takes fewer when their maps would not fit). */
export const EXTRACT_BATCH = 32;

/** Per-block [count, dim] matrices, rows in request order. */
export interface BlockFeatures {
  features: Record<string, Float32Array>;
  dims: Record<string, number>;
}

/**
 * Every block of `spec` at one t for `count` images. `input()` gives their model input x_0
 * ([count, C, H, W]); it is handed to the runtime (transferred), so it must be a fresh array.
 * `onRows` reports how many images have arrived.
 */
export async function extractAt(
  rt: PipelineRuntime,
  spec: ExtractionSpec,
  t: number,
  count: number,
  input: () => Float32Array,
  label: string,
  onRows?: (filled: number) => void,
  classLabels?: Int32Array,
): Promise<BlockFeatures> {
  const features: Record<string, Float32Array> = {};
  const dims: Record<string, number> = {};
  const filled = new Uint8Array(count);
  let filledCount = 0;
  const add = (chunk: FeatureChunk) => {
    for (const [block, data] of Object.entries(chunk.features)) {
      const dim = chunk.dims[block];
      dims[block] = dim;
      features[block] ??= new Float32Array(count * dim);
      for (const [i, row] of chunk.rows.entries())
        features[block].set(data.subarray(i * dim, (i + 1) * dim), row * dim);
    }
    for (const row of chunk.rows) {
      if (!filled[row]) filledCount++;
      filled[row] = 1;
    }
    onRows?.(filledCount);
  };
  const data = input();
  await rt.run(
    'extractFeatures',
    {
      images: { data, count },
      t,
      seed: spec.seed,
      blocks: spec.blocks,
      pooling: spec.pooling,
      batchSize: EXTRACT_BATCH,
      model: spec.model,
      // Each image's class, for a class input fed each image's own label (a copy: labels stay ours).
      ...(classLabels && { labels: classLabels.slice() }),
    },
    { label, transfer: [data.buffer], onPartial: add },
  );
  const missing = spec.blocks.filter((b) => !features[b]);
  if (filledCount < count || (count > 0 && missing.length))
    throw new DiffProbeError(
      'internal',
      `extraction at t = ${t} returned ${filledCount} of ${count} images${missing.length ? ` and no ${missing.join(', ')}` : ''}`,
    );
  for (const b of spec.blocks) {
    features[b] ??= new Float32Array(0);
    dims[b] ??= 0;
  }
  return { features, dims };
}

/** Row-wise concatenation of [rows, dim] matrices. */
export function concatColumns(
  parts: readonly { data: Float32Array; dim: number }[],
  rows: number,
): Float32Array {
  const d = parts.reduce((s, p) => s + p.dim, 0);
  const X = new Float32Array(rows * d);
  for (let i = 0; i < rows; i++) {
    let o = i * d;
    for (const p of parts) {
      X.set(p.data.subarray(i * p.dim, (i + 1) * p.dim), o);
      o += p.dim;
    }
  }
  return X;
}

/**
 * Features of `count` images for every block at every t of `spec`, concatenated per row as
 * [t0: block0 | block1 …, t1: …]. `input()` is called once per t (see extractAt); `classLabels` are
 * the images' classes (for a class input fed each image's own label).
 */
export async function extractConcatenated(
  rt: PipelineRuntime,
  spec: ExtractionSpec,
  count: number,
  input: () => Float32Array,
  label: string,
  classLabels?: Int32Array,
): Promise<{ X: Float32Array; d: number }> {
  const parts: { data: Float32Array; dim: number }[] = [];
  for (const t of spec.timesteps) {
    const { features, dims } = await extractAt(
      rt,
      spec,
      t,
      count,
      input,
      `${label}: features at t = ${t}`,
      undefined,
      classLabels,
    );
    for (const b of spec.blocks) parts.push({ data: features[b], dim: dims[b] });
  }
  return { X: concatColumns(parts, count), d: parts.reduce((s, p) => s + p.dim, 0) };
}
