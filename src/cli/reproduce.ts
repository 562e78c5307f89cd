/**
 * @file `reproduce`: re-runs an export (a probe, a head, a sweep, a feature set) from its
 * provenance record alone (pipeline/provenance.ts) and compares the numbers one by one.
 *
 * - The model: the record's manifest, with the .onnx whose SHA-256 the record gives — found among
 *   the bundled models (public/models/*), or given with --model. Nothing else is read from disk.
 * - The images: the bundled data set's by id ("train:12"); the user's ("upload:<sha256 prefix>")
 *   from the --images folder, matched by the content hash of each file, and inverted exactly when
 *   the record says they were. Every image's x₀ is checked against the record's hash.
 * - The computation: the same pipeline code as `probe`, `sweep` and the app (pipeline/probe-run.ts,
 *   sweep-run.ts, features.ts) with every setting from the record.
 *
 * Tolerances: accuracies ±0.5 point (a probe's solver may stop an iteration apart on features that
 * differ in the 6th digit), features ±1e-4. Prints each difference and ends with
 * `reproduced N of M numbers within tolerance`; exit 1 when N < M or an image differs.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiffProbeError } from '../core/errors';
import { blockMaps } from '../core/heads/layout';
import { convertRgba, modelInputSpec } from '../core/image/convert';
import { decodeImageFile } from '../core/image/decode';
import { decodeSizeFor } from '../core/image/file';
import { scheduleFromManifest } from '../core/schedule';
import { nodeJpeg } from '../engine/jpeg-node';
import { nodeRuntimeVersion } from '../engine/onnx-node';
import { imageHashes } from '../pipeline/cache-key';
import { extractAt } from '../pipeline/features';
import type { ImageInput } from '../pipeline/probe-run';
import { probeToJson, runProbe } from '../pipeline/probe-run';
import { nodeOrigin, type Provenance, readProvenance } from '../pipeline/provenance';
import type { LabelledSplit } from '../pipeline/split';
import { gridToJson } from '../pipeline/sweep-grid';
import { runSweep } from '../pipeline/sweep-run';
import { type CommandSpec, type ParsedArgs, required, str, UsageError } from './args';
import { CACHE_OPTIONS, cacheDirOf, MODEL_OPTIONS, OUTPUT_OPTIONS, startSession } from './common';
import { type CliContext, runRecord } from './context';
import { bundledSet, type ImageSet } from './images';
import type { ModelFile } from './load';
import { Output, withOutput } from './output';
import { createProgress } from './progress';
import { createNodeRuntime } from './runtime';

export const REPRODUCE_SPEC: CommandSpec = {
  name: 'reproduce',
  summary: 're-run an export (probe, sweep, features) from its provenance and compare it number by number',
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
      help: 'the model file, when it is not one of the bundled models (its SHA-256 is checked)',
    },
    ...MODEL_OPTIONS.filter((o) => o.name !== 'manifest'),
    ...CACHE_OPTIONS,
    ...OUTPUT_OPTIONS,
  ],
  details: `Tolerances: accuracies ±0.5 point, features ±1e-4. Exit 0 when every number is within them, 1 otherwise.

examples:
  diffprobe reproduce diffprobe-probe.json --out again/
  diffprobe reproduce diffprobe-sweep.json --images my-photos/ --out again/`,
};

/** ±0.5 point for accuracies, ±1e-4 for features. */
export const TOLERANCE = { accuracy: 0.005, feature: 1e-4 } as const;

export interface Comparison {
  what: string;
  expected: number | null;
  got: number | null;
  tolerance: number;
  ok: boolean;
}

export function compare(
  what: string,
  expected: number | null,
  got: number | null,
  tolerance: number,
): Comparison {
  const ok =
    expected === null || got === null
      ? expected === got
      : Number.isFinite(expected) && Number.isFinite(got) && Math.abs(expected - got) <= tolerance;
  return { what, expected, got, tolerance, ok };
}

const ROOTS = [
  resolve('public/models'),
  // dist-cli/diffprobe.js and src/cli/reproduce.ts, each below the repository root.
  fileURLToPath(new URL('../public/models', import.meta.url)),
  fileURLToPath(new URL('../../public/models', import.meta.url)),
];

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function tryRead(path: string): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await readFile(path));
  } catch {
    return null;
  }
}

/**
 * The model file of the record: --model, else a bundled model whose manifest names the same
 * SHA-256. Its manifest is the record's; the bundled manifest's folder only anchors relative paths
 * (the data set).
 */
async function locateModel(p: Provenance, modelFlag: string | undefined): Promise<ModelFile> {
  const [onnx, ...external] = p.model.files;
  if (external.length)
    throw new DiffProbeError(
      'model-unsupported',
      `the model keeps its weights in external data (${external.map((f) => f.name).join(', ')}): the CLI opens single-file models only`,
    );
  const want = onnx.sha256.toLowerCase();
  const candidates: { onnx: string; anchor: string }[] = [];
  if (modelFlag)
    candidates.push({ onnx: resolve(modelFlag), anchor: join(dirname(resolve(modelFlag)), 'manifest.json') });
  else
    for (const root of new Set(ROOTS)) {
      let dirs: string[] = [];
      try {
        dirs = (await readdir(root, { withFileTypes: true }))
          .filter((d) => d.isDirectory())
          .map((d) => d.name);
      } catch {
        continue;
      }
      for (const d of dirs) {
        const manifestPath = join(root, d, 'manifest.json');
        const text = await tryRead(manifestPath);
        if (!text) continue;
        try {
          const m = JSON.parse(new TextDecoder().decode(text));
          if (String(m?.model?.sha256 ?? '').toLowerCase() === want)
            candidates.push({ onnx: join(root, d, m.model.file), anchor: manifestPath });
        } catch {}
      }
    }
  for (const c of candidates) {
    const bytes = await tryRead(c.onnx);
    if (!bytes) continue;
    const hash = sha256(bytes);
    if (hash !== want) {
      if (modelFlag)
        throw new DiffProbeError(
          'model-mismatch',
          `--model ${modelFlag} has sha256 ${hash.slice(0, 12)}…; the export was computed with ${onnx.name} of sha256 ${want.slice(0, 12)}…`,
        );
      continue;
    }
    const manifest = p.model.manifest;
    return {
      manifest,
      manifestPath: c.anchor,
      sha256: hash,
      bytes,
      alphasCumprod: scheduleFromManifest(manifest.schedule).alphasCumprod,
    };
  }
  throw new DiffProbeError(
    'model-missing',
    `the export was computed with ${p.model.name} (${onnx.name}, sha256 ${want.slice(0, 12)}…), which is not a bundled model: give its .onnx with --model`,
  );
}

/** Every file under `dir`, by its SHA-256 (full, and its first 12 hex digits: the app's upload ids). */
async function filesByContent(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (error) {
      throw new UsageError(`--images ${dir}: cannot read ${d}: ${(error as NodeJS.ErrnoException).code}`);
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const path = join(d, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.isFile()) {
        const hash = sha256(new Uint8Array(await readFile(path)));
        out.set(hash, path);
        out.set(hash.slice(0, 12), path);
      }
    }
  };
  await walk(dir);
  return out;
}

/** The ids of the user's images the record says were inverted before they reached the model. */
function invertedIds(p: Provenance): Set<string> {
  const s = p.settings;
  return new Set('spec' in s ? (s.spec.data.inverted ?? []) : []);
}

/**
 * x₀ of every image of the record, in its order, and the ids whose x₀ differs from the record's
 * hash (other bytes, another decoder, other preprocessing).
 */
async function recordImages(
  p: Provenance,
  file: ModelFile,
  imagesDir: string | undefined,
): Promise<{ input: ImageInput; differ: string[] }> {
  const { ids } = p.images;
  const { channels, height, width } = file.manifest.input;
  const pixels = channels * height * width;
  const all = new Float32Array(ids.length * pixels);
  const sets = new Map<string, ImageSet>();
  const bundled = async (split: string) => {
    let set = sets.get(split);
    if (!set) {
      set = await bundledSet(file.manifest, file.manifestPath, split);
      sets.set(split, set);
    }
    return set;
  };
  // An image file is found by its full hash (the CLI's folders) or its upload id's prefix (the app's).
  const contentKey = (i: number): string | null =>
    p.images.files?.[i] ?? (ids[i].startsWith('upload:') ? ids[i].slice('upload:'.length) : null);
  const uploads = ids.flatMap((id, i) => (contentKey(i) ? [id] : []));
  let byContent = new Map<string, string>();
  if (uploads.length) {
    if (!imagesDir)
      throw new UsageError(
        `the export used ${uploads.length} of your own images: give the folder that holds them with --images <dir> (matched by content, any names)`,
      );
    byContent = await filesByContent(imagesDir);
    const missing = ids.filter((_, i) => {
      const key = contentKey(i);
      return key !== null && !byContent.has(key);
    });
    if (missing.length)
      throw new UsageError(
        `--images ${imagesDir}: ${missing.length} of the export's ${uploads.length} images are not in it (matched by content): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
      );
  }
  const inverted = invertedIds(p);
  // Bundled rows grouped per split, so each split converts in one call.
  const bySplit = new Map<string, { rows: number[]; at: number[] }>();
  for (const [i, id] of ids.entries()) {
    const key = contentKey(i);
    const m = key ? null : /^(train|test):(\d+)$/.exec(id);
    if (m) {
      const g = bySplit.get(m[1]) ?? { rows: [], at: [] };
      bySplit.set(m[1], g);
      g.rows.push(Number(m[2]));
      g.at.push(i);
      continue;
    }
    const path = key ? byContent.get(key) : undefined;
    if (!path)
      throw new UsageError(
        `image ${JSON.stringify(id)} came from an IDX or .npy file, which the record cannot point to: reproduce covers the bundled data set and image files`,
      );
    // The decision the record holds, not a new one: an override in the browser is kept.
    const target = modelInputSpec(file.manifest, inverted.has(id) ? 'always' : 'never');
    // Decoded as the browser and `extract` decode it: a JPEG at the DCT scale the model's size asks for.
    const {
      rgba,
      width: w,
      height: h,
    } = await decodeImageFile(new Uint8Array(await readFile(path)), path, {
      jpeg: nodeJpeg,
      atLeast: decodeSizeFor(target),
    });
    all.set(convertRgba(rgba, w, h, target).x0, i * pixels);
  }
  for (const [split, g] of bySplit) {
    const x0 = await (await bundled(split)).modelInput(g.rows, file.manifest);
    for (const [j, i] of g.at.entries()) all.set(x0.subarray(j * pixels, (j + 1) * pixels), i * pixels);
  }
  const hashes = await imageHashes(all, ids.length, pixels);
  const differ = ids.filter((_, i) => hashes[i] !== p.images.x0[i]);
  const position = new Map(ids.map((id, i) => [id, i]));
  const input: ImageInput = (wanted) => {
    const out = new Float32Array(wanted.length * pixels);
    for (const [i, id] of wanted.entries()) {
      const at = position.get(id);
      if (at === undefined) throw new DiffProbeError('internal', `image ${id} is not in the export`);
      out.set(all.subarray(at * pixels, (at + 1) * pixels), i * pixels);
    }
    return out;
  };
  return { input, differ };
}

/** The record's split: its ids per part, with the labels it was computed with. */
function recordSplit(p: Provenance): LabelledSplit {
  const s = p.settings;
  if (!('spec' in s)) throw new DiffProbeError('internal', 'this record has no split');
  const { labels, classes, ids } = p.images;
  if (!labels || !classes) throw new UsageError('the export records no labels for its images');
  const label = new Map(ids.map((id, i) => [id, labels[i]]));
  const part = (list: string[]) => ({
    ids: [...list],
    labels: Int32Array.from(list, (id) => label.get(id)!),
  });
  const { train, validation, test } = s.spec.data.ids;
  return { classes: [...classes], train: part(train), validation: part(validation), test: part(test) };
}

const fmt = (v: number | null) => (v === null ? 'none' : String(Number(v.toPrecision(7))));

function describeComparison(c: Comparison): string {
  const diff = c.expected !== null && c.got !== null ? Math.abs(c.expected - c.got) : null;
  return `${c.ok ? 'ok  ' : 'DIFF'} ${c.what}: export ${fmt(c.expected)}, reproduced ${fmt(c.got)}${diff !== null ? ` (difference ${diff.toExponential(2)}, tolerance ${c.tolerance})` : ''}`;
}

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
  if (p.settings.kind === 'embedding')
    throw new UsageError(
      `${exportPath} is an embedding: its provenance is complete, but reproduce re-runs probes, heads, sweeps and feature sets only`,
    );
  const file = await locateModel(p, str(flags, 'model'));
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
      const acc = (what: string, expected: unknown, got: number | null) =>
        comparisons.push(compare(what, (expected as number | null) ?? null, got, TOLERANCE.accuracy));
      const s = p.settings;
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
      } else {
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
          const dim = f.dims[block];
          const rows = exported?.[block] ?? [];
          for (const [i, id] of ids.entries())
            for (let k = 0; k < dim; k++)
              comparisons.push(
                compare(
                  `${id} ${block}[${k}]`,
                  rows[i]?.[k] ?? null,
                  f.features[block][i * dim + k],
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
      }
      // Few numbers (accuracies): every one; many (features): each difference, then the largest.
      const shown = comparisons.length <= 200 ? comparisons : comparisons.filter((c) => !c.ok);
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
      ctx.out(`largest difference ${maxDiff.toExponential(2)}`);
      ctx.out(`reproduced ${okCount} of ${comparisons.length} numbers within tolerance`);
      return okCount === comparisons.length && differ.length === 0 ? 0 : 1;
    } finally {
      await model.unet.release();
    }
  });
}
