import { describe, expect, it } from 'vitest';
import { DiffProbeError } from '../errors';
import type { Problem } from './checker';
import { validateManifest } from './validate';

const BLOCKS = [
  ['down0_0', 'down', 0, 28, 32],
  ['down0_1', 'down', 0, 28, 32],
  ['down1_0', 'down', 1, 14, 64],
  ['down1_1', 'down', 1, 14, 64],
  ['down2_0', 'down', 2, 7, 64],
  ['down2_1', 'down', 2, 7, 64],
  ['mid', 'mid', 2, 7, 64],
  ['up2_0', 'up', 2, 7, 64],
  ['up1_0', 'up', 1, 14, 64],
  ['up0_0', 'up', 0, 28, 32],
] as const;

/** Manifest JSON that tests mutate freely, including into invalid shapes. */
// biome-ignore lint/suspicious/noExplicitAny: the point of these tests is to write wrong types into it
type Json = Record<string, any>;

/** A fresh valid manifest (plain JSON, safe to mutate). */
function valid(): Json {
  return {
    format: 'diffprobe-manifest',
    version: 1,
    name: 'Fashion-MNIST DDPM (DiffProbe default)',
    description: 'test',
    model: { file: 'model.onnx', bytes: 6_500_000, sha256: 'ab'.repeat(32) },
    input: { name: 'x_t', channels: 1, height: 28, width: 28, range: [-1, 1] },
    timestep: { name: 't', dtype: 'float32' },
    preprocessing: {
      resize: 'shorter-side-center-crop',
      color: 'grayscale',
      mean: [0.5],
      std: [0.5],
      invert: true,
    },
    prediction: { type: 'epsilon', output: 'eps' },
    schedule: { type: 'linear', betaStart: 0.0001, betaEnd: 0.02, steps: 1000 },
    classes: ['T-shirt/top', 'Trouser'],
    dataset: '../../data/fashion-mnist/dataset.json',
    blocks: BLOCKS.map(([name, stage, level, r, channels]) => ({
      name,
      output: name,
      stage,
      level,
      resolution: [r, r],
      channels,
    })),
    skips: [{ from: 'down2_1', to: 'up2_0' }],
  };
}

/** Validate a mutated manifest and return the problems it reports (path → value). */
function problems(mutate: (m: Json) => void): Problem[] {
  const m = valid();
  mutate(m);
  try {
    validateManifest(m);
  } catch (e) {
    expect(e).toBeInstanceOf(DiffProbeError);
    expect((e as DiffProbeError).code).toBe('manifest-invalid');
    return (e as DiffProbeError).detail!.problems as Problem[];
  }
  throw new Error('expected validateManifest to throw');
}

const paths = (mutate: (m: Json) => void) => problems(mutate).map((p) => p.path);

/** A valid extra input (a class label fed to every image), with `patch` applied. */
function extra(patch: Json = {}): Json {
  return { name: 'y', dtype: 'int64', shape: [], batched: true, value: 3, ...patch };
}

describe('validateManifest: valid input', () => {
  it('accepts the documented example and returns a typed copy', () => {
    const m = valid();
    m.extra = 'ignored';
    const out = validateManifest(m);
    expect(out.name).toBe(m.name);
    expect(out.blocks).toHaveLength(BLOCKS.length);
    expect(out.schedule).toEqual(m.schedule);
    expect(out).not.toHaveProperty('extra');
    expect(out.skips).toEqual(m.skips);
  });

  it('accepts a minimal manifest: optional fields absent, invert defaults to never', () => {
    const m = valid();
    for (const key of ['description', 'classes', 'dataset', 'skips']) delete m[key];
    delete m.preprocessing.invert;
    const out = validateManifest(m);
    expect(out.preprocessing.invert).toBe('never');
    expect(out).not.toHaveProperty('skips');
    expect(out).not.toHaveProperty('classes');
  });

  it('reads invert as auto / always / never, the old boolean true as auto and false as never', () => {
    for (const [given, read] of [
      [true, 'auto'],
      [false, 'never'],
      ['auto', 'auto'],
      ['always', 'always'],
      ['never', 'never'],
    ] as const) {
      const m = valid();
      m.preprocessing.invert = given;
      expect(validateManifest(m).preprocessing.invert).toBe(read);
    }
  });

  it('accepts the new fields: schedules, prediction types, timestep dtype/rank, extraInputs', () => {
    const m = valid();
    m.timestep = { name: 't', dtype: 'int32', rank: 0 };
    m.prediction.type = 'v_prediction';
    m.schedule = { type: 'cosine', steps: 4000, s: 0.008 };
    m.extraInputs = [
      extra(),
      extra({ name: 'encoder_hidden_states', dtype: 'float32', shape: [77, 768], value: 0 }),
      extra({ name: 'scale', dtype: 'float32', shape: [1], batched: false, value: -0.5 }),
      extra({ name: 'int32 max', dtype: 'int32', value: 2 ** 31 - 1 }),
      extra({ name: 'int64 min', dtype: 'int64', value: -(2 ** 53 - 1), shape: [1, 1, 1, 1, 1, 1, 1, 1] }),
    ];
    const out = validateManifest(m);
    expect(out.timestep).toEqual({ name: 't', dtype: 'int32', rank: 0 });
    expect(out.prediction.type).toBe('v_prediction');
    expect(out.schedule).toEqual({ type: 'cosine', steps: 4000, s: 0.008 });
    expect(out.extraInputs).toEqual(m.extraInputs);
    for (const type of ['epsilon', 'sample']) {
      m.prediction.type = type;
      expect(validateManifest(m).prediction.type).toBe(type);
    }
    m.schedule = { type: 'scaled_linear', betaStart: 0.00085, betaEnd: 0.012, steps: 1000, s: 1 };
    expect(validateManifest(m).schedule).toEqual({
      type: 'scaled_linear',
      betaStart: 0.00085,
      betaEnd: 0.012,
      steps: 1000,
    });
    m.timestep.rank = 1;
    expect(validateManifest(m).timestep.rank).toBe(1);
  });

  it('defaults stay absent: timestep.rank, cosine s, extraInputs; an empty extraInputs is kept', () => {
    const m = valid();
    m.schedule = { type: 'cosine', steps: 1000 };
    const out = validateManifest(m);
    expect(out.timestep).not.toHaveProperty('rank');
    expect(out.schedule).toEqual({ type: 'cosine', steps: 1000 });
    expect(out).not.toHaveProperty('extraInputs');
    m.extraInputs = [];
    m.schedule.s = 0;
    expect(validateManifest(m).extraInputs).toEqual([]);
    expect(validateManifest(m).schedule).toEqual({ type: 'cosine', steps: 1000, s: 0 });
  });

  it('accepts an alphasCumprod schedule and RGB input', () => {
    const m = valid();
    m.schedule = { type: 'alphasCumprod', alphasCumprod: [1, 0.9, 0.9, 0.5, 1e-5] };
    m.input.channels = 3;
    m.preprocessing = { ...m.preprocessing, color: 'rgb', mean: [0.5, 0.5, 0.5], std: [0.2, 0.3, 0.4] };
    expect(validateManifest(m).schedule).toEqual(m.schedule);
  });
});

describe('validateManifest: each rule', () => {
  it('rejects non-objects', () => {
    for (const bad of [null, [], 'manifest', 3]) expect(() => validateManifest(bad)).toThrow(/\(root\)/);
  });

  it('format and version', () => {
    expect(paths((m) => (m.format = 'diffprobe'))).toEqual(['format']);
    expect(paths((m) => (m.version = 2))).toEqual(['version']);
  });

  it('input.channels is 1 or 3', () => {
    expect(paths((m) => (m.input.channels = 2))).toContain('input.channels');
  });

  it('height / width are integers in 1…1024', () => {
    expect(paths((m) => (m.input.height = 0))).toEqual(['input.height']);
    expect(paths((m) => (m.input.width = 1025))).toEqual(['input.width']);
    expect(paths((m) => (m.input.height = 27.5))).toEqual(['input.height']);
  });

  it('range is two finite numbers, low < high', () => {
    expect(paths((m) => (m.input.range = [1, -1]))).toEqual(['input.range']);
    expect(paths((m) => (m.input.range = [0, 0]))).toEqual(['input.range']);
    expect(paths((m) => (m.input.range = [0, 'x']))).toEqual(['input.range[1]']);
    expect(paths((m) => (m.input.range = [0, 1, 2]))).toEqual(['input.range.length']);
  });

  it('mean / std have one entry per channel and std > 0', () => {
    expect(paths((m) => (m.preprocessing.mean = [0.5, 0.5]))).toEqual(['preprocessing.mean.length']);
    expect(paths((m) => (m.preprocessing.std = [0]))).toEqual(['preprocessing.std[0]']);
    expect(paths((m) => (m.preprocessing.std = [-1]))).toEqual(['preprocessing.std[0]']);
    expect(paths((m) => (m.preprocessing.mean = [Number.NaN]))).toEqual(['preprocessing.mean[0]']);
  });

  it('preprocessing enums and color/channel agreement', () => {
    expect(paths((m) => (m.preprocessing.resize = 'stretch'))).toEqual(['preprocessing.resize']);
    expect(paths((m) => (m.preprocessing.color = 'rgb'))).toEqual(['preprocessing.color']);
    expect(paths((m) => (m.preprocessing.invert = 'yes'))).toEqual(['preprocessing.invert']);
  });

  it('linear schedule: 0 < betaStart ≤ betaEnd < 1, 1 ≤ steps ≤ 100000', () => {
    expect(paths((m) => (m.schedule.betaStart = 0))).toEqual(['schedule.betaStart']);
    expect(paths((m) => (m.schedule.betaEnd = 1))).toEqual(['schedule.betaEnd']);
    expect(paths((m) => Object.assign(m.schedule, { betaStart: 0.03, betaEnd: 0.02 }))).toEqual([
      'schedule.betaEnd',
    ]);
    expect(paths((m) => (m.schedule.steps = 0))).toEqual(['schedule.steps']);
    expect(paths((m) => (m.schedule.steps = 100_001))).toEqual(['schedule.steps']);
    expect(paths((m) => (m.schedule.steps = 10.5))).toEqual(['schedule.steps']);
    expect(paths((m) => (m.schedule.type = 'sigmoid'))).toEqual(['schedule.type']);
  });

  it('scaled_linear schedule: the same rules as linear', () => {
    const set = (patch: Json) => (m: Json) =>
      (m.schedule = { type: 'scaled_linear', betaStart: 0.00085, betaEnd: 0.012, steps: 1000, ...patch });
    expect(paths(set({ betaStart: 0 }))).toEqual(['schedule.betaStart']);
    expect(paths(set({ betaStart: -1e-4 }))).toEqual(['schedule.betaStart']);
    expect(paths(set({ betaEnd: 1 }))).toEqual(['schedule.betaEnd']);
    expect(paths(set({ betaStart: 0.02, betaEnd: 0.012 }))).toEqual(['schedule.betaEnd']);
    expect(paths(set({ betaEnd: '0.012' }))).toEqual(['schedule.betaEnd']);
    expect(paths(set({ steps: 0 }))).toEqual(['schedule.steps']);
    expect(paths(set({ steps: 100_001 }))).toEqual(['schedule.steps']);
    expect(paths(set({ steps: undefined }))).toEqual(['schedule.steps']);
  });

  it('cosine schedule: 1 ≤ steps ≤ 100000, optional s finite ≥ 0', () => {
    const set = (schedule: Json) => (m: Json) => (m.schedule = { type: 'cosine', ...schedule });
    expect(paths(set({ steps: 0 }))).toEqual(['schedule.steps']);
    expect(paths(set({ steps: 100_001 }))).toEqual(['schedule.steps']);
    expect(paths(set({ steps: 99.5 }))).toEqual(['schedule.steps']);
    expect(paths(set({}))).toEqual(['schedule.steps']);
    expect(paths(set({ steps: 1000, s: -0.001 }))).toEqual(['schedule.s']);
    expect(paths(set({ steps: 1000, s: Number.POSITIVE_INFINITY }))).toEqual(['schedule.s']);
    expect(paths(set({ steps: 1000, s: '0.008' }))).toEqual(['schedule.s']);
    const p = problems(set({ steps: 1000, s: -1 }));
    expect(p).toEqual([{ path: 'schedule.s', value: -1, expected: 'a number ≥ 0' }]);
  });

  it('prediction.type: epsilon, sample or v_prediction', () => {
    expect(paths((m) => (m.prediction.type = 'v'))).toEqual(['prediction.type']);
    expect(paths((m) => (m.prediction.type = 'x0'))).toEqual(['prediction.type']);
    expect(paths((m) => delete m.prediction.type)).toEqual(['prediction.type']);
    expect(problems((m) => (m.prediction.type = 'eps'))[0].expected).toBe(
      'one of "epsilon", "sample", "v_prediction"',
    );
  });

  it('prediction.variance: absent, learned_range or learned', () => {
    expect(paths((m) => (m.prediction.variance = true))).toEqual(['prediction.variance']);
    expect(problems((m) => (m.prediction.variance = 'fixed'))[0].expected).toBe(
      'one of "learned_range", "learned"',
    );
    const m = valid();
    expect(validateManifest(m).prediction).toEqual({ type: 'epsilon', output: 'eps' });
    for (const variance of ['learned_range', 'learned']) {
      m.prediction.variance = variance;
      expect(validateManifest(m).prediction).toEqual({ type: 'epsilon', output: 'eps', variance });
    }
  });

  it('timestep: dtype float32 | float16 | int64 | int32, optional rank 0 | 1 | 2 | 4', () => {
    expect(paths((m) => (m.timestep.dtype = 'float64'))).toEqual(['timestep.dtype']);
    expect(paths((m) => (m.timestep.dtype = 'int8'))).toEqual(['timestep.dtype']);
    const rank3 = problems((m) => (m.timestep.rank = 3));
    expect(rank3.map((p) => p.path)).toEqual(['timestep.rank']);
    expect(rank3[0].expected).toMatch(/\[N, 1\] or \[N, 1, 1, 1\]/);
    expect(paths((m) => (m.timestep.rank = '1'))).toEqual(['timestep.rank']);
    expect(paths((m) => (m.timestep.rank = null))).toEqual(['timestep.rank']);
    for (const rank of [0, 1, 2, 4]) {
      const m = valid();
      m.timestep = { name: 't', dtype: 'float16', rank };
      expect(validateManifest(m).timestep).toEqual({ name: 't', dtype: 'float16', rank });
    }
  });

  it('timestep.convention: index | fraction | scaled | sigma, fractional ones on a float input', () => {
    for (const convention of ['index', 'fraction', 'scaled']) {
      const m = valid();
      m.timestep.convention = convention;
      expect(validateManifest(m).timestep.convention).toBe(convention);
    }
    expect(paths((m) => (m.timestep.convention = 'seconds'))).toEqual(['timestep.convention']);
    const int = problems((m) => {
      m.timestep = { name: 't', dtype: 'int64', convention: 'fraction' };
    });
    expect(int.map((p) => p.path)).toEqual(['timestep.convention']);
    expect(int[0].expected).toMatch(/integer \(int64\)/);
    const m = valid();
    m.timestep = { name: 't', dtype: 'int32', convention: 'index' };
    expect(validateManifest(m).timestep.convention).toBe('index');
  });

  it('timestep.convention "sigma": prediction "sample", sigmaData > 0 and only for sigma', () => {
    const m = valid();
    m.timestep = { name: 't', dtype: 'float32', convention: 'sigma', sigmaData: 0.5 };
    m.prediction.type = 'sample';
    expect(validateManifest(m).timestep).toEqual(m.timestep);
    const eps = problems((j) => {
      j.timestep.convention = 'sigma';
    });
    expect(eps.map((p) => p.path)).toEqual(['prediction.type']);
    expect(eps[0].expected).toMatch(/c_skip/);
    expect(
      paths((j) => {
        j.timestep = { name: 't', dtype: 'float32', convention: 'sigma', sigmaData: 0 };
        j.prediction.type = 'sample';
      }),
    ).toEqual(['timestep.sigmaData']);
    expect(
      paths((j) => (j.timestep = { name: 't', dtype: 'float32', convention: 'index', sigmaData: 1 })),
    ).toEqual(['timestep.sigmaData']);
  });

  it('extraInputs[].class: an index or one-hot class input, its value one of its classes', () => {
    const m = valid();
    m.extraInputs = [extra({ class: { encoding: 'index', count: 10, feed: 'constant' } })];
    expect(validateManifest(m).extraInputs?.[0].class).toEqual({
      encoding: 'index',
      count: 10,
      feed: 'constant',
    });
    const out = problems(
      (j) =>
        (j.extraInputs = [extra({ value: 12, class: { encoding: 'index', count: 10, feed: 'constant' } })]),
    );
    expect(out).toEqual([
      { path: 'extraInputs[0].value', value: 12, expected: 'a class in 0…9 (the model takes 10 classes)' },
    ]);
    // The null class is a value the model takes; a label feed ignores the value.
    const dit = valid();
    dit.extraInputs = [
      extra({ value: 10, class: { encoding: 'index', count: 11, feed: 'constant', nullValue: 10 } }),
    ];
    expect(validateManifest(dit).extraInputs?.[0].value).toBe(10);
    const label = valid();
    label.extraInputs = [extra({ value: 99, class: { encoding: 'index', count: 10, feed: 'label' } })];
    expect(validateManifest(label).extraInputs?.[0].class?.feed).toBe('label');
    const oneHot = { encoding: 'one-hot', count: 4, feed: 'constant', nullValue: -1 };
    const hot = valid();
    hot.extraInputs = [extra({ name: 'c', dtype: 'float32', shape: [4], value: -1, class: oneHot })];
    expect(validateManifest(hot).extraInputs?.[0].class).toEqual(oneHot);
    expect(
      paths(
        (j) =>
          (j.extraInputs = [extra({ name: 'c', dtype: 'float32', shape: [5], value: 1, class: oneHot })]),
      ),
    ).toEqual(['extraInputs[0].shape']);
    expect(
      paths((j) => (j.extraInputs = [extra({ class: { encoding: 'index', count: 10, feed: 'sometimes' } })])),
    ).toEqual(['extraInputs[0].class.feed']);
    expect(
      paths(
        (j) =>
          (j.extraInputs = [
            extra({ class: { encoding: 'index', count: 10, feed: 'constant', nullValue: 10 } }),
          ]),
      ),
    ).toEqual(['extraInputs[0].class.nullValue']);
  });

  it('extraInputs[].data: a .npy file and its sha256, for float32 inputs', () => {
    const m = valid();
    const data = { file: 'prompt.npy', sha256: 'AB'.repeat(32) };
    m.extraInputs = [extra({ name: 'ctx', dtype: 'float32', shape: [77, 8], value: 0, data })];
    expect(validateManifest(m).extraInputs?.[0].data).toEqual({
      file: 'prompt.npy',
      sha256: 'ab'.repeat(32),
    });
    expect(paths((j) => (j.extraInputs = [extra({ data })]))).toEqual(['extraInputs[0].dtype']);
    expect(
      paths((j) => (j.extraInputs = [extra({ dtype: 'float32', value: 0, data: { file: 'p.npy' } })])),
    ).toEqual(['extraInputs[0].data.sha256']);
  });

  it('extraInputs: an array of at most 64 entries, each an object', () => {
    expect(paths((m) => (m.extraInputs = {}))).toEqual(['extraInputs']);
    expect(paths((m) => (m.extraInputs = ['y']))).toEqual(['extraInputs[0]']);
    const many = Array.from({ length: 65 }, (_, i) => ({ ...extra(), name: `e${i}` }));
    expect(paths((m) => (m.extraInputs = many))).toEqual(['extraInputs.length']);
  });

  it('extraInputs: names unique and different from input / timestep', () => {
    const two = (a: Json, b: Json) => (m: Json) => (m.extraInputs = [extra(a), extra(b)]);
    expect(paths(two({}, {}))).toEqual(['extraInputs[1].name']);
    expect(paths(two({ name: 'x_t' }, {}))).toEqual(['extraInputs[0].name']);
    expect(paths(two({}, { name: 't' }))).toEqual(['extraInputs[1].name']);
    expect(paths(two({ name: '' }, {}))).toEqual(['extraInputs[0].name']);
    expect(problems(two({}, {}))[0].expected).toBe('a name not used by an earlier extra input');
    expect(problems(two({ name: 't' }, {}))[0]).toEqual({
      path: 'extraInputs[0].name',
      value: 't',
      expected: 'a name different from input.name and timestep.name',
    });
  });

  it('extraInputs: shape is 0…8 positive integers, at most 2^24 elements', () => {
    const one = (patch: Json) => (m: Json) => (m.extraInputs = [extra(patch)]);
    expect(paths(one({ shape: [0] }))).toEqual(['extraInputs[0].shape[0]']);
    expect(paths(one({ shape: [4, -1] }))).toEqual(['extraInputs[0].shape[1]']);
    expect(paths(one({ shape: [2.5] }))).toEqual(['extraInputs[0].shape[0]']);
    expect(paths(one({ shape: new Array(9).fill(1) }))).toEqual(['extraInputs[0].shape.length']);
    expect(paths(one({ shape: 77 }))).toEqual(['extraInputs[0].shape']);
    expect(paths(one({ shape: [4096, 4097] }))).toEqual(['extraInputs[0].shape']);
    expect(paths(one({ shape: undefined }))).toEqual(['extraInputs[0].shape']);
  });

  it('extraInputs: dtype, batched, value the dtype can hold', () => {
    const one = (patch: Json) => (m: Json) => (m.extraInputs = [extra(patch)]);
    expect(paths(one({ dtype: 'float64' }))).toEqual(['extraInputs[0].dtype']);
    expect(paths(one({ batched: 'yes' }))).toEqual(['extraInputs[0].batched']);
    expect(paths(one({ batched: undefined }))).toEqual(['extraInputs[0].batched']);
    expect(paths(one({ value: Number.NaN }))).toEqual(['extraInputs[0].value']);
    expect(paths(one({ value: '3' }))).toEqual(['extraInputs[0].value']);
    expect(paths(one({ dtype: 'int64', value: 0.5 }))).toEqual(['extraInputs[0].value']);
    expect(paths(one({ dtype: 'int64', value: 2 ** 53 }))).toEqual(['extraInputs[0].value']);
    expect(paths(one({ dtype: 'int32', value: 2 ** 31 }))).toEqual(['extraInputs[0].value']);
    expect(paths(one({ dtype: 'int32', value: 1.5 }))).toEqual(['extraInputs[0].value']);
    expect(paths(one({ dtype: 'float32', value: 1e39 }))).toEqual(['extraInputs[0].value']);
    expect(problems(one({ dtype: 'int32', value: 0.5 }))[0]).toEqual({
      path: 'extraInputs[0].value',
      value: 0.5,
      expected: 'an integer in -2147483648…2147483647 for dtype "int32"',
    });
  });

  it('alphasCumprod: 1…100000 finite numbers in (0, 1], non-increasing', () => {
    const set = (a: unknown) => (m: Json) => (m.schedule = { type: 'alphasCumprod', alphasCumprod: a });
    expect(paths(set([]))).toEqual(['schedule.alphasCumprod.length']);
    expect(paths(set(new Array(100_001).fill(0.5)))).toEqual(['schedule.alphasCumprod.length']);
    expect(paths(set([1.1, 0.5]))).toEqual(['schedule.alphasCumprod[0]']);
    expect(paths(set([0.5, 0]))).toEqual(['schedule.alphasCumprod[1]']);
    expect(paths(set([0.5, null]))).toEqual(['schedule.alphasCumprod[1]']);
    expect(paths(set([0.9, 0.5, 0.6]))).toEqual(['schedule.alphasCumprod[2]']);
    expect(paths(set('0.9,0.5'))).toEqual(['schedule.alphasCumprod']);
    // Capped at 5 reports so a bad export doesn't produce 100000 lines.
    expect(paths(set(new Array(1000).fill(2)))).toHaveLength(5);
  });

  it('blocks: 1…256 entries', () => {
    expect(paths((m) => (m.blocks = []))).toEqual(['blocks.length']);
    expect(
      paths(
        (m) =>
          (m.blocks = Array.from({ length: 257 }, (_, i) => ({
            ...m.blocks[0],
            name: `b${i}`,
            output: `b${i}`,
          }))),
      ),
    ).toEqual(['blocks.length']);
  });

  it('blocks: unique names and outputs', () => {
    expect(paths((m) => (m.blocks[1].name = 'down0_0'))).toEqual(['blocks[1].name']);
    expect(paths((m) => (m.blocks[2].output = 'down0_0'))).toEqual(['blocks[2].output']);
  });

  it('blocks: stage, level, resolution, channels', () => {
    expect(paths((m) => (m.blocks[0].stage = 'side'))).toEqual(['blocks[0].stage']);
    expect(paths((m) => (m.blocks[0].level = -1))).toEqual(['blocks[0].level']);
    expect(paths((m) => (m.blocks[0].level = 0.5))).toEqual(['blocks[0].level']);
    expect(paths((m) => (m.blocks[0].resolution = [0, 28]))).toEqual(['blocks[0].resolution[0]']);
    expect(paths((m) => (m.blocks[0].resolution = [28]))).toEqual(['blocks[0].resolution.length']);
    expect(paths((m) => (m.blocks[0].channels = 0))).toEqual(['blocks[0].channels']);
    expect(paths((m) => (m.blocks[0] = 'down0_0'))).toEqual(['blocks[0]']);
  });

  it('no block output may equal the prediction output', () => {
    expect(paths((m) => (m.blocks[6].output = 'eps'))).toEqual(['blocks[6].output']);
  });

  it('skips name existing blocks', () => {
    expect(paths((m) => (m.skips = [{ from: 'down9', to: 'up2_0' }]))).toEqual(['skips[0].from']);
    expect(paths((m) => (m.skips = [{ from: 'down2_1', to: 'nope' }]))).toEqual(['skips[0].to']);
    expect(paths((m) => (m.skips = {}))).toEqual(['skips']);
  });

  it('input and output names are non-empty strings', () => {
    expect(paths((m) => (m.input.name = ''))).toEqual(['input.name']);
    expect(paths((m) => (m.timestep.name = 7))).toEqual(['timestep.name']);
    expect(paths((m) => (m.prediction.output = ''))).toEqual(['prediction.output']);
    expect(paths((m) => (m.blocks[3].output = ''))).toEqual(['blocks[3].output']);
  });

  it('timestep dtype, prediction type, model fields, optional fields', () => {
    expect(paths((m) => (m.timestep.dtype = 'float64'))).toEqual(['timestep.dtype']);
    expect(paths((m) => (m.prediction.type = 'v'))).toEqual(['prediction.type']);
    expect(paths((m) => (m.model.sha256 = 'xyz'))).toEqual(['model.sha256']);
    expect(paths((m) => (m.model.bytes = -1))).toEqual(['model.bytes']);
    expect(paths((m) => (m.model.file = ''))).toEqual(['model.file']);
    expect(paths((m) => (m.classes = ['a', '']))).toEqual(['classes[1]']);
    expect(paths((m) => (m.dataset = 3))).toEqual(['dataset']);
    expect(paths((m) => delete m.input)).toEqual(['input']);
  });
});

describe('validateManifest: reporting', () => {
  it('lists all problems at once, each with path, bad value and expectation', () => {
    const m = valid();
    m.version = 3;
    m.input.channels = 2;
    m.schedule.betaEnd = 1.5;
    m.blocks[0].stage = 'sideways';
    m.extraInputs = [extra({ dtype: 'int64', value: 1.5 })];
    let error: DiffProbeError | undefined;
    try {
      validateManifest(m);
    } catch (e) {
      error = e as DiffProbeError;
    }
    expect(error?.message).toMatch(/^invalid manifest \(5 problems\):/);
    expect(error?.message).toContain('- version: got 3, expected one of 1');
    expect(error?.message).toContain('- input.channels: got 2, expected one of 1, 3');
    expect(error?.message).toContain('- schedule.betaEnd: got 1.5, expected a number < 1');
    expect(error?.message).toContain(
      '- blocks[0].stage: got "sideways", expected one of "down", "mid", "up"',
    );
    expect(error?.message).toContain(
      '- extraInputs[0].value: got 1.5, expected an integer in ±9007199254740991 for dtype "int64"',
    );
  });
});
