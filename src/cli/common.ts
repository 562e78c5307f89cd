/**
 * @file Options and steps that several commands share: the model, the images and which of them,
 * shards, the cache, the output.
 */
import { DiffProbeError } from '../core/errors';
import type { Manifest } from '../core/manifest/types';
import { validateManifest } from '../core/manifest/validate';
import type { Pooling } from '../core/pooling';
import { POOLING_KINDS, poolingChoices } from '../core/pooling-kinds';
import type { NodeDevice } from '../engine/onnx-node';
import { int, type OptionSpec, type ParsedArgs, str, UsageError } from './args';
import { BARE_MODEL_OPTIONS, BARE_ONLY, conditionsOf } from './bare';
import { defaultThreads, digest } from './context';
import { defaultCacheDir } from './feature-cache';
import { type ImageSet, INVERT_OPTION } from './images';
import {
  loadManifestFile,
  type ModelFile,
  type NodeModel,
  openModelSession,
  readBareModelFile,
  readModelFile,
  twinOfModelFile,
} from './load';

type Flags = ParsedArgs['flags'];

/** The CLI's poolings by name: the registry's (core/pooling-kinds.ts) but the raw map. */
export const POOLING_BY_NAME: Record<string, Pooling> = Object.fromEntries(
  Object.entries(POOLING_KINDS)
    .filter(([name]) => name !== 'raw')
    .map(([name, kind]) => [name, kind.pooling]),
);

export const MODEL_OPTIONS: OptionSpec[] = [
  {
    name: 'manifest',
    value: '<manifest.json>',
    help: 'the model’s manifest (the .onnx sits beside it, or give --model; its sha256 is checked)',
  },
  ...BARE_MODEL_OPTIONS,
  { name: 'device', value: 'cpu|cuda', help: 'onnxruntime-node execution provider', default: 'cpu' },
  { name: 'threads', value: 'K', help: 'ONNX Runtime intra-op threads', default: 'all cores' },
  {
    name: 'batch',
    value: 'B',
    help: 'most images per U-Net run (fewer when the maps would not fit 512 MB)',
    default: '32',
  },
  {
    name: 'random-weights',
    help: 'use the model’s random-weights twin: every learned weight re-drawn as PyTorch initialises that layer, constants kept (a control for “training put it there”)',
  },
  { name: 'init-seed', value: 'S', help: 'seed of the twin’s weights (with --random-weights)', default: '0' },
];

export const DATA_OPTIONS: OptionSpec[] = [
  {
    name: 'data',
    value: '<images>',
    help: 'bundled:<split> (the manifest’s data set), IDX images (.gz or raw), a .npy of uint8 images, or an ImageFolder directory',
    default: 'bundled:test',
  },
  { name: 'split', value: 'train|test', help: 'shorthand for --data bundled:<split>' },
  {
    name: 'labels',
    value: '<file>',
    help: 'labels for --data: IDX (found beside *-images-idx3-ubyte by itself) or a .npy of integers',
  },
  INVERT_OPTION,
  { name: 'start', value: 'I', help: 'first image', default: '0' },
  { name: 'count', value: 'N', help: 'number of images', default: 'all from --start' },
  {
    name: 'part',
    value: 'train|validation|test',
    help: 'instead of --data/--start/--count: that part of the browser’s probe split for --n-train, --n-test and --split-seed (options of `diffprobe probe`)',
  },
];

export const SHARD_OPTIONS: OptionSpec[] = [
  {
    name: 'shard',
    value: 'i/N',
    help: 'run part i of N (0 ≤ i < N) into <out>/shard-i-of-N; JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID pick i by themselves',
  },
  { name: 'shards', value: 'N', help: 'the number of shards when the index comes from the scheduler' },
];

export const CACHE_OPTIONS: OptionSpec[] = [
  {
    name: 'cache-dir',
    value: '<dir>',
    help: 'feature cache (content-addressed; reruns skip the U-Net)',
    default: '$DIFFPROBE_CACHE_DIR or ~/.cache/diffprobe',
  },
  { name: 'no-cache', help: 'neither read nor write the feature cache' },
];

export const FORCE_OPTION: OptionSpec = { name: 'force', help: 'replace an existing output' };
export const QUIET_OPTION: OptionSpec = { name: 'quiet', help: 'no progress on stderr' };
export const OUTPUT_OPTIONS: OptionSpec[] = [FORCE_OPTION, QUIET_OPTION];

// Options several commands declare alike: one definition each, so that their help reads the same.
// A command that means something more by one spreads it and says so (`{ ...SEED_OPTION, help }`).
export const OUT_OPTION: OptionSpec = { name: 'out', value: '<dir>', help: 'output directory' };
export const SEED_OPTION: OptionSpec = { name: 'seed', value: 'S', help: 'noise seed', default: '0' };

/** The poolings a probe trains on: the app's, the raw map aside. */
export const PROBE_POOLING_OPTION: OptionSpec = {
  name: 'pooling',
  value: poolingChoices((n) => n !== 'raw' && POOLING_KINDS[n].inApp),
  help: 'pooling (grid8: the map pooled to ≤ 8×8, what --head attention reads)',
  default: 'avg',
};

/**
 * The probe's solver settings, C and the L-BFGS cap: `diffprobe probe` trains one probe, a sweep
 * one per cell (`each` says so in the help) with a lower cap, as the app's panels do.
 */
export function solverOptions(maxIter: number, each = ''): OptionSpec[] {
  return [
    { name: 'C', value: 'C', help: `inverse L2 strength${each} (scikit-learn’s C)`, default: '1' },
    { name: 'max-iter', value: 'N', help: `most L-BFGS iterations${each}`, default: String(maxIter) },
  ];
}

export function threadsOf(flags: Flags): number {
  return int(flags, 'threads', defaultThreads(), 1, 256);
}

export function deviceOf(flags: Flags): NodeDevice {
  const d = str(flags, 'device', 'cpu')!;
  if (d !== 'cpu' && d !== 'cuda')
    throw new UsageError(`--device must be cpu or cuda, got ${JSON.stringify(d)}`);
  return d;
}

/**
 * Reads the model: --manifest and its ONNX (sha256 checked; --model reads the ONNX from another
 * path), or a bare --model, whose manifest discovery writes (cli/bare.ts); with --random-weights
 * its twin. --condition sets extra inputs either way. Options are checked before any session.
 */
export async function openModelFile(flags: Flags, command: string): Promise<ModelFile> {
  const file = await openTrainedModelFile(flags, command);
  const initSeed = int(flags, 'init-seed', 0, 0, 0xffffffff);
  return flags['random-weights'] ? twinOfModelFile(file, initSeed) : file;
}

async function openTrainedModelFile(flags: Flags, command: string): Promise<ModelFile> {
  const manifest = str(flags, 'manifest');
  const model = str(flags, 'model');
  const threads = threadsOf(flags);
  deviceOf(flags);
  if (flags['init-seed'] !== undefined && !flags['random-weights'])
    throw new UsageError('--init-seed seeds the twin of --random-weights; give both or neither');
  if (!manifest && !model)
    throw new UsageError(`${command} needs --model <model.onnx> (or --manifest <manifest.json>)`);
  if (!manifest) return readBareModelFile(model!, flags, threads);
  const bareOnly = BARE_ONLY.find((k) => flags[k] !== undefined);
  if (bareOnly)
    throw new UsageError(
      `--${bareOnly} is for a bare --model; ${manifest} says it itself (docs/manifest.md): edit it there, or drop --manifest`,
    );
  const loaded = await loadManifestFile(manifest);
  const { extras, npy } = conditionsOf(flags, loaded.extraInputs ?? []);
  const edited = extras.length ? validateManifest({ ...loaded, extraInputs: extras }) : loaded;
  return readModelFile(manifest, { manifest: edited, npy, ...(model && { modelPath: model }) });
}

/**
 * `bundled:<split>`, the default images: the model's own data set. A model whose manifest names
 * none (a bare .onnx) is given DiffProbe's Fashion-MNIST only when asked for by name, as the
 * browser feeds it only once "Use the bundled…" is ticked.
 */
export function bundledDefault(model: ModelFile, split: string, option = 'data'): string {
  if (model.manifest.dataset) return `bundled:${split}`;
  const { channels, height, width } = model.manifest.input;
  throw new UsageError(
    `${model.manifest.name} has no data set of its own: give --${option} (IDX images, a .npy of uint8 images, an ImageFolder directory), or --${option} bundled:${split} for DiffProbe's Fashion-MNIST (28×28 grayscale${height === 28 && width === 28 ? '' : `, fed resized to ${height}×${width}`}${channels === 3 ? ', repeated to 3 channels' : ''})`,
  );
}

/** The U-Net session on --device with --threads. */
export function startSession(flags: Flags, file: ModelFile): Promise<NodeModel> {
  return openModelSession(file, threadsOf(flags), deviceOf(flags));
}

/** The --data spec (with --split as shorthand; default: the model's own test images). */
export function dataSpecOf(flags: Flags, model: ModelFile): string {
  const data = str(flags, 'data');
  const split = str(flags, 'split');
  if (data && split) throw new UsageError('give --data or --split, not both');
  return data ?? (split ? `bundled:${split}` : bundledDefault(model, 'test'));
}

/** The rows of `set` chosen by --start/--count, in order. */
export function selectRows(
  flags: Flags,
  set: ImageSet,
): { rows: number[]; selection: Record<string, number | string> } {
  if (set.count === 0) throw new DiffProbeError('dataset-invalid', 'the image set is empty');
  const start = int(flags, 'start', 0, 0, set.count - 1);
  const count = int(flags, 'count', set.count - start, 1, set.count - start);
  return {
    rows: Array.from({ length: count }, (_, i) => start + i),
    selection: { kind: 'range', start, count },
  };
}

/** --blocks checked against the model (default: every block). */
export function blocksOf(flags: Flags, model: ModelFile, key = 'blocks'): string[] {
  const names = model.manifest.blocks.map((b) => b.name);
  const raw = str(flags, key);
  if (raw === undefined) return names;
  const blocks = raw.split(',').map((b) => b.trim());
  for (const b of blocks)
    if (!names.includes(b))
      throw new UsageError(
        `--${key}: the model has no block ${JSON.stringify(b)} (blocks: ${names.join(', ')})`,
      );
  if (new Set(blocks).size !== blocks.length) throw new UsageError(`--${key} lists a block twice`);
  return blocks;
}

export function poolingsOf(flags: Flags, fallback = 'avg'): string[] {
  const names = (str(flags, 'pooling') ?? fallback).split(',').map((p) => p.trim());
  for (const p of names)
    if (!POOLING_BY_NAME[p])
      throw new UsageError(
        `--pooling: unknown pooling ${JSON.stringify(p)} (one of ${Object.keys(POOLING_BY_NAME).join(', ')})`,
      );
  if (new Set(names).size !== names.length) throw new UsageError('--pooling lists a pooling twice');
  return names;
}

/** The cache directory, or null with --no-cache. */
export function cacheDirOf(flags: Flags, env: Record<string, string | undefined>): string | null {
  if (flags['no-cache']) {
    if (flags['cache-dir'] !== undefined) throw new UsageError('give --cache-dir or --no-cache, not both');
    return null;
  }
  return str(flags, 'cache-dir') ?? defaultCacheDir(env as NodeJS.ProcessEnv);
}

/** A file name for a block (ONNX tensor names may hold '/', ':' …). */
export function blockFileName(block: string): string {
  return block.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Max t of the model's schedule. */
export function maxT(model: ModelFile): number {
  return model.alphasCumprod.length - 1;
}

/**
 * The images' identity for run.json's run id: the source by content (digests, split, shape), not
 * by path, and the selection; a folder's files by the digest of their hashes.
 */
export async function imagesIdentity(
  set: ImageSet,
  rows: readonly number[],
  selection: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const { index: _index, folder: _folder, name: _name, ...rest } = set.source as Record<string, unknown>;
  const strip = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v)
            .filter(([k]) => k !== 'file')
            .map(([k, x]) => [k, strip(x)]),
        )
      : v;
  const files = set.fileHashes ? await digest(await set.fileHashes(rows)) : undefined;
  return { ...(strip(rest) as object), selection, ...(files ? { files } : {}) };
}

export type { Manifest };
