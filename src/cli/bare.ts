/**
 * @file A bare .onnx on the command line (`--model model.onnx`, no manifest): the browser's own
 * discovery (engine/discover.ts, core/onnx/discover*) on onnxruntime-node, then the manifest from
 * what it found and the options that say what discovery cannot know: the timestep convention of a
 * float timestep (never assumed), the schedule, what the network predicts, the conditioning.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiffProbeError } from '../core/errors';
import type { Manifest, ManifestExtraInput, ManifestSchedule, PredictionType } from '../core/manifest/types';
import { validateManifest } from '../core/manifest/validate';
import { type ClassifiedBlock, manifestFromDiscovery } from '../core/onnx/discover';
import { readModel } from '../core/onnx/reader';
import { presetSchedule, type SchedulePresetId } from '../core/schedule';
import { CONVENTION_IDS, TIMESTEP_CONVENTIONS, type TimestepConvention } from '../core/timestep/convention';
import { discoverModel, type ModelDiscoveryResult } from '../engine/discover';
import { nodeRuntime } from '../engine/onnx-node';
import { int, num, type OptionSpec, type ParsedArgs, str, UsageError } from './args';

type Flags = ParsedArgs['flags'];

/** Options that say what a bare model's manifest cannot find in the graph. */
export const BARE_MODEL_OPTIONS: OptionSpec[] = [
  {
    name: 'model',
    value: '<model.onnx>',
    help: 'a bare ONNX U-Net: its inputs and blocks are found as the browser finds them (no manifest needed)',
  },
  {
    name: 'timestep-convention',
    value: CONVENTION_IDS.join('|'),
    help: 'what a bare model’s float timestep means: the step t, t/T, t·1000/T or EDM’s σ (`diffprobe inspect --check` finds it)',
  },
  { name: 'sigma-data', value: 'S', help: 'EDM’s σ_data for --timestep-convention sigma', default: '0.5' },
  {
    name: 'prediction',
    value: 'epsilon|sample|v_prediction',
    help: 'what a bare model predicts',
    default: 'epsilon (sample under sigma)',
  },
  {
    name: 'schedule',
    value: 'linear|cosine|scaled_linear',
    help: 'a bare model’s noise schedule',
    default: 'linear',
  },
  { name: 'schedule-steps', value: 'T', help: 'timesteps of that schedule', default: '1000' },
  {
    name: 'condition',
    value: 'name=V,…',
    help: 'an extra input’s feed: a class (y=3), null (the null class, y=null:10 sets it), label (each image’s own label), or a .npy embedding (encoder_hidden_states=prompt.npy)',
  },
  { name: 'image-input', value: '<name>', help: 'which input is the image, when a bare model has several' },
  { name: 'image-size', value: 'HxW', help: 'the size to run a bare model at when its graph leaves it open' },
];

/** The options above that only a bare model takes (a manifest says these itself). */
export const BARE_ONLY = [
  'timestep-convention',
  'sigma-data',
  'prediction',
  'schedule',
  'schedule-steps',
  'image-input',
  'image-size',
];

function conventionChoices(): string {
  return TIMESTEP_CONVENTIONS.map((c) => `${c.id} (${c.formula.split(',')[0]}: ${c.examples})`).join('; ');
}

/**
 * The timestep convention from --timestep-convention. A float timestep without one is an error
 * that lists the choices: feeding integer steps to a network trained on t/T or σ would compute every
 * feature at the wrong noise level without a word.
 */
export function conventionOf(flags: Flags, dtype: string, input: string): TimestepConvention | undefined {
  const raw = str(flags, 'timestep-convention');
  if (raw !== undefined && !CONVENTION_IDS.includes(raw as TimestepConvention))
    throw new UsageError(
      `--timestep-convention must be one of ${CONVENTION_IDS.join(', ')}, got ${JSON.stringify(raw)}`,
    );
  const convention = raw as TimestepConvention | undefined;
  if (!dtype.startsWith('float')) {
    if (convention && convention !== 'index')
      throw new UsageError(
        `--timestep-convention ${convention}: the timestep input "${input}" is ${dtype}, so it takes only integer steps (index)`,
      );
    return convention;
  }
  if (!convention)
    throw new UsageError(
      `the timestep input "${input}" is ${dtype}: say what it means with --timestep-convention, one of ${conventionChoices()}. \`diffprobe inspect <model.onnx> --check\` finds it on a trained model.`,
    );
  return convention;
}

function scheduleOf(flags: Flags): ManifestSchedule {
  const type = str(flags, 'schedule', 'linear')!;
  const ids: SchedulePresetId[] = ['linear', 'cosine', 'scaled_linear'];
  if (!ids.includes(type as SchedulePresetId))
    throw new UsageError(`--schedule must be one of ${ids.join(', ')}, got ${JSON.stringify(type)}`);
  return presetSchedule(type as SchedulePresetId, int(flags, 'schedule-steps', 1000, 1, 100_000));
}

function predictionOf(flags: Flags): PredictionType | undefined {
  const p = str(flags, 'prediction');
  const types: PredictionType[] = ['epsilon', 'sample', 'v_prediction'];
  if (p !== undefined && !types.includes(p as PredictionType))
    throw new UsageError(`--prediction must be one of ${types.join(', ')}, got ${JSON.stringify(p)}`);
  return p as PredictionType | undefined;
}

/** One --condition item applied to its extra input; `.npy` paths are returned to be read. */
function applyCondition(
  extra: ManifestExtraInput,
  spec: string,
): { entry: ManifestExtraInput; npy?: string } {
  const cls = extra.class;
  if (/\.npy$/i.test(spec)) {
    if (extra.dtype !== 'float32')
      throw new UsageError(
        `--condition ${extra.name}=${spec}: "${extra.name}" is ${extra.dtype}; a .npy feeds float32 inputs`,
      );
    return { entry: extra, npy: spec };
  }
  if (spec === 'label') {
    if (!cls) throw new UsageError(`--condition ${extra.name}=label: "${extra.name}" is not a class input`);
    return { entry: { ...extra, class: { ...cls, feed: 'label' } } };
  }
  const nul = /^null(?::(-?\d+))?$/.exec(spec);
  if (nul) {
    if (!cls) throw new UsageError(`--condition ${extra.name}=null: "${extra.name}" is not a class input`);
    const nullValue =
      nul[1] !== undefined
        ? Number(nul[1])
        : (cls.nullValue ?? (cls.encoding === 'one-hot' ? -1 : undefined));
    if (nullValue === undefined)
      throw new UsageError(
        `--condition ${extra.name}=null: this model has no null class set; give its index, e.g. ${extra.name}=null:${cls.count - 1} (DiT's is the last row; ADM has none)`,
      );
    return { entry: { ...extra, value: nullValue, class: { ...cls, feed: 'constant', nullValue } } };
  }
  const v = Number(spec);
  if (spec.trim() === '' || !Number.isFinite(v))
    throw new UsageError(`--condition ${extra.name}=${spec}: give a number, null, label or a .npy file`);
  return { entry: { ...extra, value: v, ...(cls && { class: { ...cls, feed: 'constant' } }) } };
}

/**
 * The manifest's extra inputs with --condition applied ("y=3,encoder_hidden_states=p.npy"), and
 * the .npy files to read for them (by input name).
 */
export function conditionsOf(
  flags: Flags,
  extras: readonly ManifestExtraInput[],
): { extras: ManifestExtraInput[]; npy: Record<string, string> } {
  const raw = str(flags, 'condition');
  const out = [...extras];
  const npy: Record<string, string> = {};
  if (raw === undefined) return { extras: out, npy };
  for (const item of raw.split(',')) {
    const eq = item.indexOf('=');
    const name = item.slice(0, eq).trim();
    const i = out.findIndex((e) => e.name === name);
    if (eq < 0 || i < 0)
      throw new UsageError(
        `--condition ${JSON.stringify(item)}: name an extra input of the model (${out.map((e) => e.name).join(', ') || 'it has none'}) as name=value`,
      );
    const applied = applyCondition(out[i], item.slice(eq + 1).trim());
    out[i] = applied.entry;
    if (applied.npy) npy[name] = applied.npy;
  }
  return { extras: out, npy };
}

function imageSizeOf(flags: Flags): [number, number] | undefined {
  const raw = str(flags, 'image-size');
  if (raw === undefined) return undefined;
  const m = /^(\d+)x(\d+)$/i.exec(raw);
  if (!m) throw new UsageError(`--image-size must be HxW (e.g. 32x32), got ${JSON.stringify(raw)}`);
  return [Number(m[1]), Number(m[2])];
}

/** A bare model's discovery, as inspect prints it and run.json records it. */
export interface BareDiscovery {
  readonly found: ModelDiscoveryResult;
  /** What the bare model's manifest was made with: every candidate, the preselected ones marked. */
  readonly blocks: readonly ClassifiedBlock[];
}

/** Runs the browser's discovery on `bytes` with onnxruntime-node. */
export async function discoverBare(
  bytes: Uint8Array,
  flags: Flags,
  threads = 1,
): Promise<ModelDiscoveryResult> {
  try {
    return await discoverModel(nodeRuntime(threads), bytes, {
      info: readModel(bytes),
      imageInput: str(flags, 'image-input'),
      imageSize: imageSizeOf(flags),
    });
  } catch (error) {
    const inputs = error instanceof DiffProbeError ? error.detail?.imageInputs : undefined;
    if (Array.isArray(inputs))
      throw new UsageError(`${(error as Error).message}; give --image-input ${inputs.join(' or ')}`);
    if (error instanceof DiffProbeError && error.detail?.symbolicSize)
      throw new UsageError(`${error.message}: give --image-size HxW`);
    throw error;
  }
}

/**
 * The manifest for a bare model from its discovery and the command line: --blocks picks candidates
 * (default: the preselected ones, as the browser opens it), --timestep-convention is required for
 * a float timestep, --condition sets the extra inputs.
 */
export function bareManifest(
  found: ModelDiscoveryResult,
  flags: Flags,
  file: { path: string; bytes: number; sha256: string },
  options: { requireConvention?: boolean } = {},
): { manifest: Manifest; npy: Record<string, string> } {
  const { timestep } = found.roles;
  const convention =
    options.requireConvention === false && str(flags, 'timestep-convention') === undefined
      ? undefined
      : conventionOf(flags, timestep.dtype, timestep.name);
  const names = found.blocks.map((b) => b.name);
  const rawBlocks = str(flags, 'blocks');
  const blocks = rawBlocks?.split(',').map((b) => b.trim());
  const unknown = blocks?.filter((b) => !names.includes(b)) ?? [];
  if (unknown.length)
    throw new UsageError(
      `--blocks: ${unknown.map((b) => JSON.stringify(b)).join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not a candidate block of ${basename(file.path)} (\`diffprobe inspect ${basename(file.path)}\` lists them: ${names.slice(0, 6).join(', ')}${names.length > 6 ? ', …' : ''})`,
    );
  const sigmaData = flags['sigma-data'] === undefined ? undefined : num(flags, 'sigma-data', 0.5, 1e-6, 1e6);
  const base = manifestFromDiscovery(found, {
    name: basename(file.path).replace(/\.onnx$/i, ''),
    fileName: basename(file.path),
    bytes: file.bytes,
    sha256: file.sha256,
    ...(blocks && { blocks }),
    schedule: scheduleOf(flags),
    predictionType: predictionOf(flags),
    convention,
    sigmaData,
  });
  const { extras, npy } = conditionsOf(flags, base.extraInputs ?? []);
  // The validator of every manifest: a class out of range (y=12) is refused here, by name.
  const manifest = validateManifest({ ...base, ...(extras.length && { extraInputs: extras }) });
  return { manifest, npy };
}

/**
 * DiffProbe's own bundled data set (public/data/fashion-mnist/dataset.json), found from this file
 * upwards: from src/cli/ in the sources, from dist-cli/ in the built CLI.
 */
export function projectDatasetIndex(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'public/data/fashion-mnist/dataset.json');
    if (existsSync(candidate)) return candidate;
    dir = resolve(dir, '..');
  }
  throw new DiffProbeError(
    'dataset-invalid',
    'DiffProbe’s bundled data set (public/data/fashion-mnist) is not here',
  );
}
