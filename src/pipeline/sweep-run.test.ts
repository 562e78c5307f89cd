import { describe, expect, it } from 'vitest';
import { isDiffProbeError } from '../core/errors';
import { defaultHead, type MlpHead } from '../core/heads/spec';
import type { ExtractParams, HeadParams, ProbeParams } from '../worker/jobs';
import { fakeFeatures, fakeImages, fakeRuntime, PIXELS, withCopiesInTest } from './fake-runtime';
import { dataSpec, type FeatureSpec } from './feature-spec';
import { evaluateProbe } from './probe-run';
import { type LabelledSplit, splitLabelled } from './split';
import { gridToJson, type SweepGrid } from './sweep-grid';
import { runSweep } from './sweep-run';

const MODEL = 'model-A';

function setUp() {
  const images = fakeImages(3, 20);
  const split = splitLabelled(images.items, 0.3, 0.2, 2);
  return { ...images, split };
}

function specFor(split: LabelledSplit): FeatureSpec {
  return {
    model: MODEL,
    modelName: 'A',
    blocks: ['down', 'mid', 'up'],
    timesteps: [0, 50],
    seed: 1,
    pooling: { kind: 'avg' },
    data: dataSpec(split, { source: 'uploads', testFraction: 0.3 }, 2, 0.2),
  };
}

/** Scripted validation accuracies per (t, block) in computation order: the best is the 5th probe. */
const VALIDATION = [0.6, 0.7, 0.65, 0.62, 0.9, 0.8];

describe('runSweep', () => {
  it('extracts once per t, probes every block on train + validation only, chooses by validation, tests once', async () => {
    const { split, input } = setUp();
    const rt = fakeRuntime({ trainOverride: (_, n) => ({ validationAccuracy: VALIDATION[n] }) });
    const spec = specFor(split);
    const grids: SweepGrid[] = [];
    const progress: number[] = [];
    const out = await runSweep(rt, { spec, split, C: 1, maxIter: 30 }, input, {
      onGrid: (g) => grids.push(g),
      onProgress: (done) => progress.push(done),
    });
    expect(out.status).toBe('done');
    const extracts = rt.calls
      .filter((c) => c.job === 'extractFeatures')
      .map((c) => c.params as ExtractParams);
    expect(extracts.map((p) => p.t)).toEqual([0, 50]);
    for (const p of extracts) expect(p).toMatchObject({ model: MODEL, seed: 1, blocks: spec.blocks });
    const trains = rt.calls.filter((c) => c.job === 'trainProbe').map((c) => c.params as ProbeParams);
    expect(trains).toHaveLength(6);
    for (const p of trains) {
      // The sweep never shows a cell's probe the test images.
      expect(p.test).toBeUndefined();
      expect(p.validation!.y).toEqual(split.validation.labels);
    }
    // The 5th probe (t = 50, block 'mid') has the best validation accuracy: it is chosen.
    expect(out.grid.cells[1][1]!.validationAccuracy).toBe(0.9);
    expect(out.grid.chosen).toMatchObject({ block: 'mid', t: 50, validationAccuracy: 0.9 });
    // …and its test accuracy is its own probe on the test rows.
    expect(out.grid.chosen!.testAccuracy).toBeGreaterThan(0.8);
    expect(progress.at(-1)).toBe(12);
    expect(grids.at(-1)).toBe(out.grid);
    for (const row of out.grid.cells) for (const cell of row) expect(cell!.model).toBe(MODEL);
  });

  it('the chosen cell’s test accuracy is that probe evaluated on the test images', async () => {
    const { split, input } = setUp();
    const rt = fakeRuntime();
    const spec = { ...specFor(split), blocks: ['mid'], timesteps: [0] };
    const out = await runSweep(rt, { spec, split, C: 1, maxIter: 30 }, input);
    // The same probe, trained with the test rows given, reports that test accuracy itself.
    const test = { X: testFeatures(split, input, spec), y: split.test.labels };
    const probe = await rt.run(
      'trainProbe',
      { ...(rt.calls[1].params as ProbeParams), test },
      { label: 'check' },
    );
    expect(out.grid.chosen!.testAccuracy).toBe(probe.testAccuracy);
    expect(evaluateProbe(probe, test.X, test.y, PIXELS, 3).accuracy).toBe(probe.testAccuracy);
  });

  it('a stop keeps the cells computed, each labelled with the model, and tests the best of them', async () => {
    const { split, input } = setUp();
    // The 5th trainProbe call is stopped (as when a model change or Stop cancels it).
    let trains = 0;
    const rt = fakeRuntime({ stopAt: (c) => c.job === 'trainProbe' && ++trains === 5 });
    const out = await runSweep(rt, { spec: specFor(split), split, C: 1, maxIter: 30 }, input);
    expect(out.status).toBe('stopped');
    const computed = out.grid.cells.flat().filter((c) => c !== null);
    expect(computed).toHaveLength(4);
    for (const cell of computed) expect(cell!.model).toBe(MODEL);
    expect(out.grid.chosen).not.toBeNull();
    expect(out.grid.chosen!.testAccuracy).not.toBeNull();
  });

  it('refuses a split whose test images copy training images, before any job', async () => {
    const { split, input, pixels } = setUp();
    const leaky = withCopiesInTest(split, pixels, 2);
    const rt = fakeRuntime();
    const error = await runSweep(rt, { spec: specFor(leaky), split: leaky, C: 1, maxIter: 30 }, input).catch(
      (e) => e,
    );
    expect(isDiffProbeError(error, 'probe-data')).toBe(true);
    expect(error.message).toMatch(/^2 test images have the same pixels/);
    expect(rt.calls).toEqual([]);
  });
});

/** The test images' features for a one-block, one-t spec, as the fake runtime computes them. */
function testFeatures(
  split: LabelledSplit,
  input: (ids: readonly string[]) => Float32Array,
  spec: FeatureSpec,
) {
  const x0 = input(split.test.ids);
  const p = { t: spec.timesteps[0], seed: spec.seed, pooling: spec.pooling };
  const out = new Float32Array(x0.length);
  for (let i = 0; i < split.test.ids.length; i++)
    out.set(fakeFeatures(x0.subarray(i * PIXELS, (i + 1) * PIXELS), 0, p), i * PIXELS);
  return out;
}

describe('runSweep with a head', () => {
  it('trains the head in every cell on train + validation, tests the chosen one once, and fits the linear probe there', async () => {
    const { split, input } = setUp();
    const rt = fakeRuntime();
    const spec = { ...specFor(split), blocks: ['mid', 'up'], timesteps: [0] };
    const head = defaultHead('mlp', 1) as MlpHead;
    head.training.maxEpochs = 2;
    const out = await runSweep(rt, { spec, split, C: 1, maxIter: 30, head }, input);
    const heads = rt.calls.filter((c) => c.job === 'trainHead').map((c) => c.params as HeadParams);
    expect(heads).toHaveLength(2);
    for (const p of heads) expect(p.test).toBeUndefined();
    expect(rt.calls.filter((c) => c.job === 'applyHead')).toHaveLength(1);
    // The linear probe on the chosen cell, on the same features (same pooling: no second extraction).
    const linear = rt.calls.filter((c) => c.job === 'trainProbe').map((c) => c.params as ProbeParams);
    expect(linear).toHaveLength(1);
    expect(linear[0].test!.y).toEqual(split.test.labels);
    expect(rt.calls.filter((c) => c.job === 'extractFeatures')).toHaveLength(1);
    expect(out.grid.head).toEqual(head);
    expect(out.grid.chosen?.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(out.grid.chosen?.linearTestAccuracy).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(gridToJson(out.grid)).headDescription).toMatch(/^MLP head/);
  });
  it('refuses an attention head on maps too large, naming the largest grid that fits, before extracting', async () => {
    const { split, input } = setUp();
    const rt = fakeRuntime();
    const spec = { ...specFor(split), blocks: ['up'], timesteps: [0], pooling: { kind: 'raw' } as const };
    const error = await runSweep(
      rt,
      { spec, split, C: 1, maxIter: 30, head: defaultHead('attention'), maps: { up: [64, 28, 28] } },
      input,
    ).catch((e) => e);
    expect(error.code).toBe('out-of-memory');
    expect(error.message).toMatch(/largest grid that fits/);
    expect(rt.calls).toHaveLength(0);
  });
});
