/**
 * @file A growing set of extracted features: rows arrive in any order (cache hits first, then
 * batches), and a cancelled run keeps every row that arrived. Pure data, no React.
 */
import { APP_VERSION } from '../pipeline/feature-spec';
import type { Provenance } from '../pipeline/provenance';
import type { FeatureChunk } from '../worker/jobs';

export interface FeatureSet {
  /** What was asked for. */
  spec: { imageIds: string[]; t: number; seed: number; pooling: string; blocks: string[] };
  labels: Int32Array;
  /** Block → [count, dim] row-major (rows not yet filled are 0). */
  features: Record<string, Float32Array>;
  dims: Record<string, number>;
  filled: Uint8Array;
  filledCount: number;
  /** What computed the rows (pipeline/cache-key.ts backendKey), in the order first seen. */
  backends: string[];
  status: 'running' | 'done' | 'stopped' | 'failed';
  /** Where and from what exactly, for every requested image (null until made, or without a model). */
  provenance?: Provenance | null;
}

export function createFeatureSet(spec: FeatureSet['spec'], labels: Int32Array): FeatureSet {
  const count = spec.imageIds.length;
  return {
    spec,
    labels,
    features: {},
    dims: {},
    filled: new Uint8Array(count),
    filledCount: 0,
    backends: [],
    status: 'running',
  };
}

/** Copies a chunk in; returns the same object mutated (the store replaces its reference). */
export function addChunk(set: FeatureSet, chunk: FeatureChunk): FeatureSet {
  const count = set.spec.imageIds.length;
  for (const [block, data] of Object.entries(chunk.features)) {
    const dim = chunk.dims[block];
    set.dims[block] = dim;
    set.features[block] ??= new Float32Array(count * dim);
    const target = set.features[block];
    for (const [i, row] of chunk.rows.entries()) target.set(data.subarray(i * dim, (i + 1) * dim), row * dim);
  }
  for (const row of chunk.rows) {
    if (!set.filled[row]) set.filledCount++;
    set.filled[row] = 1;
  }
  if (chunk.backend && !set.backends.includes(chunk.backend)) set.backends.push(chunk.backend);
  return set;
}

/** Only the complete rows, in request order: what a probe or an export may use. */
export function completeRows(set: FeatureSet): {
  rows: number[];
  features: Record<string, Float32Array>;
  labels: Int32Array;
} {
  const rows: number[] = [];
  for (let r = 0; r < set.filled.length; r++) if (set.filled[r]) rows.push(r);
  const features: Record<string, Float32Array> = {};
  for (const [block, data] of Object.entries(set.features)) {
    const dim = set.dims[block];
    const out = new Float32Array(rows.length * dim);
    for (const [i, r] of rows.entries()) out.set(data.subarray(r * dim, (r + 1) * dim), i * dim);
    features[block] = out;
  }
  return { rows, features, labels: Int32Array.from(rows, (r) => set.labels[r]) };
}

/**
 * The complete rows as JSON, each with its image id, in request order (the images' order, however
 * the rows arrived), with the provenance of exactly those rows: what `diffprobe reproduce` reads.
 * A stopped extraction says so (`complete: false`, `rows: { computed, total }`).
 */
export function featureSetToJson(set: FeatureSet): string {
  const { rows, features, labels } = completeRows(set);
  const ids = rows.map((r) => set.spec.imageIds[r]);
  const p = set.provenance;
  const provenance = p
    ? {
        ...p,
        images: {
          ...p.images,
          ids,
          x0: rows.map((r) => p.images.x0[r]),
          ...(p.images.labels ? { labels: rows.map((r) => p.images.labels![r]) } : {}),
        },
      }
    : null;
  const perRow = (data: Float32Array, dim: number) =>
    rows.map((_, i) => Array.from(data.subarray(i * dim, (i + 1) * dim)));
  return `${JSON.stringify({
    format: 'diffprobe-features',
    version: 1,
    appVersion: APP_VERSION,
    complete: rows.length === set.spec.imageIds.length,
    rows: { computed: rows.length, total: set.spec.imageIds.length },
    blocks: set.spec.blocks,
    t: set.spec.t,
    seed: set.spec.seed,
    pooling: set.spec.pooling,
    dims: Object.fromEntries(set.spec.blocks.map((b) => [b, set.dims[b] ?? 0])),
    ids,
    labels: Array.from(labels),
    note: 'features[block][i] is the pooled feature vector of ids[i]; rows in the order the images were asked for',
    features: Object.fromEntries(
      set.spec.blocks.map((b) => [b, features[b] ? perRow(features[b], set.dims[b]) : []]),
    ),
    provenance,
  })}\n`;
}
