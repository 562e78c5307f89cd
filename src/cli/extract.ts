/**
 * @file `extract` and `features`: pooled block features of a set of images as .npy files that
 * numpy.load reads, with labels.npy, ids.txt and run.json.
 *
 * - `extract` — one t, one pooling: `<out>/<block>.npy` [N, D] per block; or, with `--out f.npy`,
 *   one file [N, ΣD] (the blocks concatenated in --blocks order) and `f.labels.npy`, `f.ids.txt`,
 *   `f.run.json` beside it.
 * - `features` — the evaluation grid in one pass per t: `<out>/t<T>/<pooling>/<block>.npy`.
 * Both shard (`--shard i/N`: rows), use the feature cache, and write atomically (output.ts).
 */

import { mkdir } from 'node:fs/promises';
import { DiffProbeError } from '../core/errors';
import { numbersKey } from '../core/manifest/numbers-key';
import { writeNpy } from '../core/npy';
import { poolingChoices } from '../core/pooling-kinds';
import { type CommandSpec, int, type ParsedArgs, required, str, timesteps, UsageError } from './args';
import {
  blockFileName,
  blocksOf,
  CACHE_OPTIONS,
  cacheDirOf,
  DATA_OPTIONS,
  dataSpecOf,
  imagesIdentity,
  MODEL_OPTIONS,
  maxT,
  OUTPUT_OPTIONS,
  openModelFile,
  poolingsOf,
  SHARD_OPTIONS,
  selectRows,
  startSession,
} from './common';
import { type CliContext, runRecord } from './context';
import { extractRows } from './extract-run';
import { decisionsOf, type ImageSet, invertOf, openImageSet, polarityRecord, polarityTable } from './images';
import { checkInvertApplies, LABELLED_OPTIONS, labelledSplitOf } from './labelled';
import type { ModelFile } from './load';
import { NpyWriter } from './npy-stream';
import { Output, withOutput } from './output';
import { createProgress } from './progress';
import { resolveShard, shardDirName, shardRange } from './shard';

const COMMON: CommandSpec['options'] = [
  ...MODEL_OPTIONS,
  ...DATA_OPTIONS,
  ...LABELLED_OPTIONS.filter((o) => o.name !== 'data' && o.name !== 'invert'),
  { name: 'blocks', value: 'a,b', help: 'blocks to extract', default: 'all' },
  {
    name: 'seed',
    value: 'S',
    help: 'noise seed (ε is drawn from it and each image’s content)',
    default: '0',
  },
  ...SHARD_OPTIONS,
  ...CACHE_OPTIONS,
  ...OUTPUT_OPTIONS,
];

export const EXTRACT_SPEC: CommandSpec = {
  name: 'extract',
  summary: 'pooled block features at one t, as .npy (the browser’s extraction, on onnxruntime-node)',
  options: [
    {
      name: 'out',
      value: '<dir|file.npy>',
      help: 'a directory (<block>.npy each), or one .npy with the blocks concatenated',
    },
    { name: 't', value: 'T', help: 'timestep', default: '100' },
    {
      name: 'pooling',
      value: poolingChoices(),
      help: 'pooling of each map (gridS: the map pooled to ≤ S×S)',
      default: 'avg',
    },
    {
      name: 'save-x0',
      help: 'also write x0.npy [N, C, H, W] float32: the model inputs (decoded, preprocessed), in ids.txt order',
    },
    ...COMMON,
  ],
  details: `Writes, in <dir>: <block>.npy [N, D] float32, labels.npy [N], ids.txt (one image id a line), run.json,
and for your images (IDX, .npy, a folder) polarity.tsv: each image's polarity decision, in ids.txt's order.
With --out f.npy: f.npy [N, ΣD], f.labels.npy, f.ids.txt, f.polarity.tsv, f.run.json.

examples:
  diffprobe extract --manifest public/models/fashion-mnist-ddpm/manifest.json --count 1000 --t 25 --out feats/
  diffprobe extract --manifest m.json --data /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz \\
                    --blocks up1_0 --out up1_0.npy`,
};

export const FEATURES_SPEC: CommandSpec = {
  name: 'features',
  summary: 'a grid of pooled features (every block × t × pooling) in one U-Net pass per t',
  options: [
    {
      name: 'out',
      value: '<dir|file.npy>',
      help: 'output directory (a .npy file for one t and one pooling)',
    },
    { name: 't', value: 'T1,T2,…', help: 'timesteps' },
    { name: 'pooling', value: 'avg,avg2,…', help: 'poolings', default: 'avg' },
    ...COMMON,
  ],
  details: `Writes <dir>/t<T>/<pooling>/<block>.npy [N, D] float32, <dir>/labels.npy, ids.txt, polarity.tsv
(your images) and run.json.

example:
  diffprobe features --manifest m.json --split train --count 5000 --t 0,25,100 --pooling avg,avg2 --out grid/`,
};

type Flags = ParsedArgs['flags'];

/**
 * The selected images — --data with --start/--count, or --part of the browser's probe split —
 * this shard's part of them, and where its output goes.
 */
export async function imagesAndShard(ctx: CliContext, flags: Flags, model: ModelFile, shards = true) {
  let images: ImageSet;
  let all: number[];
  let selection: Record<string, unknown>;
  const part = str(flags, 'part');
  if (part !== undefined) {
    if (part !== 'train' && part !== 'validation' && part !== 'test')
      throw new UsageError(`--part must be train, validation or test, got ${JSON.stringify(part)}`);
    for (const k of ['start', 'count', 'split', 'labels'])
      if (flags[k] !== undefined) throw new UsageError(`--part picks the images itself: drop --${k}`);
    const data = await labelledSplitOf(flags, model);
    for (const note of data.notes) ctx.err.write(`note: ${note}\n`);
    const ids = data.split[part].ids;
    if (!ids.length) throw new DiffProbeError('dataset-invalid', `the ${part} part of this split is empty`);
    const resolved = ids.map(data.resolve);
    images = resolved[0].set;
    all = resolved.map((r) => r.row);
    selection = { kind: 'part', part, ...data.identity };
  } else {
    for (const k of [
      'train',
      'test',
      'train-labels',
      'test-labels',
      'n-train',
      'n-test',
      'split-seed',
      'test-fraction',
    ])
      if (flags[k] !== undefined)
        throw new UsageError(`--${k} belongs to --part (the browser's probe split)`);
    images = await openImageSet(
      dataSpecOf(flags, model),
      str(flags, 'labels') ?? null,
      model.manifest,
      model.manifestPath,
      invertOf(flags, model.manifest),
    );
    checkInvertApplies(flags, [images]);
    for (const note of images.notes ?? []) ctx.err.write(`note: ${note}\n`);
    ({ rows: all, selection } = selectRows(flags, images));
  }
  const shard = shards ? resolveShard(str(flags, 'shard'), str(flags, 'shards'), ctx.env) : null;
  const [from, to] = shardRange(all.length, shard);
  if (from === to)
    throw new UsageError(
      `shard ${shard!.index}/${shard!.count} of ${all.length} images is empty: use fewer shards`,
    );
  return { images, all, rows: all.slice(from, to), selection, shard, range: [from, to] as [number, number] };
}

export async function runExtractCommand(ctx: CliContext, flags: Flags, grid: boolean): Promise<number> {
  const started = Date.now();
  const command = grid ? 'features' : 'extract';
  const outArg = required(flags, 'out', command);
  if (grid && flags.t === undefined) throw new UsageError('features needs --t (e.g. 0,25,100)');
  const file = await openModelFile(flags, command);
  const ts = grid ? timesteps(flags, 't', [], maxT(file)) : [int(flags, 't', 100, 0, maxT(file))];
  const poolings = poolingsOf(flags);
  if (!grid && poolings.length > 1)
    throw new UsageError('extract takes one --pooling; use `features` for several');
  const blocks = blocksOf(flags, file);
  const seed = int(flags, 'seed', 0, 0, 0xffffffff);
  const batch = int(flags, 'batch', 32, 1, 4096);
  const cacheDir = cacheDirOf(flags, ctx.env);
  const { images, all, rows, selection, shard, range } = await imagesAndShard(ctx, flags, file);
  const target = shard ? `${outArg.replace(/\/+$/, '')}/${shardDirName(shard)}` : outArg;
  if (shard && outArg.toLowerCase().endsWith('.npy'))
    throw new UsageError('--shard writes a directory per shard: give --out a directory');
  // One file holds one matrix: one t and one pooling (the blocks side by side).
  const oneMatrix = ts.length === 1 && poolings.length === 1;
  if (outArg.toLowerCase().endsWith('.npy') && !oneMatrix)
    throw new UsageError(`--out ${outArg} holds one matrix: give one --t and one --pooling, or a directory`);
  const output = await Output.create(target, { force: flags.force === true, allowFile: oneMatrix });
  const model = await startSession(flags, file).catch(async (error) => {
    await output.discard();
    throw error;
  });
  try {
    return await withOutput(output, async (out) => {
      const progress = createProgress(ctx.err, command, rows.length * ts.length, 'images', {
        quiet: flags.quiet === true,
      });
      const writers = new Map<string, NpyWriter>();
      const writer = (name: string) => {
        let w = writers.get(name);
        if (!w) {
          w = new NpyWriter(out.file(name), rows.length);
          writers.set(name, w);
        }
        return w;
      };
      const fileOf = (t: number, p: string, b: string) =>
        out.fileMode
          ? 'features.npy'
          : grid
            ? `t${t}/${p}/${blockFileName(b)}.npy`
            : `${blockFileName(b)}.npy`;
      if (grid && !out.fileMode) {
        for (const t of ts)
          for (const p of poolings) await mkdir(out.file(`t${t}/${p}`), { recursive: true });
      }
      let stats: { computed: number; cached: number };
      try {
        stats = await extractRows(
          {
            model,
            images,
            rows,
            timesteps: ts,
            poolings,
            blocks,
            seed,
            batch,
            cacheDir,
            progress,
            ...(flags['save-x0'] === true
              ? {
                  onModelInput: (x0: Float32Array, count: number) =>
                    writer('x0.npy').append(x0, x0.length / count, [
                      model.manifest.input.channels,
                      model.manifest.input.height,
                      model.manifest.input.width,
                    ]),
                }
              : {}),
          },
          async (chunk) => {
            for (const p of poolings) {
              if (out.fileMode) {
                // One matrix: each row is the blocks' vectors side by side, in --blocks order.
                const width = blocks.reduce((s, b) => s + chunk.dims[p][b], 0);
                const m = new Float32Array(chunk.count * width);
                for (let i = 0; i < chunk.count; i++) {
                  let o = i * width;
                  for (const b of blocks) {
                    const d = chunk.dims[p][b];
                    m.set(chunk.features[p][b].subarray(i * d, (i + 1) * d), o);
                    o += d;
                  }
                }
                await writer(fileOf(chunk.t, p, blocks[0])).append(m, width);
              } else
                for (const b of blocks)
                  await writer(fileOf(chunk.t, p, b)).append(chunk.features[p][b], chunk.dims[p][b]);
            }
          },
        );
        for (const w of writers.values()) await w.close();
      } catch (error) {
        for (const w of writers.values()) await w.abandon();
        throw error;
      }
      progress.finish(stats.cached ? `${stats.cached} from the cache` : undefined);
      await writeLabelsAndIds(out, images, rows);
      const polarity = decisionsOf(images, rows);
      if (polarity) {
        await out.write('polarity.tsv', polarityTable(polarity));
        ctx.out(String(polarityRecord(polarity).summary));
      }
      const identity = {
        model: { sha256: model.hash, numbersKey: numbersKey(model.manifest) },
        images: await imagesIdentity(images, all, selection),
        settings: {
          timesteps: ts,
          poolings,
          blocks,
          seed,
          layout: out.fileMode ? 'file' : grid ? 'grid' : 'blocks',
        },
      };
      const files = Object.fromEntries(blocks.map((b) => [b, `${blockFileName(b)}.npy`]));
      const record = await runRecord(
        ctx,
        command,
        identity,
        {
          images: {
            ...images.source,
            selection,
            count: all.length,
            classes: images.classes,
            rows: { from: range[0], to: range[1] },
            ...(images.fileHashes ? { files: await images.fileHashes(rows) } : {}),
            ...(polarity ? { polarity: polarityRecord(polarity) } : {}),
          },
          settings: {
            ...(grid ? { t: ts } : { t: ts[0] }),
            pooling: grid ? poolings : poolings[0],
            blocks,
            seed,
            batch,
            cache: cacheDir ? { dir: cacheDir, ...stats } : null,
          },
          layout: out.fileMode
            ? { kind: 'file', concatenated: blocks }
            : grid
              ? { kind: 'grid', path: 't<T>/<pooling>/<block file>.npy', blockFiles: files }
              : { kind: 'blocks', blockFiles: files },
        },
        { shard, model, started },
      );
      await out.commit(record);
      const nFiles = out.fileMode ? 1 : grid ? ts.length * poolings.length * blocks.length : blocks.length;
      ctx.out(
        `wrote ${nFiles} feature file${nFiles === 1 ? '' : 's'}${grid ? ` (${ts.length} t × ${poolings.length} pooling × ${blocks.length} blocks)` : ''} of ${rows.length} images (${images.source.kind}${shard ? `, shard ${shard.index}/${shard.count}` : ''}) to ${out.target}`,
      );
      return 0;
    });
  } finally {
    await model.unet.release();
  }
}

/**
 * labels.npy when the set has labels (uint8 for up to 256 classes, else int32), and ids.txt. The
 * dtype follows the whole set's classes, not the rows written: the shards of a run must agree on it
 * to merge (a shard of a 300-class folder may hold only classes below 256).
 */
export async function writeLabelsAndIds(
  out: Output,
  images: ImageSet,
  rows: readonly number[],
): Promise<void> {
  if (images.labels) {
    const labels = Int32Array.from(rows, (r) => images.labels![r]);
    let small = (images.classes?.length ?? 0) <= 256;
    for (const l of images.labels) small &&= l >= 0 && l < 256;
    await out.write('labels.npy', writeNpy(small ? Uint8Array.from(labels) : labels, [labels.length]));
  }
  await out.write('ids.txt', `${rows.map((r) => images.id(r)).join('\n')}\n`);
}
