/**
 * @file `inspect <model.onnx>`: what the browser's discovery finds in a bare ONNX (the roles of its
 * inputs, the prediction output, every candidate block) and the manifest DiffProbe would use;
 * `--save-manifest` writes it, `--check` runs the denoising check that finds the timestep
 * convention (pipeline/denoising-check.ts) on a few images.
 */
import { writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { describeExtraFeed } from '../core/conditioning/extra-feeds';
import type { Manifest } from '../core/manifest/types';
import { scheduleFromManifest } from '../core/schedule';
import { describeFeed, TIMESTEP_CONVENTIONS } from '../core/timestep/convention';
import { conventionMismatch, nameOf } from '../core/timestep/denoising-check';
import type { ModelDiscoveryResult } from '../engine/discover';
import { type DenoisingCheckResult, denoisingCheck } from '../pipeline/denoising-check';
import { type CommandSpec, int, type ParsedArgs, str, UsageError } from './args';
import { bareManifest, discoverBare } from './bare';
import {
  DATA_OPTIONS,
  MODEL_OPTIONS,
  openModelFile,
  QUIET_OPTION,
  SEED_OPTION,
  selectRows,
  startSession,
  threadsOf,
} from './common';
import type { CliContext } from './context';
import { openImageSet } from './images';
import { loadConstants, type ModelFile, modelHash, readFileBytes } from './load';
import { createProgress } from './progress';

export const INSPECT_SPEC: CommandSpec = {
  name: 'inspect',
  summary: 'what DiffProbe finds in a bare ONNX: input roles, candidate blocks, the manifest it would use',
  positionals: { name: '<model.onnx>', min: 0, max: 1 },
  options: [
    ...MODEL_OPTIONS.filter((o) => !['batch'].includes(o.name)),
    {
      name: 'blocks',
      value: 'a,b',
      help: 'the candidate blocks the manifest takes',
      default: 'the preselected ones',
    },
    {
      name: 'save-manifest',
      value: '<manifest.json>',
      help: 'write the manifest (a float timestep needs --timestep-convention)',
    },
    {
      name: 'check',
      help: 'run the denoising check: the prediction error under each timestep convention on 4 images at 5 t',
    },
    ...DATA_OPTIONS.filter((o) => ['data', 'labels'].includes(o.name)).map((o) =>
      o.name === 'data'
        ? { ...o, help: `${o.help}: the images --check runs on`, default: 'bundled:test' }
        : o,
    ),
    { ...SEED_OPTION, help: 'noise seed for --check' },
    QUIET_OPTION,
  ],
  details: `The roles, the prediction output and every candidate block (● = preselected, as the browser opens
the model), then the manifest. A float timestep's meaning cannot be read from the graph: the manifest
leaves it unstated until --timestep-convention says it, and --check finds it on a trained model.

examples:
  diffprobe inspect model.onnx
  diffprobe inspect model.onnx --check
  diffprobe inspect model.onnx --timestep-convention fraction --save-manifest model.manifest.json`,
};

function dims(d: readonly (number | string | null)[] | null): string {
  return d ? `[${d.map((x) => (typeof x === 'number' ? x : 'N')).join(', ')}]` : '(no shape)';
}

function describeRoles(found: ModelDiscoveryResult, manifest: Manifest, stated: boolean): string[] {
  const { roles } = found;
  const t = manifest.timestep;
  const lines = [
    'inputs:',
    `  image      ${roles.image.name}  float32 [N, ${found.imageDims.slice(1).join(', ')}]${roles.imageCandidates.length > 1 ? ` (of ${roles.imageCandidates.join(', ')})` : ''}`,
    `  timestep   ${t.name}  ${t.dtype} ${dims(t.rank === 0 ? [] : ['N', ...Array((t.rank ?? 1) - 1).fill(1)])}${
      stated || !t.dtype.startsWith('float')
        ? ` — ${t.convention ?? 'index'}`
        : ` — convention NOT stated: a ${t.dtype} timestep may mean ${TIMESTEP_CONVENTIONS.map((c) => c.formula.split(',')[0]).join(', ')}; give --timestep-convention (${TIMESTEP_CONVENTIONS.map((c) => c.id).join('|')}), or find it with --check`
    }`,
  ];
  for (const e of manifest.extraInputs ?? [])
    lines.push(
      `  ${e.class ? 'class   ' : 'extra   '}   ${e.name}  ${e.dtype} [${e.batched ? ['N', ...e.shape].join(', ') : e.shape.join(', ')}] — ${
        e.class ? `${e.class.count} classes (${e.class.encoding}); ` : ''
      }${describeExtraFeed(e, manifest.classes)}`,
    );
  lines.push(
    `prediction: ${found.prediction.output}, ${found.prediction.channels} channel${found.prediction.channels > 1 ? 's' : ''}${found.prediction.learnedVariance ? ' (learned variance: the first half is the prediction)' : ''}; read as ${manifest.prediction.type}`,
  );
  return lines;
}

function describeBlocks(found: ModelDiscoveryResult, manifest: Manifest): string[] {
  const chosen = new Set(manifest.blocks.map((b) => b.name));
  const width = Math.min(60, Math.max(...found.blocks.map((b) => b.name.length), 5));
  const lines = [
    `candidate blocks (${found.blocks.length}; ● = in the manifest, ${chosen.size}):`,
    ...found.blocks.map(
      (b) =>
        `  ${chosen.has(b.name) ? '●' : '·'} ${b.name.padEnd(width)}  ${`${b.stage} ${b.level}`.padEnd(6)}  ${`${b.resolution[0]}×${b.resolution[1]}`.padEnd(7)}  ${String(b.channels).padStart(4)}  ${b.reasons.join(', ')}`,
    ),
  ];
  return lines;
}

async function runCheck(ctx: CliContext, flags: ParsedArgs['flags'], file: ModelFile): Promise<string[]> {
  const set = await openImageSet(
    str(flags, 'data') ?? 'bundled:test',
    str(flags, 'labels') ?? null,
    file.manifest,
    file.manifestPath,
  );
  const { rows } = selectRows({ count: String(Math.min(4, set.count)) }, set);
  const model = await startSession(flags, file);
  try {
    const x0 = await set.modelInput(rows, file.manifest);
    let progress: ReturnType<typeof createProgress> | null = null;
    const result = await denoisingCheck(
      model.unet,
      x0,
      rows.length,
      { seed: int(flags, 'seed', 0, 0, 0xffffffff) },
      (done, total) => {
        progress ??= createProgress(ctx.err, 'denoising check', total, 'runs', {
          quiet: flags.quiet === true,
        });
        progress.update(done);
      },
    );
    (progress as ReturnType<typeof createProgress> | null)?.finish();
    const head = ['convention (reading)', ...result.timesteps.map((t) => `t=${t}`), 'mean'];
    const table = result.rows.map((r) => [
      `${nameOf(r)} (${r.type})`,
      ...r.relative.map((v) => (Number.isFinite(v) ? v.toPrecision(3) : 'NaN')),
      Number.isFinite(r.score) ? r.score.toPrecision(3) : 'NaN',
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
    const fmt = (row: string[]) =>
      `  ${row.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ')}`;
    return [
      `denoising check on ${rows.length} images of ${String(set.source.name ?? set.source.kind)} (noise seed ${str(flags, 'seed', '0')}): error of the prediction relative to an all-zero output (1 = no denoising)`,
      fmt(head),
      ...table.map(fmt),
      ...(result.skipped.length
        ? [`  (${result.skipped.join(', ')}: not for an ${file.manifest.timestep.dtype} timestep)`]
        : []),
      result.verdict.text,
      ...mismatchAdvice(result, file),
    ];
  } finally {
    await model.unet.release();
  }
}

/** The check's recommendation when the model is fed under another convention, with what to do. */
function mismatchAdvice(result: DenoisingCheckResult, file: ModelFile): string[] {
  const { rows, verdict, manifestConvention, manifestType } = result;
  const note = conventionMismatch(rows, verdict, manifestConvention);
  const best = rows.find((r) => r.convention === verdict.best);
  if (!note || !best) return [];
  // EDM's output is x̂_0 (prediction "sample"); another convention keeps the check's best reading.
  const type = best.convention === 'sigma' ? 'sample' : best.type;
  const fix = file.manifestPath
    ? `Set timestep.convention to "${best.convention}"${type !== manifestType ? ` and prediction.type to "${type}"` : ''} in ${file.manifestPath}`
    : `Pass --timestep-convention ${best.convention}${type !== manifestType && best.convention !== 'sigma' ? ` --prediction ${type}` : ''}`;
  return [`${note} ${fix}.`];
}

export async function runInspect(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const flags = { ...args.flags };
  const positional = args.positionals[0];
  if (positional && flags.model !== undefined)
    throw new UsageError('give the model once: inspect <model.onnx> or --model');
  if (positional) flags.model = positional;
  const modelPath = str(flags, 'model');
  if (!modelPath && !flags.manifest) throw new UsageError('inspect needs <model.onnx> (or --manifest)');
  const lines: string[] = [];
  let file: ModelFile | null = null;
  if (flags.manifest === undefined) {
    const bytes = await readFileBytes(modelPath!);
    const found = await discoverBare(bytes.bytes, flags, threadsOf(flags));
    const saving = flags['save-manifest'] !== undefined;
    const stated = flags['timestep-convention'] !== undefined;
    const { manifest } = bareManifest(
      found,
      flags,
      { path: modelPath!, bytes: bytes.bytes.length, sha256: bytes.sha256 },
      { requireConvention: saving },
    );
    lines.push(
      `${basename(modelPath!)} — ${(bytes.bytes.length / 2 ** 20).toFixed(1)} MB, sha256 ${bytes.sha256.slice(0, 16)}…, ${found.counts.nodes} nodes; found in ${Math.round(found.timings.totalMs)} ms (${found.counts.runs} dry run${found.counts.runs > 1 ? 's' : ''})`,
      ...describeRoles(found, manifest, stated),
      ...found.roles.notes.map((n) => `note: ${n}`),
      ...describeBlocks(found, manifest),
    );
    const loaded = await loadConstants(manifest, dirname(modelPath!));
    file = {
      manifest: loaded.manifest,
      manifestPath: null,
      modelPath: modelPath!,
      sha256: bytes.sha256,
      hash: await modelHash(bytes.bytes, bytes.sha256, modelPath!),
      bytes: bytes.bytes,
      alphasCumprod: scheduleFromManifest(manifest.schedule).alphasCumprod,
      constants: loaded.constants,
    };
    const abar = file.alphasCumprod;
    const t = Math.min(100, abar.length - 1);
    lines.push(
      `fed at t = ${t}: ${describeFeed(manifest.timestep.convention ?? 'index', t, abar.length, abar[t], manifest.timestep.dtype, manifest.timestep.sigmaData)}${stated ? '' : ' (until --timestep-convention says otherwise)'}`,
    );
    if (saving) {
      await writeFile(str(flags, 'save-manifest')!, `${JSON.stringify(manifest, null, 2)}\n`);
      lines.push(
        `manifest written to ${str(flags, 'save-manifest')} (\`diffprobe validate\` checks it; put it beside ${basename(modelPath!)})`,
      );
    } else lines.push('manifest (--save-manifest writes it):', JSON.stringify(manifest, null, 2));
  } else {
    file = await openModelFile(flags, 'inspect');
    lines.push(
      `${file.manifest.name} — opened with its manifest ${file.manifestPath}; ${file.manifest.blocks.length} blocks`,
    );
  }
  if (flags.check && file) lines.push(...(await runCheck(ctx, flags, file)));
  ctx.out(lines.join('\n'));
  return 0;
}
