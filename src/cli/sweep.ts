/**
 * @file `sweep`: blocks × timesteps, a probe per cell judged on the validation images, the best
 * cell chosen by that and tested once — pipeline/sweep-run.ts, as the app's Sweep panel runs it.
 * Writes sweep.csv and sweep.json (the app's exports), sweep.svg (the app's heatmap,
 * features/sweep/heatmap.ts) and run.json.
 *
 * Shards: the cells, in the order the sweep computes them (t, then block), are cut into N
 * contiguous parts. A shard runs the sweep's own code on each of its timesteps with its blocks
 * there, and writes its cells and, per timestep, the best of them with that probe's test accuracy.
 * `merge` fills the grid from every shard and chooses the best cell as the sweep does (the first
 * highest validation accuracy in t, then block order); that cell is also the best of its own part,
 * whose test accuracy was measured, so the merged files equal a single run's byte for byte.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { labelLeakText } from '../core/conditioning/extra-feeds';
import { DiffProbeError } from '../core/errors';
import { summarisePolarity } from '../core/image/polarity';
import { numbersKey } from '../core/manifest/numbers-key';
import { nodeRuntimeVersion } from '../engine/onnx-node';
import { headAddsText } from '../features/results/findings';
import { heatmapSvg } from '../features/sweep/heatmap';
import { nodeOrigin } from '../pipeline/provenance';
import { splitIds } from '../pipeline/split';
import {
  bestCell,
  emptyGrid,
  gridToCsv,
  gridToJson,
  type SweepCell,
  type SweepGrid,
  withCell,
} from '../pipeline/sweep-grid';
import { runSweep, sweepProvenance } from '../pipeline/sweep-run';
import { type CommandSpec, int, num, type ParsedArgs, required, str, timesteps, UsageError } from './args';
import {
  blocksOf,
  CACHE_OPTIONS,
  cacheDirOf,
  MODEL_OPTIONS,
  maxT,
  OUT_OPTION,
  OUTPUT_OPTIONS,
  openModelFile,
  POOLING_BY_NAME,
  PROBE_POOLING_OPTION,
  poolingsOf,
  SEED_OPTION,
  SHARD_OPTIONS,
  solverOptions,
  startSession,
} from './common';
import { type CliContext, runRecord } from './context';
import { blockMaps, HEAD_OPTIONS, headOf, headPoolingName, withHead } from './heads';
import { featureSpec, LABELLED_OPTIONS, labelledData, withImageFiles } from './labelled';
import { registerMerger, type ShardOutput } from './merge';
import { Output, withOutput } from './output';
import { createProgress } from './progress';
import { createNodeRuntime } from './runtime';
import { resolveShard, shardDirName, shardRange } from './shard';

export const SWEEP_SPEC: CommandSpec = {
  name: 'sweep',
  summary:
    'blocks × t: a probe per cell, the best chosen on validation and tested once; CSV, JSON and the app’s heatmap',
  options: [
    OUT_OPTION,
    { name: 'blocks', value: 'a,b', help: 'rows of the grid', default: 'every block' },
    { name: 't', value: 'T1,T2,…', help: 'columns of the grid', default: '0,25,100,200,500' },
    PROBE_POOLING_OPTION,
    SEED_OPTION,
    ...solverOptions(100, ' per probe'),
    ...HEAD_OPTIONS,
    ...LABELLED_OPTIONS,
    ...MODEL_OPTIONS,
    ...SHARD_OPTIONS,
    ...CACHE_OPTIONS,
    ...OUTPUT_OPTIONS,
  ],
  details: `The defaults are the app's Sweep panel's: every block at t = 0, 25, 100, 200, 500 on 2,000
training and 1,000 test images of the bundled data, split seed 0, C = 1, 100 iterations.
With --shard i/N a shard computes part of the cells; \`diffprobe merge\` joins them.

examples:
  diffprobe sweep --manifest public/models/fashion-mnist-ddpm/manifest.json --out sweep/
  diffprobe sweep --manifest m.json --shard 2/4 --out sweep/ && diffprobe merge sweep/ --out sweep-all/`,
};

/** What a shard writes beside its partial grid: its cells and, per timestep, its best cell tested. */
interface ShardCells {
  format: 'diffprobe-sweep-cells';
  version: 1;
  cells: { b: number; j: number; cell: SweepCell }[];
  candidates: {
    b: number;
    j: number;
    validationAccuracy: number;
    testAccuracy: number | null;
    linearTestAccuracy?: number | null;
  }[];
}

async function writeGrid(out: Output, grid: SweepGrid): Promise<void> {
  await out.write('sweep.csv', gridToCsv(grid));
  await out.write('sweep.json', gridToJson(grid));
  await out.write('sweep.svg', heatmapSvg(grid));
}

export async function runSweepCommand(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const started = Date.now();
  const { flags } = args;
  const outArg = required(flags, 'out', 'sweep');
  const file = await openModelFile(flags, 'sweep');
  const leak = labelLeakText(file.manifest.extraInputs, 'with --condition <input>=<class>');
  if (leak) ctx.err.write(`diffprobe sweep: warning: ${leak}\n`);
  const blocks = blocksOf(flags, file);
  const ts = timesteps(
    flags,
    't',
    [0, 25, 100, 200, 500].filter((t) => t <= maxT(file)),
    maxT(file),
  );
  if (String(flags.pooling ?? 'avg').includes(',')) throw new UsageError('a sweep takes one --pooling');
  const head = headOf(flags);
  const [poolName] = poolingsOf({ ...flags, pooling: headPoolingName(flags, head) });
  const seed = int(flags, 'seed', 0, 0, 0xffffffff);
  const C = num(flags, 'C', 1, 1e-6, 1e6);
  const maxIter = int(flags, 'max-iter', 100, 1, 100_000);
  const shard = resolveShard(str(flags, 'shard'), str(flags, 'shards'), ctx.env);
  const cellOrder = ts.flatMap((_, j) => blocks.map((_, b) => ({ b, j })));
  const [from, to] = shardRange(cellOrder.length, shard);
  if (from === to)
    throw new UsageError(
      `shard ${shard!.index}/${shard!.count} of ${cellOrder.length} cells is empty: use fewer shards`,
    );
  const cacheDir = cacheDirOf(flags, ctx.env);
  const target = shard ? `${outArg.replace(/\/+$/, '')}/${shardDirName(shard)}` : outArg;
  const output = await Output.create(target, { force: flags.force === true });
  return await withOutput(output, async (out) => {
    const data = await labelledData(flags, file);
    for (const note of data.notes) ctx.err.write(`note: ${note}\n`);
    if (data.polarity) ctx.out(summarisePolarity(data.polarity.map((d) => d.polarity)));
    const model = await startSession(flags, file);
    try {
      const pooling = POOLING_BY_NAME[poolName];
      const spec = featureSpec(model, data, { blocks, timesteps: ts, seed, pooling });
      const rt = createNodeRuntime({ model, cacheDir });
      const mine = cellOrder.slice(from, to);
      const progress = createProgress(ctx.err, 'sweep', 2 * mine.length, 'units', {
        quiet: flags.quiet === true,
      });
      let grid: SweepGrid;
      let status: 'done' | 'stopped';
      let cellsFile: ShardCells | null = null;
      const origin = nodeOrigin(model, nodeRuntimeVersion());
      const headReq = { head, maps: blockMaps(model.manifest), origin };
      if (!shard) {
        ({ grid, status } = await runSweep(
          rt,
          { spec, split: data.split, C, maxIter, ...headReq },
          data.input,
          {
            onProgress: (done, _total, note) => progress.update(done, note),
          },
        ));
      } else {
        // One sub-sweep per timestep of this shard, over its blocks there; the provenance is the
        // whole grid's, as a single run's is (merge keeps it).
        grid = {
          ...emptyGrid(spec, { C, maxIter, head }),
          provenance: await sweepProvenance(
            { spec, split: data.split, C, maxIter, head },
            origin,
            data.input(splitIds(data.split)),
          ),
        };
        status = 'done';
        cellsFile = { format: 'diffprobe-sweep-cells', version: 1, cells: [], candidates: [] };
        let before = 0;
        for (const j of [...new Set(mine.map((c) => c.j))]) {
          const bs = mine.filter((c) => c.j === j).map((c) => c.b);
          const sub = await runSweep(
            rt,
            {
              spec: { ...spec, blocks: bs.map((b) => blocks[b]), timesteps: [ts[j]] },
              split: data.split,
              C,
              maxIter,
              ...headReq,
              origin: undefined,
            },
            data.input,
            { onProgress: (done, _total, note) => progress.update(before + done, note) },
          );
          before += 2 * bs.length;
          if (sub.status !== 'done') throw new DiffProbeError('cancelled', 'sweep stopped');
          for (const [sb, b] of bs.entries()) {
            const cell = sub.grid.cells[sb][0];
            if (!cell) continue;
            grid = withCell(grid, b, j, cell);
            cellsFile.cells.push({ b, j, cell });
          }
          const c = sub.grid.chosen;
          if (c)
            cellsFile.candidates.push({
              b: blocks.indexOf(c.block),
              j,
              validationAccuracy: c.validationAccuracy,
              testAccuracy: c.testAccuracy,
              ...(head ? { linearTestAccuracy: c.linearTestAccuracy ?? null } : {}),
            });
        }
      }
      progress.finish(status);
      grid = { ...grid, provenance: await withImageFiles(grid.provenance, data) };
      await writeGrid(out, grid);
      if (cellsFile) await out.write('cells.json', `${JSON.stringify(cellsFile, null, 1)}\n`);
      const settings = withHead({ blocks, timesteps: ts, pooling: poolName, seed, C, maxIter }, head);
      const record = await runRecord(
        ctx,
        'sweep',
        {
          model: { sha256: model.hash, numbersKey: numbersKey(model.manifest) },
          images: data.identity,
          settings,
        },
        {
          images: data.record,
          settings: { ...settings, cache: rt.stats },
          cells: { order: 't, then block', total: cellOrder.length, from, to },
          chosen: grid.chosen,
        },
        { shard, model, started },
      );
      await out.commit(record);
      const c = grid.chosen;
      const adds =
        head && c && !shard
          ? headAddsText({
              head: head.kind,
              block: c.block,
              t: c.t,
              testAccuracy: c.testAccuracy,
              linearTestAccuracy: c.linearTestAccuracy ?? null,
            })
          : null;
      if (adds) ctx.out(adds);
      ctx.out(
        shard
          ? `sweep shard ${shard.index}/${shard.count}: ${to - from} of ${cellOrder.length} cells, written to ${out.target}`
          : `sweep of ${blocks.length} blocks × ${ts.length} timesteps: best ${c ? `${c.block} at t = ${c.t}, validation ${(100 * c.validationAccuracy).toFixed(2)}%, test ${c.testAccuracy === null ? '–' : `${(100 * c.testAccuracy).toFixed(2)}%`}` : '–'}; written to ${out.target}`,
      );
      return 0;
    } finally {
      await model.unet.release();
    }
  });
}

/** Joins sweep shards: every cell into one grid, the best cell chosen and its measured test accuracy. */
async function mergeSweep(_ctx: CliContext, shards: ShardOutput[], out: Output) {
  const parts: ShardCells[] = [];
  for (const s of shards) {
    try {
      parts.push(JSON.parse(await readFile(join(s.dir, 'cells.json'), 'utf8')));
    } catch {
      throw new UsageError(`${s.dir} has no readable cells.json: is it a sweep shard?`);
    }
  }
  const first = JSON.parse(await readFile(join(shards[0].dir, 'sweep.json'), 'utf8'));
  let grid = emptyGrid(first.spec, {
    C: first.C,
    maxIter: first.maxIter,
    head: first.head ?? null,
    linearPooling: first.linearPooling,
  });
  grid = { ...grid, provenance: first.provenance ?? null };
  for (const p of parts)
    for (const { b, j, cell } of p.cells)
      grid = withCell(grid, b, j, {
        validationAccuracy: cell.validationAccuracy,
        trainAccuracy: cell.trainAccuracy,
        model: cell.model,
      });
  const best = bestCell(grid);
  if (best) {
    const tested = parts.flatMap((p) => p.candidates).find((c) => c.b === best.b && c.j === best.j);
    if (!tested)
      throw new DiffProbeError('internal', `no shard tested the best cell ${best.block} at t = ${best.t}`);
    grid = {
      ...grid,
      chosen: {
        block: best.block,
        t: best.t,
        validationAccuracy: best.accuracy,
        testAccuracy: tested.testAccuracy,
        ...(grid.head ? { linearTestAccuracy: tested.linearTestAccuracy ?? null } : {}),
      },
    };
  }
  await writeGrid(out, grid);
  const computed = parts.reduce((s, p) => s + p.cells.length, 0);
  return { summary: `merged ${shards.length} shards (${computed} cells)`, record: { chosen: grid.chosen } };
}

registerMerger('sweep', mergeSweep);
