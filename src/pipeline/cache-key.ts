/**
 * @file The parts of a feature cache key that the worker's IndexedDB cache
 * (worker/cache/feature-cache.ts) and the CLI's cache directory (cli/feature-cache.ts) compute the
 * same way: the pooling's key and the content hash of each image's x_0. With the model's sha256,
 * the manifest's numbers key (core/manifest/numbers-key.ts), PIPELINE_VERSION (version.ts), t and
 * seed they name one image's pooled features.
 */
import { DiffProbeError } from '../core/errors';
import type { Pooling } from '../core/pooling';
import { poolingName } from '../core/pooling-kinds';
import { sha256Hex } from '../core/sha256';

/**
 * Cache key part for a pooling: its registered name ('avg', 'max', 'avg2', 'avg4', 'grid8'…,
 * core/pooling-kinds.ts); null for the raw map (too large to cache).
 */
export function poolingKey(p: Pooling): string | null {
  if (p.kind === 'raw') return null;
  const name = poolingName(p);
  if (!name) throw new DiffProbeError('internal', `no registered pooling is ${JSON.stringify(p)}`);
  return name;
}

/**
 * The cache key's backend part: 'wasm' (and the CLI's CPU), or 'webgpu:<adapter>'. A GPU kernel
 * may compute other numbers than the CPU's (a faulty one, wholly other numbers), so features
 * computed on one are not served to another.
 */
export function backendKey(backend: 'wasm' | 'webgpu', adapter?: string | null): string {
  return backend === 'webgpu' ? `webgpu:${adapter ?? 'unknown adapter'}` : 'wasm';
}

/**
 * 64-bit content hashes (hex) of `count` images of `pixels` floats. SHA-256, truncated: a 32-bit
 * hash would collide with a few percent probability across 20k images.
 */
export async function imageHashes(data: Float32Array, count: number, pixels: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++)
    out.push(
      await sha256Hex(new Uint8Array(data.buffer, data.byteOffset + i * pixels * 4, pixels * 4).slice(), 8),
    );
  return out;
}

/** The cache key of one backend of onnxruntime-node: 'node-cpu', 'node-cuda' (the CLI's --device). */
export function nodeBackendKey(device: string): string {
  return `node-${device}`;
}

/**
 * What names one image's pooled features, in the worker's IndexedDB cache and in the CLI's cache
 * directory alike: the same key from the same function, so a hit means the same thing in both.
 */
export interface FeatureKey {
  /** The model's bytes (ModelInfo.hash, the CLI's ModelFile.hash: SHA-256, with external data). */
  model: string;
  /** The manifest's numbers key (core/manifest/numbers-key.ts): schedule, block outputs, inputs… */
  numbers: string;
  /** PIPELINE_VERSION (version.ts): noise, preprocessing and pooling code. */
  pipeline: number;
  /** What computed the features: {@link backendKey} or {@link nodeBackendKey}. */
  backend: string;
  t: number;
  seed: number;
  /** {@link poolingKey}. */
  pooling: string;
  /** {@link imageKey}. */
  image: string;
}

/**
 * The image part of a key: x_0's content hash, and for a model fed each image's own label, that
 * label too (the features depend on it).
 */
export function imageKey(hash: string, label?: number): string {
  return label === undefined ? hash : `${hash}-y${label}`;
}

/** What a cached record answers for `blocks`: their vectors when it holds every one, else null (a miss). */
export function cacheHit(
  record: Readonly<Record<string, Float32Array>> | null | undefined,
  blocks: readonly string[],
): Record<string, Float32Array> | null {
  if (!record || !blocks.every((b) => b in record)) return null;
  return Object.fromEntries(blocks.map((b) => [b, record[b]]));
}

/**
 * The name of one (pooling, block) column of an extraction's batches: several poolings of a block
 * come out of one pass (the CLI's `features` grid).
 */
export function featureColumn(pooling: Pooling, block: string): string {
  return `${poolingKey(pooling) ?? pooling.kind}\u0000${block}`;
}
