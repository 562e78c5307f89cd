/**
 * @file `merge`: joins the shards of one run into the output a single run would have written. The
 * shards are told apart by their run.json: the same `run.id` (a digest of the model, the images,
 * the settings and the pipeline version), the same shard count, every index exactly once.
 *
 * - `extract` / `features`: every .npy is the shards' rows concatenated in shard order (the same
 *   header a single run writes, so the files are byte-identical), ids.txt likewise.
 * - `sweep`: the cells of every shard fill one grid, written as a single run writes it.
 * The merged run.json is the first shard's with `run.shard` null and `mergedFrom` listing the shards.
 */
import { mkdir, open, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { DiffProbeError } from '../core/errors';
import { npyHeader, readNpy } from '../core/npy';
import { type CommandSpec, type ParsedArgs, required, UsageError } from './args';
import { FORCE_OPTION, OUT_OPTION } from './common';
import type { CliContext } from './context';
import { Output, withOutput } from './output';

export const MERGE_SPEC: CommandSpec = {
  name: 'merge',
  summary: 'join the shards of one extract, features or sweep run (byte-identical to a single run)',
  positionals: { name: '<shard dir | dir of shards>...', min: 1, max: 100_000 },
  options: [OUT_OPTION, FORCE_OPTION],
  details: `Each argument is a shard's output directory (it holds run.json) or a directory holding them
(shard-*-of-*). Shards of different runs (another model, data, setting or command), a shard given
twice or a missing one are refused, and nothing is written.

example:
  diffprobe merge out/ --out merged/`,
};

export interface ShardOutput {
  dir: string;
  // biome-ignore lint/suspicious/noExplicitAny: run.json is read as written by this CLI
  run: any;
}

/** How a command's shards are joined (extract/features here; sweep registers its own). */
export type Merger = (
  ctx: CliContext,
  shards: ShardOutput[],
  out: Output,
) => Promise<{ summary: string; record?: Record<string, unknown> }>;

const MERGERS: Record<string, Merger> = {};

export function registerMerger(command: string, merger: Merger): void {
  MERGERS[command] = merger;
}

async function readRun(dir: string): Promise<ShardOutput | null> {
  let text: string;
  try {
    text = await readFile(join(dir, 'run.json'), 'utf8');
  } catch {
    return null;
  }
  try {
    const run = JSON.parse(text);
    if (run?.format !== 'diffprobe-run') throw new Error('not a diffprobe run record');
    return { dir, run };
  } catch (error) {
    throw new UsageError(
      `${join(dir, 'run.json')} is not a DiffProbe run record (${(error as Error).message})`,
    );
  }
}

/** The shard outputs named by `paths` (each a shard directory, or a directory of them). */
export async function findShards(paths: readonly string[]): Promise<ShardOutput[]> {
  const found: ShardOutput[] = [];
  for (const p of paths) {
    const info = await stat(p).catch(() => null);
    if (!info?.isDirectory()) throw new UsageError(`${p} is not a directory`);
    const own = await readRun(p);
    if (own) {
      found.push(own);
      continue;
    }
    const subdirs = (await readdir(p, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
    const runs = (await Promise.all(subdirs.map((d) => readRun(join(p, d))))).filter(
      (r): r is ShardOutput => r !== null,
    );
    if (!runs.length) throw new UsageError(`${p} holds no run.json, nor directories with one`);
    found.push(...runs);
  }
  return found;
}

/** Checks that `shards` are all the shards of one run; returns them in shard order. */
export function checkShards(shards: ShardOutput[]): ShardOutput[] {
  for (const s of shards)
    if (!s.run.run?.shard)
      throw new UsageError(`${s.dir} is a whole run, not a shard (its run.json has no run.shard)`);
  const [first] = shards;
  for (const s of shards.slice(1)) {
    if (s.run.command !== first.run.command || s.run.run.id !== first.run.run.id)
      throw new UsageError(
        `shards of different runs: ${first.dir} is ${first.run.command} run ${first.run.run.id}, ${s.dir} is ${s.run.command} run ${s.run.run.id} (they differ in ${differences(first.run.identity, s.run.identity) || 'the command'})`,
      );
    if (s.run.run.shard.count !== first.run.run.shard.count)
      throw new UsageError(
        `${first.dir} is one of ${first.run.run.shard.count} shards, ${s.dir} one of ${s.run.run.shard.count}`,
      );
  }
  const count: number = first.run.run.shard.count;
  const byIndex = new Map<number, ShardOutput>();
  for (const s of shards) {
    const i: number = s.run.run.shard.index;
    const other = byIndex.get(i);
    if (other) throw new UsageError(`shard ${i} of ${count} is given twice: ${other.dir} and ${s.dir}`);
    byIndex.set(i, s);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length)
    throw new UsageError(
      `shard${missing.length > 1 ? 's' : ''} ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''} of ${count} missing (run ${first.run.run.id})`,
    );
  return Array.from({ length: count }, (_, i) => byIndex.get(i)!);
}

/**
 * Where two identities differ, as dotted paths down to the fields ("images.files.test, device"),
 * at most a few; arrays are compared whole.
 */
export function differences(a: unknown = {}, b: unknown = {}, at = ''): string {
  const isRecord = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  const paths: string[] = [];
  const walk = (x: unknown, y: unknown, path: string) => {
    if (JSON.stringify(x) === JSON.stringify(y)) return;
    if (!isRecord(x) || !isRecord(y)) {
      paths.push(path || '(all)');
      return;
    }
    for (const k of [...new Set([...Object.keys(x), ...Object.keys(y)])])
      walk(x[k], y[k], path ? `${path}.${k}` : k);
  };
  walk(a, b, at);
  return paths.length > 6 ? `${paths.slice(0, 6).join(', ')}, …` : paths.join(', ');
}

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p, base)));
    else if (e.isFile() && e.name !== 'run.json') out.push(relative(base, p));
  }
  return out.sort();
}

/** Row-wise concatenation of every .npy (and ids.txt, polarity.tsv) of extraction shards. */
async function mergeRows(_ctx: CliContext, shards: ShardOutput[], out: Output) {
  const files = await listFiles(shards[0].dir);
  for (const s of shards.slice(1)) {
    const other = await listFiles(s.dir);
    if (other.join('\n') !== files.join('\n'))
      throw new UsageError(`${s.dir} holds other files than ${shards[0].dir}; is one of them incomplete?`);
  }
  for (const file of files) {
    const target = out.file(file);
    await mkdir(join(target, '..'), { recursive: true });
    if (file.endsWith('.npy')) {
      const parts = await Promise.all(
        shards.map(async (s) => readNpy(new Uint8Array(await readFile(join(s.dir, file))))),
      );
      const tail = JSON.stringify(parts[0].shape.slice(1));
      for (const [i, p] of parts.entries())
        if (p.descr !== parts[0].descr || JSON.stringify(p.shape.slice(1)) !== tail)
          throw new DiffProbeError(
            'npy-invalid',
            `${join(shards[i].dir, file)} is ${p.descr} (${p.shape.join(', ')}), ${join(shards[0].dir, file)} is ${parts[0].descr} (${parts[0].shape.join(', ')})`,
          );
      const rows = parts.reduce((s, p) => s + p.shape[0], 0);
      const handle = await open(target, 'w');
      try {
        await handle.write(npyHeader(parts[0].descr as '<f4', [rows, ...parts[0].shape.slice(1)]));
        for (const p of parts)
          await handle.write(new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength));
      } finally {
        await handle.close();
      }
    } else if (file.endsWith('.txt')) {
      const texts = await Promise.all(shards.map((s) => readFile(join(s.dir, file), 'utf8')));
      await out.write(file, texts.join(''));
    } else if (file.endsWith('.tsv')) {
      // polarity.tsv: one header line, then a line per image in ids.txt's order.
      const texts = await Promise.all(shards.map((s) => readFile(join(s.dir, file), 'utf8')));
      const [header] = texts[0].split('\n', 1);
      const bodies = texts.map((t) => t.slice(t.indexOf('\n') + 1));
      await out.write(file, `${header}\n${bodies.join('')}`);
    } else throw new UsageError(`cannot merge ${file}: not a .npy, .txt or .tsv of an extraction`);
  }
  const rows = shards.reduce((s, sh) => s + (sh.run.images.rows.to - sh.run.images.rows.from), 0);
  return { summary: `merged ${shards.length} shards (${files.length} files, ${rows} images)` };
}

registerMerger('extract', mergeRows);
registerMerger('features', mergeRows);

export async function runMerge(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const started = Date.now();
  const outArg = required(args.flags, 'out', 'merge');
  const shards = checkShards(await findShards(args.positionals));
  const command: string = shards[0].run.command;
  const merger = MERGERS[command];
  if (!merger) throw new UsageError(`${command} runs are not sharded, so there is nothing to merge`);
  const output = await Output.create(outArg, { force: args.flags.force === true });
  return withOutput(output, async (out) => {
    const { summary, record: extra } = await merger(ctx, shards, out);
    const first = shards[0].run;
    const record = {
      ...first,
      commandLine: first.commandLine,
      run: { id: first.run.id, shard: null },
      ...(first.images?.rows
        ? {
            images: {
              ...first.images,
              rows: { from: 0, to: shards.at(-1)!.run.images.rows.to },
              ...(first.images.files ? { files: shards.flatMap((s) => s.run.images.files) } : {}),
            },
          }
        : {}),
      ...extra,
      mergedFrom: shards.map((s) => ({
        dir: s.dir,
        shard: s.run.run.shard,
        commandLine: s.run.commandLine,
        finishedAt: s.run.finishedAt,
        seconds: s.run.seconds,
      })),
      mergeCommandLine: ['diffprobe', ...ctx.argv].join(' '),
      finishedAt: new Date().toISOString(),
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
    await out.commit(record);
    ctx.out(`${summary} of ${command} run ${first.run.id} into ${out.target}`);
    return 0;
  });
}
