/**
 * @file `reproduce`: re-runs an export (a probe, a head, a sweep, a feature set, an embedding, a
 * CKA matrix) from its provenance record alone (pipeline/provenance.ts) and compares the numbers
 * one by one.
 *
 * - The model: the record's manifest, with the .onnx whose SHA-256 the record gives — found among
 *   the bundled models (public/models/*), or given with --model; a random-weights twin is made
 *   again from its trained model and init seed (cli/reproduce-inputs.ts).
 * - The images: the bundled data set's by id ("train:12"); the user's ("upload:<sha256 prefix>")
 *   from the --images folder, matched by the content hash of each file, and inverted exactly when
 *   the record says they were. Every image's x₀ is checked against the record's hash.
 * - The computation: the same pipeline code as the CLI's commands and the app (pipeline/probe-run.ts,
 *   sweep-run.ts, features.ts, cka-run.ts, the worker's embed handler) with every setting from the
 *   record; CKA and embeddings in cli/reproduce-cka.ts and reproduce-embedding.ts.
 *
 * Tolerances (cli/reproduce-compare.ts): accuracies ±0.5 point, features and CKA values ±1e-4, PCA
 * coordinates up to each component's sign, t-SNE and UMAP by what their layout means. Prints each
 * difference and ends with `reproduced N of M numbers within tolerance`; exit 1 when N < M or an
 * image differs.
 */

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DiffProbeError } from '../core/errors';
import { blockMaps } from '../core/heads/layout';
import { nodeRuntimeVersion } from '../engine/onnx-node';
import { extractAt } from '../pipeline/features';
import { probeToJson, runProbe } from '../pipeline/probe-run';
import { nodeOrigin, readProvenance } from '../pipeline/provenance';
import { gridToJson } from '../pipeline/sweep-grid';
import { runSweep } from '../pipeline/sweep-run';
import { type CommandSpec, type ParsedArgs, required, str, UsageError } from './args';
import { CACHE_OPTIONS, cacheDirOf, MODEL_OPTIONS, OUTPUT_OPTIONS, startSession } from './common';
import { type CliContext, runRecord } from './context';
import { Output, withOutput } from './output';
import { createProgress } from './progress';
import { reproduceCka } from './reproduce-cka';
import { type Comparison, compare, compareRows, describeComparison, TOLERANCE } from './reproduce-compare';
import { reproduceEmbedding } from './reproduce-embedding';
import { locateModel, locateTwin, recordImages, recordSplit } from './reproduce-inputs';
import { createNodeRuntime } from './runtime';

export { compare, TOLERANCE } from './reproduce-compare';

export const REPRODUCE_SPEC: CommandSpec = {
  name: 'reproduce',
  summary:
    're-run an export (probe, sweep, features, embedding, CKA) from its provenance and compare it number by number',
  positionals: { name: '<export.json>', min: 1, max: 1 },
  options: [
    { name: 'out', value: '<dir>', help: 'output directory (the re-run export and reproduce.json)' },
    {
      name: 'images',
      value: '<dir>',
      help: 'a folder holding the user’s images the export used (matched by content, any names)',
    },
    {
      name: 'model',
      value: '<file.onnx>',
      help: 'the model file, when it is not one of the bundled models (its SHA-256 is checked; for a random-weights twin: the trained model)',
    },
    {
      name: 'versus-model',
      value: '<file.onnx>',
      help: 'a CKA matrix between two models: the second one, when it is not bundled',
    },
    ...MODEL_OPTIONS.filter((o) => o.name !== 'manifest'),
    ...CACHE_OPTIONS,
    ...OUTPUT_OPTIONS,
  ],
  details: `Tolerances: accuracies ±0.5 point, features and CKA values ±1e-4, PCA coordinates ±1e-4·√d up to
each component's sign; t-SNE and UMAP layouts by their 10-NN accuracy (three standard errors, at least
3 points) and trustworthiness (±0.015), as their coordinates are chaotic.
Exit 0 when every number is within them, 1 otherwise.

examples:
  diffprobe reproduce diffprobe-probe.json --out again/
  diffprobe reproduce diffprobe-sweep.json --images my-photos/ --out again/
  diffprobe reproduce diffprobe-cka.json --out again/
  diffprobe reproduce embedding_tsne_up1_0_t100_avg.json --out again/`,
};

export async function runReproduce(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const started = Date.now();
  const { flags } = args;
  const exportPath = args.positionals[0];
  const outArg = required(flags, 'out', 'reproduce');
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(exportPath, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read ${exportPath} as JSON: ${(error as Error).message}`);
  }
  const p = readProvenance(json);
  if (!p)
    throw new UsageError(
      `${exportPath} has no provenance record (format ${JSON.stringify(json?.format ?? null)}): export it again with this version of DiffProbe`,
    );
  const s = p.settings;
  const modelFlag = { name: 'model', path: str(flags, 'model') };
  // The rows' model of a CKA matrix may itself be a random-weights twin: made again from its seed.
  const file =
    s.kind === 'cka' && s.twin
      ? await locateTwin(p.model, s.twin, null, modelFlag)
      : await locateModel(p.model, modelFlag);
  const cacheDir = cacheDirOf(flags, ctx.env);
  const output = await Output.create(outArg, { force: flags.force === true });
  return withOutput(output, async (out) => {
    const { input, differ } = await recordImages(p, file, str(flags, 'images'));
    for (const id of differ) ctx.out(`DIFF image ${id}: x₀ differs from the export's (content hash)`);
    const model = await startSession(flags, file);
    try {
      const quiet = flags.quiet === true;
      const rt = createNodeRuntime({
        model,
        cacheDir,
        progress: (label, total, unit) => createProgress(ctx.err, label, total, unit, { quiet }),
      });
      const origin = nodeOrigin(model, nodeRuntimeVersion());
      const comparisons: Comparison[] = [];
      const notes: string[] = [];
      const acc = (what: string, expected: unknown, got: number | null) =>
        comparisons.push(compare(what, (expected as number | null) ?? null, got, TOLERANCE.accuracy));
      if (s.kind === 'probe') {
        const state = await runProbe(
          rt,
          {
            spec: s.spec,
            split: recordSplit(p),
            C: s.C,
            maxIter: s.maxIter,
            head: s.head,
            maps: blockMaps(model.manifest),
            origin,
          },
          input,
        );
        const r = state.result;
        if (!r)
          throw new DiffProbeError(
            'probe-data',
            state.problems.join('; ') || 'the probe could not be trained',
          );
        acc('train accuracy', json.trainAccuracy, r.trainAccuracy);
        acc('validation accuracy', json.validationAccuracy, r.validationAccuracy);
        acc('test accuracy', json.testAccuracy, r.testAccuracy);
        await out.write('probe.json', probeToJson(state));
      } else if (s.kind === 'sweep') {
        const cells = json as {
          validationAccuracy?: (number | null)[][];
          trainAccuracy?: (number | null)[][];
        };
        const computed = (j: number) =>
          s.spec.blocks.some((_, b) => cells.validationAccuracy?.[b]?.[j] != null);
        // A stopped sweep: only the timesteps it reached (its choice was among those cells).
        const timesteps = s.spec.timesteps.filter((_, j) => computed(j));
        const { grid } = await runSweep(
          rt,
          {
            spec: { ...s.spec, timesteps },
            split: recordSplit(p),
            C: s.C,
            maxIter: s.maxIter,
            head: s.head,
            maps: blockMaps(model.manifest),
            ...(s.linearPooling ? { linearPooling: s.linearPooling } : {}),
            origin,
          },
          input,
        );
        for (const [b, block] of s.spec.blocks.entries())
          for (const [j, t] of s.spec.timesteps.entries()) {
            const expected = cells.validationAccuracy?.[b]?.[j];
            if (expected == null && cells.trainAccuracy?.[b]?.[j] == null) continue;
            const mine = grid.cells[b]?.[timesteps.indexOf(t)] ?? null;
            acc(`${block} at t = ${t}: validation accuracy`, expected, mine?.validationAccuracy ?? null);
            acc(
              `${block} at t = ${t}: train accuracy`,
              cells.trainAccuracy?.[b]?.[j],
              mine?.trainAccuracy ?? null,
            );
          }
        const chosen = json.chosen as { block: string; t: number; testAccuracy: number | null } | null;
        if (chosen && json.complete !== false) {
          const same = grid.chosen?.block === chosen.block && grid.chosen?.t === chosen.t;
          acc(
            `chosen cell ${chosen.block} at t = ${chosen.t}: test accuracy${same ? '' : ` (the re-run chose ${grid.chosen ? `${grid.chosen.block} at t = ${grid.chosen.t}` : 'none'})`}`,
            chosen.testAccuracy,
            same ? (grid.chosen?.testAccuracy ?? null) : null,
          );
        } else if (chosen)
          ctx.out(
            'note: the sweep was stopped; its chosen cell was the best of the cells computed, so its test accuracy is not compared',
          );
        await out.write('sweep.json', gridToJson(grid));
      } else if (s.kind === 'features') {
        const { ids } = p.images;
        const f = await extractAt(
          rt,
          { model: p.model.id, blocks: s.blocks, timesteps: [s.t], seed: s.seed, pooling: s.pooling },
          s.t,
          ids.length,
          () => input(ids),
          `features at t = ${s.t}`,
        );
        const exported = json.features as Record<string, number[][]>;
        for (const block of s.blocks) {
          const rows = exported?.[block] ?? [];
          comparisons.push(
            ...compareRows(
              ids,
              block,
              f.dims[block],
              (i, k) => rows[i]?.[k] ?? null,
              f.features[block],
              TOLERANCE.feature,
            ),
          );
        }
        await out.write(
          'features.json',
          `${JSON.stringify({
            format: 'diffprobe-features',
            ids,
            features: Object.fromEntries(
              s.blocks.map((b) => [
                b,
                ids.map((_, i) => Array.from(f.features[b].subarray(i * f.dims[b], (i + 1) * f.dims[b]))),
              ]),
            ),
          })}\n`,
        );
      } else {
        const run = { ctx, flags, json, p, model, rt, input, origin, cacheDir, out };
        const outcome = s.kind === 'cka' ? await reproduceCka(run) : await reproduceEmbedding(run);
        comparisons.push(...outcome.comparisons);
        notes.push(...outcome.notes);
        for (const id of outcome.differ)
          ctx.out(`DIFF image ${id}: x₀ differs from the export's (content hash)`);
        differ.push(...outcome.differ);
      }
      // Few numbers (accuracies): every one; many (features): each difference and the headline figures.
      const shown = comparisons.length <= 200 ? comparisons : comparisons.filter((c) => !c.ok || c.headline);
      for (const c of shown.slice(0, 1000)) ctx.out(describeComparison(c));
      if (shown.length > 1000) ctx.out(`… and ${shown.length - 1000} more differences`);
      const okCount = comparisons.filter((c) => c.ok).length;
      const maxDiff = comparisons.reduce(
        (m, c) => (c.expected !== null && c.got !== null ? Math.max(m, Math.abs(c.expected - c.got)) : m),
        0,
      );
      await out.write(
        'reproduce.json',
        `${JSON.stringify(
          {
            format: 'diffprobe-reproduce',
            version: 1,
            export: resolve(exportPath),
            kind: s.kind,
            tolerance: TOLERANCE,
            notes,
            reproduced: okCount,
            numbers: comparisons.length,
            maxAbsDifference: maxDiff,
            imagesDiffering: differ,
            differences: comparisons.filter((c) => !c.ok),
            ...(comparisons.length <= 200 ? { comparisons } : {}),
          },
          null,
          1,
        )}\n`,
      );
      await out.commit(
        await runRecord(
          ctx,
          'reproduce',
          { model: p.model.id, kind: p.settings.kind, images: p.images.x0, settings: p.settings },
          { settings: { export: resolve(exportPath), images: str(flags, 'images') ?? null } },
          { shard: null, model, started },
        ),
      );
      for (const note of notes) ctx.out(`note: ${note}`);
      ctx.out(`largest difference ${maxDiff.toExponential(2)}`);
      ctx.out(`reproduced ${okCount} of ${comparisons.length} numbers within tolerance`);
      return okCount === comparisons.length && differ.length === 0 ? 0 : 1;
    } finally {
      await model.unet.release();
    }
  });
}
