import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultHead } from '../core/heads/spec';
import type { ExtractParams, HeadParams, ProbeParams, ProbeResult } from '../worker/jobs';
import { fakeFeatures, fakeImages, fakeRuntime, PIXELS, withCopiesInTest } from './fake-runtime';
import { dataSpec, type FeatureSpec } from './feature-spec';
import {
  evaluateProbe,
  isHeadResult,
  type ProbeRunState,
  probeToJson,
  runProbe,
  tryProbe,
} from './probe-run';
import { type LabelledSplit, splitLabelled } from './split';

const MODEL = 'sha256-of-the-onnx:numbers-key';

function setUp(perClass = 20) {
  const images = fakeImages(3, perClass);
  const split = splitLabelled(images.items, 0.3, 0.2, 5);
  return { ...images, split };
}

function specFor(split: LabelledSplit, overrides: Partial<FeatureSpec> = {}): FeatureSpec {
  return {
    model: MODEL,
    modelName: 'Test U-Net',
    blocks: ['mid', 'up1_0'],
    timesteps: [0, 100],
    seed: 3,
    pooling: { kind: 'avg' },
    data: dataSpec(split, { source: 'uploads', testFraction: 0.3 }, 5, 0.2),
    ...overrides,
  };
}

describe('runProbe', () => {
  it('extracts every block at every t with the spec, trains on train, streams validation, tests once', async () => {
    const { split, input } = setUp();
    const rt = fakeRuntime();
    const spec = specFor(split);
    const states: ProbeRunState[] = [];
    const end = await runProbe(rt, { spec, split, C: 1, maxIter: 50 }, input, (s) => states.push(s));
    expect(end.status).toBe('done');
    expect(end.problems).toEqual([]);
    expect(states[0].status).toBe('extracting');
    const extracts = rt.calls
      .filter((c) => c.job === 'extractFeatures')
      .map((c) => c.params as ExtractParams);
    expect(extracts.map((p) => p.t)).toEqual([0, 100]);
    for (const p of extracts) {
      expect(p).toMatchObject({ model: MODEL, seed: 3, pooling: { kind: 'avg' }, blocks: ['mid', 'up1_0'] });
      expect(p.images.count).toBe(
        split.train.ids.length + split.validation.ids.length + split.test.ids.length,
      );
    }
    const train = rt.calls.filter((c) => c.job === 'trainProbe');
    expect(train).toHaveLength(1);
    const params = train[0].params as ProbeParams;
    // 2 blocks × 2 timesteps × 4 pixels, rows split as the spec says.
    expect(end.d).toBe(2 * 2 * PIXELS);
    expect(params.train.y).toEqual(split.train.labels);
    expect(params.validation!.y).toEqual(split.validation.labels);
    expect(params.test!.y).toEqual(split.test.labels);
    // Row i of the training features is image i's [t0: mid | up1_0, t100: mid | up1_0].
    const x0 = input([split.train.ids[1]]);
    const want = [0, 100].flatMap((t) =>
      [0, 1].flatMap((b) => Array.from(fakeFeatures(x0, b, { t, seed: 3, pooling: { kind: 'avg' } }))),
    );
    expect(Array.from(params.train.X.subarray(end.d, 2 * end.d))).toEqual(want);
    // The curve is the validation accuracy; the test accuracy exists once, in the result.
    expect(end.curve.length).toBeGreaterThan(1);
    for (const step of end.curve) {
      expect(step.validationAccuracy).not.toBeNull();
      expect(step).not.toHaveProperty('testAccuracy');
    }
    expect(end.result!.testAccuracy).toBeGreaterThan(0.8);
    expect(end.result!.validationAccuracy).toBe(end.curve.at(-1)!.validationAccuracy);
  });

  it('refuses test images with the same pixels as training images, naming how many', async () => {
    const { split, input, pixels } = setUp();
    const leaky = withCopiesInTest(split, pixels, 3);
    const rt = fakeRuntime();
    const end = await runProbe(rt, { spec: specFor(leaky), split: leaky, C: 1, maxIter: 50 }, input);
    expect(end.status).toBe('failed');
    expect(end.problems).toHaveLength(1);
    expect(end.problems[0]).toMatch(
      /^3 test images have the same pixels as training or validation images \(e\.g\. copy-of-img:/,
    );
    // Nothing was extracted or trained.
    expect(rt.calls).toEqual([]);
  });

  it('a Stop during extraction ends as stopped, with no training', async () => {
    const { split, input } = setUp();
    const rt = fakeRuntime({
      stopAt: (c) => c.job === 'extractFeatures' && (c.params as ExtractParams).t === 100,
    });
    const end = await runProbe(rt, { spec: specFor(split), split, C: 1, maxIter: 50 }, input);
    expect(end.status).toBe('stopped');
    expect(rt.calls.some((c) => c.job === 'trainProbe')).toBe(false);
  });

  it('explains a split with one class before computing anything', async () => {
    const images = fakeImages(1, 10);
    const split = splitLabelled(images.items, 0.3, 0.2, 1);
    const rt = fakeRuntime();
    const end = await runProbe(rt, { spec: specFor(split), split, C: 1, maxIter: 5 }, images.input);
    expect(end.status).toBe('failed');
    expect(end.problems[0]).toMatch(/only 1 class/);
    expect(rt.calls).toEqual([]);
  });
});

describe('tryProbe', () => {
  it('extracts with the probe’s own spec (pooling, seed, t, blocks, model), whatever else changed', async () => {
    const { split, input } = setUp();
    const spec = specFor(split, { pooling: { kind: 'max' }, seed: 9, timesteps: [25] });
    const probe = await runProbe(fakeRuntime(), { spec, split, C: 1, maxIter: 50 }, input);
    const rt = fakeRuntime();
    const id = split.test.ids[0];
    const proba = await tryProbe(rt, probe, input([id]));
    const [extract] = rt.calls.map((c) => c.params as ExtractParams);
    expect(extract).toMatchObject({
      model: MODEL,
      seed: 9,
      t: 25,
      pooling: { kind: 'max' },
      blocks: ['mid', 'up1_0'],
    });
    // The same probabilities as the probe gives that test image's features in training.
    const row = split.test.ids.indexOf(id);
    expect(Array.from(proba).indexOf(Math.max(...proba))).toBe(probe.result!.testPredictions[row]);
    expect(proba[probe.result!.testPredictions[row]]).toBeCloseTo(probe.result!.testConfidence[row], 5);
  });
});

describe('evaluateProbe', () => {
  it('gives the worker’s test metrics for the same rows', async () => {
    const { split, input } = setUp();
    const rt = fakeRuntime();
    const spec = specFor(split, { blocks: ['mid'], timesteps: [0] });
    const probe = await runProbe(rt, { spec, split, C: 1, maxIter: 50 }, input);
    const params = rt.calls.find((c) => c.job === 'trainProbe')!.params as ProbeParams;
    const ev = evaluateProbe(probe.result as ProbeResult, params.test!.X, params.test!.y, probe.d, 3);
    expect(ev.accuracy).toBe(probe.result!.testAccuracy);
    expect(ev.predictions).toEqual(probe.result!.testPredictions);
    expect(ev.confusion).toEqual(probe.result!.confusion);
  });
});

describe('probeToJson', () => {
  it('carries the spec, C, max iterations, the split seed, the app version and the test accuracy as such', async () => {
    const { split, input } = setUp();
    const spec = specFor(split);
    const run = await runProbe(fakeRuntime(), { spec, split, C: 0.5, maxIter: 40 }, input);
    const json = JSON.parse(probeToJson(run));
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(json.appVersion).toBe(pkg.version);
    expect(json).toMatchObject({ format: 'diffprobe-probe', version: 2, C: 0.5, maxIter: 40, splitSeed: 5 });
    expect(json.spec).toEqual(JSON.parse(JSON.stringify(spec)));
    expect(json.spec.data).toMatchObject({ source: 'uploads', dataset: null, testFraction: 0.3 });
    // An uploads probe writes its own sizes, not the bundled data's.
    expect(json.spec.data.sizes).toEqual({
      train: split.train.ids.length,
      validation: split.validation.ids.length,
      test: split.test.ids.length,
    });
    expect(json).not.toHaveProperty('nTrain');
    expect(json.testAccuracy).toBe(run.result!.testAccuracy);
    expect(json.validationAccuracy).toBe(run.result!.validationAccuracy);
    expect(json.testAccuracyNote).toMatch(/computed once/);
    expect(json.W).toHaveLength(3 * run.d);
  });
});

describe('runProbe with a head', () => {
  it('trains an attention head on the map as tokens, and Try it applies it', async () => {
    const { split, input } = setUp();
    const rt = fakeRuntime();
    const spec = {
      ...specFor(split, { blocks: ['mid', 'up'], timesteps: [0] }),
      pooling: { kind: 'grid', size: 8 } as const,
    };
    const head = defaultHead('attention', 2);
    head.training.maxEpochs = 2;
    const maps = { mid: [4, 1, 1], up: [4, 1, 1] } as const;
    const probe = await runProbe(rt, { spec, split, C: 1, maxIter: 50, head, maps }, input);
    expect(probe.status).toBe('done');
    const params = rt.calls.find((c) => c.job === 'trainHead')!.params as HeadParams;
    expect(params.layout).toEqual({
      d: 8,
      k: 3,
      groups: [
        { channels: 4, height: 1, width: 1 },
        { channels: 4, height: 1, width: 1 },
      ],
    });
    expect(isHeadResult(probe.result)).toBe(true);
    expect(probe.curve.map((s) => s.iter)).toEqual([1, 2]);
    expect(JSON.parse(probeToJson(probe))).toMatchObject({
      format: 'diffprobe-head',
      head: { kind: 'attention' },
    });
    const proba = await tryProbe(rt, probe, input([split.test.ids[0]]));
    expect(proba).toHaveLength(3);
    expect(rt.calls.at(-1)!.job).toBe('applyHead');
  });
  it('says when the attention head would not fit, before extracting anything', async () => {
    const { split, input } = setUp();
    const rt = fakeRuntime();
    const spec = { ...specFor(split, { blocks: ['up'], timesteps: [0] }), pooling: { kind: 'raw' } as const };
    const probe = await runProbe(
      rt,
      { spec, split, C: 1, maxIter: 50, head: defaultHead('attention'), maps: { up: [64, 28, 28] } },
      input,
    );
    expect(probe.status).toBe('failed');
    expect(probe.problems[0]).toMatch(/785 tokens .* pool the maps to at most 16×16 \(grid16\)/);
    expect(rt.calls).toHaveLength(0);
  });
});

describe('a class with one image in the split', () => {
  it('is explained before any head is trained, as for the linear probe', async () => {
    const { items, input, pixels } = fakeImages(3, 20);
    pixels.set(
      'img:lonely',
      Float32Array.from({ length: PIXELS }, () => 0.5),
    );
    const split = splitLabelled([...items, { id: 'img:lonely', label: 'zz-lonely' }], 0.3, 0.2, 5);
    const rt = fakeRuntime();
    const spec = specFor(split, { blocks: ['up1_0'], timesteps: [0] });
    for (const head of [null, defaultHead('mlp')]) {
      const probe = await runProbe(rt, { spec, split, C: 1, maxIter: 50, head }, input);
      expect(probe.status).toBe('failed');
      expect(probe.problems.join(' ')).toMatch(/classes 3 have no test images/);
    }
    expect(rt.calls.some((c) => c.job === 'trainHead' || c.job === 'trainProbe')).toBe(false);
  });
});
