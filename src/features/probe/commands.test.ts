import { beforeEach, describe, expect, it, vi } from 'vitest';
import { inputKey } from '../../data/uploads';
import { getState, useStore } from '../../state/store';
import { A, upload } from '../../state/test-models';
import { DEFAULT_VIEW } from '../../state/view';
import { fakeCompute } from '../../testing/fake-compute';

vi.mock('../../app/compute', () => ({ compute: () => ({ run: fakeCompute.run }) }));

const { classifySelected } = await import('./commands');

const initial = getState();
beforeEach(() => {
  useStore.setState(initial, true);
  fakeCompute.calls.length = 0;
});

/** A probe trained on 'mid' at t = 25 with average pooling and noise seed 0. */
const probe = {
  spec: {
    model: A.id,
    modelName: A.manifest.name,
    blocks: ['mid'],
    timesteps: [25],
    seed: 0,
    pooling: { kind: 'avg' as const },
    data: {
      source: 'bundled' as const,
      dataset: 'Fashion-MNIST',
      splitSeed: 0,
      testFraction: null,
      validationFraction: 0.2,
      sizes: { train: 0, validation: 0, test: 0 },
      ids: { train: [], validation: [], test: [] },
    },
  },
  C: 1,
  maxIter: 10,
  head: null,
  classes: ['a', 'b'],
  testLabels: new Int32Array(0),
  labels: { train: new Int32Array(0), validation: new Int32Array(0), test: new Int32Array(0) },
  provenance: null,
  d: 2,
  curve: [],
  problems: [],
  status: 'done' as const,
  result: {
    W: new Float64Array(4),
    b: new Float64Array(2),
    mean: new Float64Array(2),
    scale: new Float64Array(2).fill(1),
    trainAccuracy: 1,
    validationAccuracy: 1,
    testAccuracy: 1,
    testPredictions: new Int32Array(0),
    testConfidence: new Float32Array(0),
    confusion: new Int32Array(4),
    iterations: 1,
    stopReason: 'gtol',
    solver: 'javascript' as const,
    timings: { prepareMs: 0, setupMs: 0, trainMs: 0, finishMs: 0 },
    ms: 0,
  },
  // The same probe as the store held it before it kept a feature spec.
  blocks: ['mid'],
  pooling: 'avg',
  settings: { timesteps: [25] },
};

describe('Try it', () => {
  it('extracts with the probe’s pooling, seed and t, not the view’s (avg → max in the view)', async () => {
    const id = 'upload:abc';
    useStore.setState({
      model: A,
      view: { ...DEFAULT_VIEW, images: [id], blocks: ['up1_0'], pooling: 'max', seed: 5, t: 900 },
      uploads: [{ ...upload(id, inputKey(A.manifest)), x0: new Float32Array(28 * 28) }],
      probe,
    });
    await classifySelected();
    const extract = fakeCompute.calls.find((c) => c.job === 'extractFeatures');
    expect(extract?.params).toMatchObject({
      pooling: { kind: 'avg' },
      seed: 0,
      t: 25,
      blocks: ['mid'],
      model: A.id,
    });
    expect(getState().probeTry).toEqual({ id, proba: [0.25, 0.75] });
  });
});
