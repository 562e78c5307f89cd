/**
 * @file The CLI's feature cache: a directory, content-addressed and keyed like the worker's
 * IndexedDB cache (worker/cache/feature-cache.ts), so that a rerun, another shard split or another
 * command over the same images skips the U-Net:
 *
 *   <root>/v1/<model sha256>-<numbers key>-p<PIPELINE_VERSION>-<device>/t<t>-s<seed>-<pooling>/<ab>/<image hash>.dpf
 *
 * with the manifest's numbers key (core/manifest/numbers-key.ts), the execution provider and the
 * image hash of x_0 (pipeline/cache-key.ts). The provider is in the key because CPU and CUDA
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
import { join } from 'node:path';

export interface CacheScope {
  /** SHA-256 of the ONNX bytes. */
  model: string;
  /** numbersKey(manifest). */
  numbers: string;
  pipeline: number;
  t: number;
  seed: number;
  /** poolingKey(pooling). */
  pooling: string;
  /** The execution provider that computes the features ('cpu', 'cuda'). */
  device: string;
}

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

export class NodeFeatureCache {
  private readonly dir: string;
  hits = 0;
  writes = 0;

  constructor(root: string, scope: CacheScope) {
    this.dir = join(
      root,
      'v1',
      `${scope.model.toLowerCase()}-${scope.numbers}-p${scope.pipeline}-${scope.device}`,
      `t${scope.t}-s${scope.seed}-${scope.pooling}`,
    );
  }

  private path(image: string): string {
    return join(this.dir, image.slice(0, 2), `${image}.dpf`);
  }

  private async read(image: string): Promise<Record<string, Float32Array> | null> {
    try {
      return decodeRecord(new Uint8Array(await readFile(this.path(image))));
    } catch {
      return null;
    }
  }

  /** Per image: its vectors for every one of `blocks`, or null (a miss, or a record lacking a block). */
  async getMany(
    images: readonly string[],
    blocks: readonly string[],
  ): Promise<(Record<string, Float32Array> | null)[]> {
    const out = await Promise.all(images.map((h) => this.read(h)));
    return out.map((r) => {
      if (!r || !blocks.every((b) => b in r)) return null;
      this.hits++;
      return Object.fromEntries(blocks.map((b) => [b, r[b]]));
    });
  }

  /** Stores the vectors of each image, merged into what its record holds (new values win). */
  async putMany(
    entries: readonly { image: string; features: Record<string, Float32Array> }[],
  ): Promise<void> {
    const dirs = new Set(entries.map((e) => e.image.slice(0, 2)));
    await Promise.all([...dirs].map((d) => mkdir(join(this.dir, d), { recursive: true })));
    await Promise.all(
      entries.map(async ({ image, features }) => {
        const old = await this.read(image);
        const path = this.path(image);
        const tmp = `${path}.${process.pid}.${tmpCounter++}.tmp`;
        try {
          await writeFile(tmp, encodeRecord(old ? { ...old, ...features } : features));
          await rename(tmp, path);
          this.writes++;
        } catch {
          // A full or read-only cache must not fail the run.
          await rm(tmp, { force: true }).catch(() => {});
        }
      }),
    );
  }
}
