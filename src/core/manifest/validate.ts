/**
 * @file The one manifest validator (see docs/manifest.md). The CLI exposes it to the Python
 * tools, so the rules live only here.
 */

import { DiffProbeError } from '../errors';
import { FLOAT16_MAX } from '../float16';
import { INVERT_MODES } from '../image/polarity';
import { CONVENTION_IDS, conventionSpec } from '../timestep/convention';
import { at, Checker, formatProblems } from './checker';
import type {
  BlockStage,
  Manifest,
  ManifestBlock,
  ManifestClassInput,
  ManifestExtraInput,
  ManifestInput,
  ManifestInputData,
  ManifestModel,
  ManifestPrediction,
  ManifestPreprocessing,
  ManifestSchedule,
  ManifestSkip,
  ManifestTimestep,
  PredictionType,
  PredictionVariance,
  TensorDtype,
  TimestepConvention,
  TimestepDtype,
  TimestepRank,
} from './types';

const MAX_SIZE = 1024;
const MAX_STEPS = 100_000;
const MAX_BLOCKS = 256;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
const DTYPES: readonly TensorDtype[] = ['float32', 'int64', 'int32', 'float16'];
const PREDICTION_TYPES: readonly PredictionType[] = ['epsilon', 'sample', 'v_prediction'];
export const PREDICTION_VARIANCES: readonly PredictionVariance[] = ['learned_range', 'learned'];
const MAX_EXTRA_INPUTS = 64;
const MAX_EXTRA_RANK = 8;
/** Elements of one extra input (per image when batched): 2^24, 64 MiB as float32. */
const MAX_EXTRA_ELEMENTS = 2 ** 24;
const FLOAT32_MAX = 3.4028234663852886e38;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Check untrusted JSON against every rule in docs/manifest.md and return a typed copy
 * (unknown keys dropped, `preprocessing.invert` defaulting to 'never', the old boolean read as
 * true → 'auto', false → 'never'). Other optional fields with
 * a default stay absent when absent: `timestep.rank` (1), cosine `schedule.s` (0.008),
 * `extraInputs` (none); readers apply the defaults.
 *
 * @throws DiffProbeError('manifest-invalid') listing every problem; `detail.problems` holds
 *   `{ path, value, expected }` for each.
 * @example const manifest = validateManifest(await (await fetch(url)).json());
 */
export function validateManifest(json: unknown): Manifest {
  const c = new Checker();
  const m = c.object('', json);
  if (m === undefined) throw toError(c);

  c.oneOf('format', m.format, ['diffprobe-manifest']);
  c.oneOf('version', m.version, [1]);
  const name = c.string('name', m.name);
  const description = m.description === undefined ? undefined : c.text('description', m.description);
  const model = checkModel(c, m.model);
  const input = checkInput(c, m.input);
  const timestep = checkTimestep(c, m.timestep);
  const preprocessing = checkPreprocessing(c, m.preprocessing, input?.channels);
  const prediction = checkPrediction(c, m.prediction);
  checkConventionPrediction(c, timestep, prediction);
  const schedule = checkSchedule(c, m.schedule);
  const classes = m.classes === undefined ? undefined : checkClasses(c, m.classes);
  const dataset = m.dataset === undefined ? undefined : c.string('dataset', m.dataset);
  const extraInputs =
    m.extraInputs === undefined
      ? undefined
      : checkExtraInputs(c, m.extraInputs, [input?.name, timestep?.name]);
  const blocks = checkBlocks(c, m.blocks, prediction?.output);
  const skips = m.skips === undefined ? undefined : checkSkips(c, m.skips, blocks);

  if (c.problems.length > 0) throw toError(c);
  // Every field was checked above; a problem would have thrown, so the `!`s cannot be undefined.
  return {
    format: 'diffprobe-manifest',
    version: 1,
    name: name!,
    ...(description !== undefined && { description }),
    model: model!,
    input: input!,
    timestep: timestep!,
    preprocessing: preprocessing!,
    prediction: prediction!,
    schedule: schedule!,
    ...(classes !== undefined && { classes }),
    ...(dataset !== undefined && { dataset }),
    ...(extraInputs !== undefined && { extraInputs }),
    blocks: blocks!,
    ...(skips !== undefined && { skips }),
  };
}

function toError(c: Checker): DiffProbeError {
  const n = c.problems.length;
  return new DiffProbeError(
    'manifest-invalid',
    `invalid manifest (${n} problem${n === 1 ? '' : 's'}):\n${formatProblems(c.problems)}`,
    { problems: c.problems },
  );
}

function checkModel(c: Checker, v: unknown): ManifestModel | undefined {
  const o = c.object('model', v);
  if (!o) return undefined;
  const file = c.string('model.file', o.file);
  const bytes = c.integer('model.bytes', o.bytes, 1);
  const sha256 = SHA256_HEX.test(String(o.sha256))
    ? (o.sha256 as string).toLowerCase()
    : c.fail('model.sha256', o.sha256, '64 hexadecimal characters');
  return file && bytes && sha256 ? { file, bytes, sha256 } : undefined;
}

function checkInput(c: Checker, v: unknown): ManifestInput | undefined {
  const o = c.object('input', v);
  if (!o) return undefined;
  const name = c.string('input.name', o.name);
  const channels = c.oneOf('input.channels', o.channels, [1, 3] as const);
  const height = c.integer('input.height', o.height, 1, MAX_SIZE);
  const width = c.integer('input.width', o.width, 1, MAX_SIZE);
  const range = checkRange(c, o.range);
  if (!name || !channels || !height || !width || !range) return undefined;
  return { name, channels, height, width, range };
}

function checkRange(c: Checker, v: unknown): readonly [number, number] | undefined {
  const a = c.array('input.range', v, 2, 2);
  if (!a) return undefined;
  const lo = c.number('input.range[0]', a[0]);
  const hi = c.number('input.range[1]', a[1]);
  if (lo === undefined || hi === undefined) return undefined;
  if (!(lo < hi)) return c.fail('input.range', v, 'low < high');
  return [lo, hi];
}

const TIMESTEP_RANKS: readonly TimestepRank[] = [0, 1, 2, 4];

function checkTimestep(c: Checker, v: unknown): ManifestTimestep | undefined {
  const o = c.object('timestep', v);
  if (!o) return undefined;
  const name = c.string('timestep.name', o.name);
  const dtype = c.oneOf<TimestepDtype>('timestep.dtype', o.dtype, DTYPES);
  // Absent means 1 ([N]); kept absent so the copy mirrors the input.
  const rank =
    o.rank === undefined
      ? undefined
      : TIMESTEP_RANKS.includes(o.rank as TimestepRank)
        ? (o.rank as TimestepRank)
        : c.fail(
            'timestep.rank',
            o.rank,
            '0, 1, 2 or 4 (a timestep shaped [], [N], [N, 1] or [N, 1, 1, 1]; re-export the model with one of those)',
          );
  const convention =
    o.convention === undefined
      ? undefined
      : c.oneOf<TimestepConvention>('timestep.convention', o.convention, CONVENTION_IDS);
  if (convention && dtype && !dtype.startsWith('float') && !conventionSpec(convention).integerInput)
    c.fail(
      'timestep.convention',
      convention,
      `"index" for an integer (${dtype}) timestep input: ${convention} needs fractional values`,
    );
  const sigmaData = o.sigmaData === undefined ? undefined : c.number('timestep.sigmaData', o.sigmaData);
  if (sigmaData !== undefined && !(sigmaData > 0)) c.fail('timestep.sigmaData', sigmaData, 'a number > 0');
  if (o.sigmaData !== undefined && convention !== undefined && convention !== 'sigma')
    c.fail(
      'timestep.sigmaData',
      o.sigmaData,
      `no sigmaData: it is for convention "sigma", not "${convention}"`,
    );
  if (
    !name ||
    !dtype ||
    (o.rank !== undefined && rank === undefined) ||
    (o.convention !== undefined && convention === undefined) ||
    (o.sigmaData !== undefined && !(sigmaData! > 0))
  )
    return undefined;
  return {
    name,
    dtype,
    ...(rank !== undefined && { rank }),
    ...(convention !== undefined && { convention }),
    ...(sigmaData !== undefined && { sigmaData }),
  };
}

/** EDM's denoiser D = c_skip·x + c_out·F is the clean image: a `sigma` model predicts x_0. */
function checkConventionPrediction(
  c: Checker,
  timestep: ManifestTimestep | undefined,
  prediction: ManifestPrediction | undefined,
): void {
  if (timestep?.convention === 'sigma' && prediction && prediction.type !== 'sample')
    c.fail(
      'prediction.type',
      prediction.type,
      '"sample" with timestep.convention "sigma" (EDM\'s preconditioned output D = c_skip·x + c_out·F is the clean image)',
    );
}

/**
 * `extraInputs`: unique names that are neither the image nor the timestep input; a dtype; a shape
 * of 0…8 positive integers (≤ 2^24 elements); `batched`; a `value` the dtype can hold exactly.
 */
function checkExtraInputs(
  c: Checker,
  v: unknown,
  taken: readonly (string | undefined)[],
): ManifestExtraInput[] | undefined {
  const a = c.array('extraInputs', v, 0, MAX_EXTRA_INPUTS);
  if (!a) return undefined;
  const before = c.problems.length;
  const names = new Set<string>();
  const out = a.map((x, i) => {
    const path = at('extraInputs', i);
    const o = c.object(path, x);
    if (!o) return undefined;
    const name = c.string(`${path}.name`, o.name);
    if (name !== undefined) {
      if (taken.includes(name))
        c.fail(`${path}.name`, name, 'a name different from input.name and timestep.name');
      else if (names.has(name)) c.fail(`${path}.name`, name, 'a name not used by an earlier extra input');
      names.add(name);
    }
    const dtype = c.oneOf(`${path}.dtype`, o.dtype, DTYPES);
    const shape = checkShape(c, `${path}.shape`, o.shape);
    const batched = c.boolean(`${path}.batched`, o.batched);
    const value = c.number(`${path}.value`, o.value);
    if (value !== undefined && dtype !== undefined) checkValueFits(c, `${path}.value`, value, dtype);
    const cls =
      o.class === undefined
        ? undefined
        : checkClassInput(c, `${path}.class`, o.class, { dtype, shape, batched, value });
    const data = o.data === undefined ? undefined : checkInputData(c, `${path}.data`, o.data, dtype);
    if (
      name === undefined ||
      !dtype ||
      !shape ||
      batched === undefined ||
      value === undefined ||
      (o.class !== undefined && !cls) ||
      (o.data !== undefined && !data)
    )
      return undefined;
    return {
      name,
      dtype,
      shape,
      batched,
      value,
      ...(cls !== undefined && { class: cls }),
      ...(data !== undefined && { data }),
    };
  });
  return c.problems.length === before ? (out as ManifestExtraInput[]) : undefined;
}

/**
 * A class input: an index per image ([] batched, integer dtype) or a one-hot vector ([count]
 * batched, float32); `value` a class in 0…count−1 (or the null value: −1 for one-hot); a null value
 * within the classes (index) or −1 (one-hot).
 */
function checkClassInput(
  c: Checker,
  path: string,
  v: unknown,
  input: { dtype?: TensorDtype; shape?: number[]; batched?: boolean; value?: number },
): ManifestClassInput | undefined {
  const o = c.object(path, v);
  if (!o) return undefined;
  const before = c.problems.length;
  const encoding = c.oneOf(`${path}.encoding`, o.encoding, ['index', 'one-hot'] as const);
  const count = c.integer(`${path}.count`, o.count, 1, MAX_EXTRA_ELEMENTS);
  const feed = c.oneOf(`${path}.feed`, o.feed, ['constant', 'label'] as const);
  const nullValue = o.nullValue === undefined ? undefined : c.integer(`${path}.nullValue`, o.nullValue, -1);
  const parent = path.slice(0, -'.class'.length);
  if (encoding === 'index') {
    if (input.dtype === 'float32')
      c.fail(`${parent}.dtype`, input.dtype, '"int64" or "int32" for a class index');
    if (input.shape && input.shape.length !== 0)
      c.fail(`${parent}.shape`, input.shape, '[] for a class index (one per image)');
  } else if (encoding === 'one-hot') {
    if (input.dtype !== undefined && input.dtype !== 'float32')
      c.fail(`${parent}.dtype`, input.dtype, '"float32" for a one-hot class vector');
    if (input.shape && count !== undefined && (input.shape.length !== 1 || input.shape[0] !== count))
      c.fail(`${parent}.shape`, input.shape, `[${count}] for a one-hot vector of ${count} classes`);
  }
  if (input.batched === false)
    c.fail(`${parent}.batched`, false, 'true: a class input has one class per image');
  const nulls = encoding === 'one-hot' ? [-1] : [];
  if (nullValue !== undefined && count !== undefined && encoding !== undefined) {
    const ok = encoding === 'one-hot' ? nullValue === -1 : nullValue >= 0 && nullValue < count;
    if (!ok)
      c.fail(
        `${path}.nullValue`,
        nullValue,
        encoding === 'one-hot' ? '−1 (all zeros) for a one-hot input' : `a class index in 0…${count - 1}`,
      );
  }
  if (input.value !== undefined && count !== undefined && feed === 'constant') {
    const v = input.value;
    const inRange = Number.isInteger(v) && v >= 0 && v < count;
    if (!inRange && !nulls.includes(v) && v !== nullValue)
      c.fail(
        `${parent}.value`,
        v,
        `a class in 0…${count - 1} (the model takes ${count} classes)${encoding === 'one-hot' ? ' or −1 (all zeros)' : ''}`,
      );
  }
  if (c.problems.length > before || !encoding || !count || !feed) return undefined;
  return { encoding, count, feed, ...(nullValue !== undefined && { nullValue }) };
}

/** A .npy file for an extra input: a name and its sha256; float32 inputs only. */
function checkInputData(
  c: Checker,
  path: string,
  v: unknown,
  dtype: TensorDtype | undefined,
): ManifestInputData | undefined {
  const o = c.object(path, v);
  if (!o) return undefined;
  const file = c.string(`${path}.file`, o.file);
  const sha256 = SHA256_HEX.test(String(o.sha256))
    ? (o.sha256 as string).toLowerCase()
    : c.fail(`${path}.sha256`, o.sha256, '64 hexadecimal characters');
  if (dtype !== undefined && dtype !== 'float32')
    c.fail(`${path.slice(0, -'.data'.length)}.dtype`, dtype, '"float32" for an input fed from a .npy');
  return file && sha256 && dtype === 'float32' ? { file, sha256 } : undefined;
}

function checkShape(c: Checker, path: string, v: unknown): number[] | undefined {
  const a = c.array(path, v, 0, MAX_EXTRA_RANK);
  if (!a) return undefined;
  const before = c.problems.length;
  const dims = a.map((d, i) => c.integer(at(path, i), d, 1) ?? 0);
  if (c.problems.length > before) return undefined;
  const elements = dims.reduce((p, d) => p * d, 1);
  if (elements > MAX_EXTRA_ELEMENTS)
    return c.fail(path, v, `at most ${MAX_EXTRA_ELEMENTS} elements (this shape has ${elements})`);
  return dims;
}

/** int32 needs an integer in −2^31…2^31−1, int64 a safe integer (exact as a double), float32 |v| ≤ its max. */
function checkValueFits(c: Checker, path: string, value: number, dtype: TensorDtype): void {
  if (dtype === 'int32' && !(Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX))
    c.fail(path, value, `an integer in ${INT32_MIN}…${INT32_MAX} for dtype "int32"`);
  else if (dtype === 'int64' && !Number.isSafeInteger(value))
    c.fail(path, value, `an integer in ±${Number.MAX_SAFE_INTEGER} for dtype "int64"`);
  else if (dtype === 'float32' && Math.abs(value) > FLOAT32_MAX)
    c.fail(path, value, `a number within ±${FLOAT32_MAX} for dtype "float32"`);
  else if (dtype === 'float16' && Math.abs(value) > FLOAT16_MAX)
    c.fail(path, value, `a number within ±${FLOAT16_MAX} for dtype "float16"`);
}

function checkPreprocessing(
  c: Checker,
  v: unknown,
  channels: 1 | 3 | undefined,
): ManifestPreprocessing | undefined {
  const o = c.object('preprocessing', v);
  if (!o) return undefined;
  const resize = c.oneOf('preprocessing.resize', o.resize, ['shorter-side-center-crop'] as const);
  const color = c.oneOf('preprocessing.color', o.color, ['grayscale', 'rgb'] as const);
  // A grayscale model with 3 input channels (or the reverse) cannot be fed correctly.
  if (color && channels && (color === 'grayscale') !== (channels === 1)) {
    c.fail(
      'preprocessing.color',
      color,
      `${channels === 1 ? '"grayscale"' : '"rgb"'} for ${channels} channel(s)`,
    );
  }
  const mean = checkPerChannel(c, 'preprocessing.mean', o.mean, channels, false);
  const std = checkPerChannel(c, 'preprocessing.std', o.std, channels, true);
  // Format 1 first had a boolean: true ("invert uploads") reads as 'auto', false as 'never'.
  const invert =
    o.invert === undefined || o.invert === false
      ? 'never'
      : o.invert === true
        ? 'auto'
        : c.oneOf('preprocessing.invert', o.invert, INVERT_MODES);
  if (!resize || !color || !mean || !std || invert === undefined) return undefined;
  return { resize, color, mean, std, invert };
}

function checkPerChannel(
  c: Checker,
  path: string,
  v: unknown,
  channels: number | undefined,
  positive: boolean,
): number[] | undefined {
  const n = channels ?? 1;
  const a = channels === undefined ? c.array(path, v, 1, 3) : c.array(path, v, n, n);
  if (!a) return undefined;
  const before = c.problems.length;
  const out = a.map((x, i) => {
    const num = c.number(at(path, i), x);
    if (positive && num !== undefined && num <= 0) c.fail(at(path, i), num, 'a number > 0');
    return num ?? Number.NaN;
  });
  return c.problems.length === before ? out : undefined;
}

function checkPrediction(c: Checker, v: unknown): ManifestPrediction | undefined {
  const o = c.object('prediction', v);
  if (!o) return undefined;
  const type = c.oneOf('prediction.type', o.type, PREDICTION_TYPES);
  const output = c.string('prediction.output', o.output);
  // Absent means a fixed variance (an output of C channels); kept absent so the copy mirrors the input.
  const variance =
    o.variance === undefined ? undefined : c.oneOf('prediction.variance', o.variance, PREDICTION_VARIANCES);
  if (!type || !output || (o.variance !== undefined && !variance)) return undefined;
  return { type, output, ...(variance && { variance }) };
}

function checkSchedule(c: Checker, v: unknown): ManifestSchedule | undefined {
  const o = c.object('schedule', v);
  if (!o) return undefined;
  const type = c.oneOf('schedule.type', o.type, [
    'linear',
    'scaled_linear',
    'cosine',
    'alphasCumprod',
  ] as const);
  if (type === 'linear' || type === 'scaled_linear') {
    // scaled_linear interpolates √β between the same endpoints, so the same rules apply.
    const betaStart = c.number('schedule.betaStart', o.betaStart);
    const betaEnd = c.number('schedule.betaEnd', o.betaEnd);
    const steps = c.integer('schedule.steps', o.steps, 1, MAX_STEPS);
    if (betaStart !== undefined && !(betaStart > 0)) c.fail('schedule.betaStart', betaStart, 'a number > 0');
    if (betaEnd !== undefined && !(betaEnd < 1)) c.fail('schedule.betaEnd', betaEnd, 'a number < 1');
    if (betaStart !== undefined && betaEnd !== undefined && betaStart > betaEnd)
      c.fail('schedule.betaEnd', betaEnd, `a number ≥ betaStart (${betaStart})`);
    if (betaStart === undefined || betaEnd === undefined || steps === undefined) return undefined;
    return { type, betaStart, betaEnd, steps };
  }
  if (type === 'cosine') {
    const steps = c.integer('schedule.steps', o.steps, 1, MAX_STEPS);
    // Absent means 0.008; kept absent so the copy mirrors the input.
    const s = o.s === undefined ? undefined : c.number('schedule.s', o.s);
    if (s !== undefined && !(s >= 0)) c.fail('schedule.s', s, 'a number ≥ 0');
    if (steps === undefined || (o.s !== undefined && (s === undefined || !(s >= 0)))) return undefined;
    return { type, steps, ...(s !== undefined && { s }) };
  }
  if (type === 'alphasCumprod') return checkAlphasCumprod(c, o.alphasCumprod);
  return undefined;
}

function checkAlphasCumprod(c: Checker, v: unknown): ManifestSchedule | undefined {
  const path = 'schedule.alphasCumprod';
  const a = c.array(path, v, 1, MAX_STEPS);
  if (!a) return undefined;
  const before = c.problems.length;
  let prev = Number.POSITIVE_INFINITY;
  // One bad entry usually means a bad export: report the first 5, not 100000 lines.
  for (let i = 0; i < a.length && c.problems.length - before < 5; i++) {
    const x = a[i];
    if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0 || x > 1) {
      c.fail(at(path, i), x, 'a finite number in (0, 1]');
    } else {
      if (x > prev)
        c.fail(at(path, i), x, `a number ≤ the previous entry (${prev}): ᾱ must be non-increasing`);
      prev = x;
    }
  }
  return c.problems.length === before ? { type: 'alphasCumprod', alphasCumprod: a as number[] } : undefined;
}

function checkClasses(c: Checker, v: unknown): string[] | undefined {
  const a = c.array('classes', v, 1, Number.MAX_SAFE_INTEGER);
  if (!a) return undefined;
  const ok = a.map((x, i) => c.string(at('classes', i), x) !== undefined).every(Boolean);
  return ok ? (a as string[]) : undefined;
}

function checkBlocks(
  c: Checker,
  v: unknown,
  predictionOutput: string | undefined,
): ManifestBlock[] | undefined {
  const a = c.array('blocks', v, 1, MAX_BLOCKS);
  if (!a) return undefined;
  const names = new Set<string>();
  const outputs = new Set<string>();
  const blocks = a.map((b, i) => checkBlock(c, at('blocks', i), b));
  blocks.forEach((b, i) => {
    if (!b) return;
    const path = at('blocks', i);
    if (names.has(b.name)) c.fail(`${path}.name`, b.name, 'a name not used by an earlier block');
    if (outputs.has(b.output)) c.fail(`${path}.output`, b.output, 'an output not used by an earlier block');
    if (b.output === predictionOutput)
      c.fail(`${path}.output`, b.output, 'an output different from prediction.output');
    names.add(b.name);
    outputs.add(b.output);
  });
  return blocks.every((b) => b !== undefined) ? (blocks as ManifestBlock[]) : undefined;
}

function checkBlock(c: Checker, path: string, v: unknown): ManifestBlock | undefined {
  const o = c.object(path, v);
  if (!o) return undefined;
  const name = c.string(`${path}.name`, o.name);
  const output = c.string(`${path}.output`, o.output);
  const stage = c.oneOf<BlockStage>(`${path}.stage`, o.stage, ['down', 'mid', 'up']);
  const level = c.integer(`${path}.level`, o.level, 0);
  const channels = c.integer(`${path}.channels`, o.channels, 1);
  const res = c.array(`${path}.resolution`, o.resolution, 2, 2);
  const h = res && c.integer(`${path}.resolution[0]`, res[0], 1);
  const w = res && c.integer(`${path}.resolution[1]`, res[1], 1);
  if (!name || !output || !stage || level === undefined || !channels || !h || !w) return undefined;
  return { name, output, stage, level, resolution: [h, w], channels };
}

function checkSkips(c: Checker, v: unknown, blocks: ManifestBlock[] | undefined): ManifestSkip[] | undefined {
  const a = c.array('skips', v, 0, Number.MAX_SAFE_INTEGER);
  if (!a) return undefined;
  const names = blocks ? new Set(blocks.map((b) => b.name)) : undefined;
  const skips = a.map((s, i) => {
    const path = at('skips', i);
    const o = c.object(path, s);
    if (!o) return undefined;
    const from = c.string(`${path}.from`, o.from);
    const to = c.string(`${path}.to`, o.to);
    // Without valid blocks there is nothing to resolve against; those problems are already listed.
    if (names && from && !names.has(from)) c.fail(`${path}.from`, from, 'the name of a block');
    if (names && to && !names.has(to)) c.fail(`${path}.to`, to, 'the name of a block');
    return from && to ? { from, to } : undefined;
  });
  return skips.every((s) => s !== undefined) ? (skips as ManifestSkip[]) : undefined;
}
