/**
 * @file Which graph input is the noisy image, which the timestep, and what to feed the others;
 * which graph output is the prediction. From the graph's declared inputs alone (and, for the
 * prediction, the shapes of one dry run), for models that come without a manifest.
 */
import { DiffProbeError } from '../errors';
import { predictionShapeProblem } from '../manifest/prediction';
import type { ManifestExtraInput, TensorDtype, TimestepRank } from '../manifest/types';
import { findConditions } from './discover-conditions';
import { type Dim, ElemType, elemTypeName, type OnnxModelInfo, type ValueInfo } from './reader';

export interface ImageRole {
  readonly name: string;
  /** float16 for a float16 export (fed float16, cast at the boundary). */
  readonly dtype: 'float32' | 'float16';
  readonly channels: number;
  /** null where the graph leaves the size symbolic (a fully convolutional export). */
  readonly height: number | null;
  readonly width: number | null;
  /** The batch size the graph fixes, or null when it is symbolic (as it must be to batch). */
  readonly fixedBatch: number | null;
}

export interface TimestepRole {
  readonly name: string;
  readonly dtype: TensorDtype;
  /** 1: one timestep per image, [N]; 0: a scalar for the whole batch; 2: [N, 1]; 4: [N, 1, 1, 1]. */
  readonly rank: TimestepRank;
}

export interface InputRoles {
  readonly image: ImageRole;
  /** Every input that could be the image (4-D float); more than one means `image` was chosen. */
  readonly imageCandidates: readonly string[];
  readonly timestep: TimestepRole;
  /** The other inputs, fed constants (value 0 until the user says otherwise). */
  readonly extras: readonly ManifestExtraInput[];
  /** How ambiguous choices were settled, for the UI to show. */
  readonly notes: readonly string[];
}

/** Two or more inputs could be the image: the caller must choose (findInputRoles' `imageInput`). */
export interface AmbiguousImage {
  readonly ambiguousImage: readonly string[];
}

export function isAmbiguousImage(r: InputRoles | AmbiguousImage): r is AmbiguousImage {
  return 'ambiguousImage' in r;
}

export interface RoleChoices {
  /** The image input's name, when findInputRoles reported the choice as ambiguous. */
  readonly imageInput?: string;
  /** Overrides the timestep guess. */
  readonly timestepInput?: string;
}

function unsupported(message: string, detail?: Record<string, unknown>): DiffProbeError {
  return new DiffProbeError('model-unsupported', message, detail);
}

function describeDims(dims: readonly Dim[] | null): string {
  return dims ? `[${dims.map((d) => d ?? '?').join(', ')}]` : '(no shape)';
}

/** "x_t (float [N, 1, 28, 28]), t (int64 [N])": what a message shows of the inputs. */
export function describeInputs(inputs: readonly ValueInfo[]): string {
  if (!inputs.length) return 'none';
  return inputs.map((v) => `${v.name} (${elemTypeName(v.elemType)} ${describeDims(v.dims)})`).join(', ');
}

const DTYPES: Partial<Record<number, TensorDtype>> = {
  [ElemType.FLOAT]: 'float32',
  [ElemType.INT64]: 'int64',
  [ElemType.INT32]: 'int32',
  [ElemType.FLOAT16]: 'float16',
};

/** [N, 1, 1, 1]: a timestep shaped to broadcast against the image, not a 1×1 image. */
const isBroadcastColumn = (dims: readonly Dim[]) => dims.length === 4 && dims.slice(1).every((d) => d === 1);
const is4dFloat = (v: ValueInfo) =>
  (v.elemType === ElemType.FLOAT || v.elemType === ElemType.FLOAT16) &&
  v.dims?.length === 4 &&
  !isBroadcastColumn(v.dims);

/** The timestep ranks DiffProbe feeds: [], [N], [N, 1] and [N, 1, 1, 1]; null for any other shape. */
function timestepRank(dims: readonly Dim[] | null): TimestepRank | null {
  if (!dims) return null;
  if (dims.length <= 1) return dims.length as 0 | 1;
  if (dims.length === 2 && dims[1] === 1) return 2;
  if (isBroadcastColumn(dims)) return 4;
  return null;
}
const isTimestepLike = (v: ValueInfo) => DTYPES[v.elemType] !== undefined && timestepRank(v.dims) !== null;
/** "t", "timestep(s)", "time", "sigma(s)" as a name or a word of one ("c_noise_t", "time_cond"). */
const TIMESTEP_NAME = /(^|[^a-z])t($|[^a-z])|time|sigma/i;

function imageRole(v: ValueInfo, all: readonly ValueInfo[]): ImageRole {
  const [n, c, h, w] = v.dims!;
  if (typeof c !== 'number')
    throw unsupported(
      `the image input ${JSON.stringify(v.name)} has a symbolic channel count ${JSON.stringify(c)}: re-export it with a fixed one; found inputs: ${describeInputs(all)}`,
    );
  return {
    name: v.name,
    dtype: v.elemType === ElemType.FLOAT16 ? 'float16' : 'float32',
    channels: c,
    height: typeof h === 'number' ? h : null,
    width: typeof w === 'number' ? w : null,
    fixedBatch: typeof n === 'number' ? n : null,
  };
}

/** The image input among the 4-D float ones, or the names to choose from. */
function pickImage(inputs: readonly ValueInfo[], imageInput?: string): ValueInfo | AmbiguousImage {
  const candidates = inputs.filter(is4dFloat);
  if (imageInput !== undefined) {
    const chosen = candidates.find((v) => v.name === imageInput);
    if (!chosen)
      throw unsupported(
        `${JSON.stringify(imageInput)} is not a 4-D float input of the model; found inputs: ${describeInputs(inputs)}`,
      );
    return chosen;
  }
  if (candidates.length === 0)
    throw unsupported(
      `the model expects a 4-D float input NCHW (the noisy image); found inputs: ${describeInputs(inputs)}`,
    );
  if (candidates.length === 1) return candidates[0];
  // Image-like channel counts: grayscale, RGB, a latent's 4.
  const imageLike = candidates.filter((v) => [1, 3, 4].includes(v.dims![1] as number));
  if (imageLike.length === 1) return imageLike[0];
  return { ambiguousImage: (imageLike.length ? imageLike : candidates).map((v) => v.name) };
}

const TIMESTEP_SHAPES = 'a scalar, [N], [N, 1] or [N, 1, 1, 1] tensor of float32, float16, int64 or int32';

/** A timestep-named input whose shape DiffProbe cannot feed (e.g. rank 3): say so, not "no timestep". */
function badTimestepShape(v: ValueInfo, all: readonly ValueInfo[]): DiffProbeError {
  const rank = v.dims ? `rank ${v.dims.length}, ${describeDims(v.dims)}` : 'no declared shape';
  return unsupported(
    `the timestep input ${JSON.stringify(v.name)} has ${rank}; DiffProbe feeds a timestep as ${TIMESTEP_SHAPES}: re-export the model with t shaped one of those (docs/export.md); found inputs: ${describeInputs(all)}`,
    { timestepInput: v.name, dims: v.dims },
  );
}

function pickTimestep(
  rest: readonly ValueInfo[],
  all: readonly ValueInfo[],
  notes: string[],
  timestepInput?: string,
): ValueInfo {
  const candidates = rest.filter(isTimestepLike);
  if (timestepInput !== undefined) {
    const chosen = candidates.find((v) => v.name === timestepInput);
    if (!chosen) {
      const named = rest.find((v) => v.name === timestepInput);
      if (named && DTYPES[named.elemType]) throw badTimestepShape(named, all);
      throw unsupported(
        `${JSON.stringify(timestepInput)} is not a timestep input of the model (${TIMESTEP_SHAPES}); found inputs: ${describeInputs(all)}`,
      );
    }
    return chosen;
  }
  // A timestep-named input of a shape DiffProbe cannot feed must not leave the role to a class label.
  const misshapen = rest.filter(
    (v) => TIMESTEP_NAME.test(v.name) && DTYPES[v.elemType] && !isTimestepLike(v),
  );
  if (misshapen.length && !candidates.some((v) => TIMESTEP_NAME.test(v.name)))
    throw badTimestepShape(misshapen[0], all);
  if (candidates.length === 0)
    throw unsupported(
      `the model has no timestep input (${TIMESTEP_SHAPES}); found inputs: ${describeInputs(all)}`,
    );
  if (candidates.length === 1) return candidates[0];
  const named = candidates.filter((v) => TIMESTEP_NAME.test(v.name));
  const chosen = named[0] ?? candidates[0];
  const others = candidates.filter((v) => v !== chosen).map((v) => JSON.stringify(v.name));
  notes.push(
    `timestep: ${JSON.stringify(chosen.name)} ${named.length === 1 ? 'by its name' : named.length ? 'by its name, the first of several' : 'as the first candidate'}, not ${others.join(', ')}`,
  );
  return chosen;
}

function extraInput(v: ValueInfo, all: readonly ValueInfo[]): ManifestExtraInput {
  const dtype = DTYPES[v.elemType];
  if (!dtype)
    throw unsupported(
      `input ${JSON.stringify(v.name)} is ${elemTypeName(v.elemType)}; DiffProbe can feed float32, float16, int64 or int32 extra inputs; found inputs: ${describeInputs(all)}`,
    );
  if (!v.dims)
    throw unsupported(`input ${JSON.stringify(v.name)} has no shape in the graph, so its size is unknown`);
  // A symbolic first dimension is the batch; other symbolic sizes get 1 (a constant is broadcast).
  const batched = v.dims.length > 0 && typeof v.dims[0] !== 'number';
  const shape = (batched ? v.dims.slice(1) : v.dims).map((d) => (typeof d === 'number' ? d : 1));
  return { name: v.name, dtype, shape, batched, value: 0 };
}

/**
 * The roles of the graph's inputs: the image (a 4-D float32 or float16 input: the only one, or the
 * only one with 1, 3 or 4 channels; never [N, 1, 1, 1]), the timestep ([], [N], [N, 1] or
 * [N, 1, 1, 1], float32/float16/int64/int32; by name when several could be), the rest as extra
 * inputs fed zeros.
 *
 * @returns `{ ambiguousImage }` when two inputs could be the image: call again with `imageInput`.
 * @throws DiffProbeError('model-unsupported') naming the problem and listing the inputs.
 */
export function findInputRoles(info: OnnxModelInfo, choices: RoleChoices = {}): InputRoles | AmbiguousImage {
  const inputs = info.inputs;
  const picked = pickImage(inputs, choices.imageInput);
  if ('ambiguousImage' in picked) return picked;
  const notes: string[] = [];
  const image = imageRole(picked, inputs);
  const rest = inputs.filter((v) => v !== picked);
  const timestep = pickTimestep(rest, inputs, notes, choices.timestepInput);
  const found = findConditions(
    info,
    rest.filter((v) => v !== timestep).map((v) => extraInput(v, inputs)),
  );
  const extras = found.extras;
  notes.push(...found.notes);
  return {
    image,
    imageCandidates: inputs.filter(is4dFloat).map((v) => v.name),
    timestep: {
      name: timestep.name,
      dtype: DTYPES[timestep.elemType]!,
      rank: timestepRank(timestep.dims)!,
    },
    extras,
    notes,
  };
}

export interface PredictionOutput {
  readonly output: string;
  /** The output's channel count: the image's, or twice it for a learned-variance model. */
  readonly channels: number;
  /** [ε, variance] stacked on channels (improved DDPM / ADM): the first half is the prediction. */
  readonly learnedVariance: boolean;
}

/** Output names that say "prediction", preferred when several outputs have the image's shape. */
const PREDICTION_NAME = /eps|noise|pred|sample|out/i;

/**
 * The graph output holding the prediction: the one whose shape (from a dry run) equals the
 * image's [N, C, H, W], else [N, 2C, H, W] (learned variance).
 *
 * @throws DiffProbeError('model-unsupported') listing the outputs' shapes when none fits.
 */
export function findPrediction(
  outputs: readonly { readonly name: string; readonly dims: readonly number[] | undefined }[],
  imageDims: readonly number[],
): PredictionOutput {
  const [n, c, h, w] = imageDims;
  const withChannels = (k: number) =>
    outputs.filter((o) => o.dims && o.dims.length === 4 && o.dims.join() === [n, k, h, w].join());
  const pick = (list: typeof outputs) => list.find((o) => PREDICTION_NAME.test(o.name)) ?? list[0];
  const same = withChannels(c);
  if (same.length) return { output: pick(same).name, channels: c, learnedVariance: false };
  const doubled = withChannels(2 * c);
  if (doubled.length) return { output: pick(doubled).name, channels: 2 * c, learnedVariance: true };
  // An output of the image's batch and size with another channel count (2·C + 1, say) is surely
  // the prediction: say what is wrong with its channels rather than only listing shapes.
  const sized = outputs.find(
    (o) => o.dims?.length === 4 && o.dims[0] === n && o.dims[2] === h && o.dims[3] === w,
  );
  if (sized?.dims) {
    const problem = predictionShapeProblem(sized.dims, [n, c, h, w], undefined);
    throw unsupported(`the prediction output ${JSON.stringify(sized.name)} ${problem}`, {
      output: sized.name,
      dims: [...sized.dims],
    });
  }
  const listed = outputs.map((o) => `${o.name} ${o.dims ? `[${o.dims.join(', ')}]` : '(not computed)'}`);
  throw unsupported(
    `no graph output has the image's shape [${imageDims.join(', ')}] (or twice its channels); the outputs are ${listed.join(', ') || 'none'}`,
  );
}
