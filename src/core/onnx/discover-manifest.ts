/**
 * @file A full manifest for a model that came without one: what discovery found, plus the user's
 * choices (which blocks, schedule, prediction type, extra inputs' values) and defaults for the rest.
 */
import { DiffProbeError } from '../errors';
import type {
  Manifest,
  ManifestPreprocessing,
  ManifestSchedule,
  ManifestSkip,
  ManifestTimestep,
  PredictionType,
  PredictionVariance,
  TimestepConvention,
} from '../manifest/types';
import type { ClassifiedBlock, SkipEdge } from './discover-classify';
import type { InputRoles, PredictionOutput } from './discover-roles';

/** What manifestFromDiscovery needs of a discovery. */
export interface DiscoveryForManifest {
  readonly roles: InputRoles;
  /** The [1, C, H, W] the dry run fed (the graph's size, or the one given for a symbolic size). */
  readonly imageDims: readonly number[];
  readonly prediction: PredictionOutput;
  readonly blocks: readonly ClassifiedBlock[];
  /** The skip connections between blocks (skipEdges), drawn between the chosen ones. */
  readonly skips?: readonly SkipEdge[];
}

export interface ManifestChoices {
  readonly name: string;
  readonly description?: string;
  /** The ONNX file's name, size and hash (manifest `model`). */
  readonly fileName: string;
  readonly bytes: number;
  readonly sha256: string;
  /** Block names to probe, in any order (default: the preselected ones). */
  readonly blocks?: readonly string[];
  /** Default: DDPM's linear 1e-4…0.02 over 1000 steps. */
  readonly schedule?: ManifestSchedule;
  /** Default: epsilon ("sample" under the `sigma` convention). */
  readonly predictionType?: PredictionType;
  /**
   * How to read the variance half of a 2·C-channel prediction output (default `learned_range`,
   * guided-diffusion's); ignored for a C-channel output, which has none.
   */
  readonly variance?: PredictionVariance;
  /**
   * What the timestep input's number means; absent leaves it unstated ("index"), which the app
   * shows as an assumption for a float timestep until the user chooses.
   */
  readonly convention?: TimestepConvention;
  /** σ_data for `sigma` (absent: EDM's 0.5). */
  readonly sigmaData?: number;
  /** Values fed to the extra inputs, by name (default 0). */
  readonly extraInputValues?: Readonly<Record<string, number>>;
  /** Default [-1, 1]. */
  readonly range?: readonly [number, number];
  /** Defaults: mean and std 0.5 per channel, color by channel count, no inversion. */
  readonly preprocessing?: Partial<ManifestPreprocessing>;
}

export const DEFAULT_SCHEDULE: ManifestSchedule = {
  type: 'linear',
  betaStart: 0.0001,
  betaEnd: 0.02,
  steps: 1000,
};

function invalid(message: string): DiffProbeError {
  return new DiffProbeError('manifest-invalid', message);
}

/**
 * The manifest (docs/manifest.md) for a discovered model. Block outputs may be tensors inside the
 * graph: the loader adds them as graph outputs. Skips are written between the chosen blocks.
 *
 * @throws DiffProbeError('model-unsupported') for an image of other than 1 or 3 channels;
 *   ('manifest-invalid') for a chosen block or extra-input value that the discovery does not have.
 */
export function manifestFromDiscovery(discovery: DiscoveryForManifest, choices: ManifestChoices): Manifest {
  const { roles, prediction } = discovery;
  const [, channels, height, width] = discovery.imageDims;
  if (channels !== 1 && channels !== 3)
    throw new DiffProbeError(
      'model-unsupported',
      `the image input ${JSON.stringify(roles.image.name)} has ${channels} channels; DiffProbe feeds grayscale (1) or RGB (3) images (a latent-diffusion U-Net needs its VAE)`,
    );

  const byName = new Map(discovery.blocks.map((b) => [b.name, b]));
  const wanted = new Set(choices.blocks ?? discovery.blocks.filter((b) => b.preselected).map((b) => b.name));
  const unknown = [...wanted].filter((n) => !byName.has(n));
  if (unknown.length)
    throw invalid(
      `blocks: ${unknown.map((n) => JSON.stringify(n)).join(', ')} are not among the discovered blocks`,
    );
  if (!wanted.size) throw invalid('blocks: choose at least one block');

  const chosen = discovery.blocks.filter((b) => wanted.has(b.name));
  const skips = skipsBetween(chosen, discovery.skips ?? []);

  const values = choices.extraInputValues ?? {};
  const extraNames = new Set(roles.extras.map((e) => e.name));
  const stray = Object.keys(values).filter((k) => !extraNames.has(k));
  if (stray.length)
    throw invalid(
      `extraInputs: ${stray.map((n) => JSON.stringify(n)).join(', ')} are not extra inputs of the model`,
    );

  const { convention, sigmaData } = choices;
  const timestep: ManifestTimestep = {
    name: roles.timestep.name,
    dtype: roles.timestep.dtype,
    ...(roles.timestep.rank !== 1 && { rank: roles.timestep.rank }),
    ...(convention !== undefined && { convention }),
    ...(convention === 'sigma' && sigmaData !== undefined && { sigmaData }),
  };
  const perChannel = (v: number) => Array.from({ length: channels }, () => v);
  const preprocessing: ManifestPreprocessing = {
    resize: 'shorter-side-center-crop',
    color: channels === 1 ? 'grayscale' : 'rgb',
    mean: perChannel(0.5),
    std: perChannel(0.5),
    invert: 'never',
    ...choices.preprocessing,
  };
  return {
    format: 'diffprobe-manifest',
    version: 1,
    name: choices.name,
    ...(choices.description !== undefined && { description: choices.description }),
    model: { file: choices.fileName, bytes: choices.bytes, sha256: choices.sha256 },
    input: { name: roles.image.name, channels, height, width, range: choices.range ?? [-1, 1] },
    timestep,
    preprocessing,
    // EDM's preconditioned output is the clean image (core/timestep/convention.ts).
    prediction: {
      type: convention === 'sigma' ? 'sample' : (choices.predictionType ?? 'epsilon'),
      output: prediction.output,
      ...(prediction.learnedVariance && { variance: choices.variance ?? 'learned_range' }),
    },
    schedule: choices.schedule ?? DEFAULT_SCHEDULE,
    ...(roles.extras.length > 0 && {
      extraInputs: roles.extras.map((e) => ({ ...e, value: values[e.name] ?? e.value })),
    }),
    // Forward order, whatever order the names were picked in.
    blocks: chosen.map((b) => ({
      name: b.name,
      output: b.output,
      stage: b.stage,
      level: b.level,
      resolution: [b.resolution[0], b.resolution[1]] as const,
      channels: b.channels,
    })),
    ...(skips.length > 0 && { skips }),
  };
}

/**
 * The skips to draw between the chosen blocks (forward order, with their graph positions): from
 * an edge's encoder block to the first chosen block after its Concat, when both are chosen.
 */
export function skipsBetween(
  chosen: readonly { readonly name: string; readonly position: number }[],
  edges: readonly SkipEdge[],
): ManifestSkip[] {
  const names = new Set(chosen.map((b) => b.name));
  const seen = new Set<string>();
  return edges.flatMap((e) => {
    const to = chosen.find((b) => b.position > e.position);
    const key = `${e.from}\n${to?.name}`;
    if (!to || !names.has(e.from) || seen.has(key)) return [];
    seen.add(key);
    return [{ from: e.from, to: to.name }];
  });
}
