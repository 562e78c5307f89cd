/**
 * @file The CLI's feature cache: a directory, content-addressed by the key the worker's IndexedDB
 * cache uses (pipeline/cache-key.ts FeatureKey, made by the one extraction engine:
 * pipeline/cached-extract.ts), so that a rerun, another shard split or another command over the
 * same images skips the U-Net:
 *
 *   <root>/v1/<model>-<numbers key>-p<PIPELINE_VERSION>-<backend>/t<t>-s<seed>-<pooling>/<ab>/<image>.dpf
 *
 * with the manifest's numbers key (core/manifest/numbers-key.ts), the backend (node-cpu, node-cuda:
 * the execution provider) and the image key of x_0. The provider is in the key because CPU and CUDA
 * kernels round differently (CUDA may also use TF32): features computed on one must not be served
 * to a run on the other, whose output would then depend on what the cache happened to hold, and
 * whose shards would no longer merge byte-identical to one run. One file per image holds the pooled vectors of the blocks computed for
 * it; later runs add blocks to it. Files are written under a temporary name and renamed, so
 * concurrent shards on a shared file system never see half a record (the last writer wins; both
 * hold the same numbers). A damaged or unreadable record is a miss, never an error.
 *
 * Record: "DPF1", uint32 LE header length, JSON header {blocks, dims}, padding to 4 bytes,
 * float32 LE vectors in header order.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { FeatureKey } from '../pipeline/cache-key';
import type { FeatureStore } from '../pipeline/cached-extract';

const MAGIC = [0x44, 0x50, 0x46, 0x31]; // DPF1

/** `$DIFFPROBE_CACHE_DIR`, else `$XDG_CACHE_HOME/diffprobe`, else `~/.cache/diffprobe`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  if (env.DIFFPROBE_CACHE_DIR) return env.DIFFPROBE_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'diffprobe');
}

export function encodeRecord(features: Record<string, Float32Array>): Uint8Array {
  const blocks = Object.keys(features);
  const header = new TextEncoder().encode(
    JSON.stringify({ blocks, dims: blocks.map((b) => features[b].length) }),
  );
  const dataStart = Math.ceil((8 + header.length) / 4) * 4;
  const total = blocks.reduce((s, b) => s + features[b].length, 0);
  const out = new Uint8Array(dataStart + total * 4);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(4, header.length, true);
  out.set(header, 8);
  out.fill(0x20, 8 + header.length, dataStart);
  const data = new Float32Array(out.buffer, dataStart, total);
  let o = 0;
  for (const b of blocks) {
    data.set(features[b], o);
    o += features[b].length;
  }
  return out;
}

/** The record's vectors, or null when the bytes are not a whole record. */
export function decodeRecord(bytes: Uint8Array): Record<string, Float32Array> | null {
  if (bytes.length < 8 || MAGIC.some((m, i) => bytes[i] !== m)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > bytes.length) return null;
  let header: { blocks: string[]; dims: number[] };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    return null;
  }
  const dataStart = Math.ceil((8 + headerLength) / 4) * 4;
  const total = header.dims.reduce((a, b) => a + b, 0);
  if (dataStart + total * 4 !== bytes.length) return null;
  const all = new Float32Array(bytes.slice(dataStart).buffer);
  const out: Record<string, Float32Array> = {};
  let o = 0;
  for (const [i, b] of header.blocks.entries()) {
    out[b] = all.subarray(o, o + header.dims[i]);
    o += header.dims[i];
  }
  return out;
}

let tmpCounter = 0;

/** The record file of `key` under `root`. */
export function recordPath(root: string, key: FeatureKey): string {
  return join(
    root,
    'v1',
    `${key.model.toLowerCase()}-${key.numbers}-p${key.pipeline}-${key.backend}`,
    `t${key.t}-s${key.seed}-${key.pooling}`,
    key.image.slice(0, 2),
    `${key.image}.dpf`,
  );
}

/** The feature cache in a directory, as the extraction engine's store. */
export class NodeFeatureCache implements FeatureStore {
  constructor(private readonly root: string) {}

  private async read(key: FeatureKey): Promise<Record<string, Float32Array> | null> {
    try {
      return decodeRecord(new Uint8Array(await readFile(recordPath(this.root, key))));
    } catch {
      return null;
    }
  }

  /** Per key: the vectors its record holds, or null (no record, or a damaged one). */
  async getMany(keys: readonly FeatureKey[]): Promise<(Record<string, Float32Array> | null)[]> {
    return Promise.all(keys.map((k) => this.read(k)));
  }

  /** Stores the vectors of each key, merged into what its record holds (new values win). */
  async putMany(entries: { key: FeatureKey; features: Record<string, Float32Array> }[]): Promise<void> {
    const dirs = new Set(entries.map((e) => dirname(recordPath(this.root, e.key))));
    await Promise.all([...dirs].map((d) => mkdir(d, { recursive: true })));
    await Promise.all(
      entries.map(async ({ key, features }) => {
        const old = await this.read(key);
        const path = recordPath(this.root, key);
        const tmp = `${path}.${process.pid}.${tmpCounter++}.tmp`;
        try {
          await writeFile(tmp, encodeRecord(old ? { ...old, ...features } : features));
          await rename(tmp, path);
        } catch {
          // A full or read-only cache must not fail the run.
          await rm(tmp, { force: true }).catch(() => {});
        }
      }),
    );
  }
}
