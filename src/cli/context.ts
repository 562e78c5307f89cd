/**
 * @file What a command gets from the process: output streams, environment, the command line. Tests
 * pass their own (see main.test.ts), so every command runs in-process with captured output.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { version as DIFFPROBE_VERSION } from '../../package.json';
import { canonicalJson, numbersKey } from '../core/manifest/numbers-key';
import { sha256Hex } from '../core/sha256';
import { nodeRuntimeVersion } from '../engine/onnx-node';
import { PIPELINE_VERSION } from '../pipeline/version';
import type { NodeModel } from './load';
import type { ProgressSink } from './progress';
import type { Shard } from './shard';

export interface CliIO {
  /** Results and summaries (stdout). */
  out(line: string): void;
  /** Progress and warnings (stderr). */
  err: ProgressSink;
  env: Record<string, string | undefined>;
}

export interface CliContext extends CliIO {
  /** The arguments after `diffprobe`. */
  argv: readonly string[];
}

export { DIFFPROBE_VERSION };

/** Default --threads: every core the process may use. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

/**
 * SHA-256 (hex) of a typed array's bytes, synchronously with node:crypto, for the CLI's feature
 * files of hundreds of MB (WebCrypto's digest, core/sha256.ts, is asynchronous and copies its input).
 */
export function sha256HexSync(data: ArrayBufferView): string {
  return createHash('sha256')
    .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .digest('hex');
}

/** First 16 hex digits of SHA-256 of the canonical JSON of `identity`. */
export async function digest(identity: unknown): Promise<string> {
  return sha256Hex(new TextEncoder().encode(canonicalJson(identity)), 8);
}

/** The model part of run.json: what the numbers depend on, the manifest itself included. */
export function modelRecord(model: NodeModel) {
  return {
    manifestPath: model.manifestPath,
    sha256: model.sha256,
    numbersKey: numbersKey(model.manifest),
    name: model.manifest.name,
    manifest: model.manifest,
    // A twin: the trained model it was made from, its init seed and what was re-drawn and kept.
    ...(model.randomWeights ? { randomWeights: model.randomWeights } : {}),
  };
}

/**
 * The run.json sidecar of every output. `identity` is what the results depend on, by content
 * (model sha256 and numbers key, image digests and selection, settings), not paths or the shard:
 * shards of one run share `run.id`, and `merge` refuses outputs whose ids differ. With a model,
 * the execution provider (`--device`) joins the identity here, for every command: CPU and CUDA
 * kernels give other float32 roundings, so shards made on both are not one run. `body` is the
 * record for people: paths, the manifest, the images, the settings.
 */
export async function runRecord(
  ctx: CliContext,
  command: string,
  identity: Record<string, unknown>,
  body: Record<string, unknown>,
  extra: { shard: Shard | null; model?: NodeModel; started: number },
) {
  const { shard, model, started } = extra;
  const full = model ? { ...identity, device: model.device } : identity;
  return {
    format: 'diffprobe-run',
    version: 1,
    command,
    commandLine: ['diffprobe', ...ctx.argv].map(shellQuote).join(' '),
    run: {
      id: await runId(command, full),
      shard: shard ? { index: shard.index, count: shard.count, from: shard.from } : null,
    },
    ...(model ? { model: modelRecord(model) } : {}),
    ...body,
    ...(model ? { device: { name: model.device, threads: model.threads } } : {}),
    pipelineVersion: PIPELINE_VERSION,
    versions: {
      diffprobe: DIFFPROBE_VERSION,
      'onnxruntime-node': nodeRuntimeVersion(),
      node: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
    },
    identity: full,
    finishedAt: new Date().toISOString(),
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

/** The id of a run: a digest of the command, its identity and PIPELINE_VERSION. */
export function runId(command: string, identity: Record<string, unknown>): Promise<string> {
  return digest({ command, identity, pipeline: PIPELINE_VERSION });
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}
