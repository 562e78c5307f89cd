import { beforeEach, describe, expect, it, vi } from 'vitest';
import { inputKey } from '../../data/uploads';
import { getState, useStore } from '../../state/store';
import { A, upload } from '../../state/test-models';
import { DEFAULT_VIEW } from '../../state/view';
import { fakeCompute } from '../../testing/fake-compute';

vi.mock('../../app/compute', () => ({ compute: () => ({ run: fakeCompute.run }) }));

const { runComparison } = await import('./commands');

const initial = getState();
beforeEach(() => {
  useStore.setState(initial, true);
  fakeCompute.calls.length = 0;
});

describe('the embedding comparison', () => {
  it('extracts with the compared run’s noise seed and pooling, not the view’s', async () => {
    const id = 'upload:abc';
    useStore.setState({
      model: A,
      // The view moved on after the main run: another seed and pooling.
      view: { ...DEFAULT_VIEW, blocks: ['mid'], pooling: 'max', seed: 5 },
      uploads: [{ ...upload(id, inputKey(A.manifest)), x0: new Float32Array(28 * 28) }],
    });
    getState().setEmbedding({
      main: {
        slot: 'main',
        method: 'pca',
        options: getState().embedding.main?.options ?? ({ seed: 0, nIter: 0 } as never),
        blocks: ['mid'],
        t: 100,
        pooling: 'avg',
        seed: 0,
        ids: [id],
        labels: Int32Array.from([0]),
        X: null,
        d: 2,
        coords: Float32Array.from([0, 0]),
        iter: 0,
        totalIter: 0,
        kl: null,
        phase: 'done',
        warnings: [],
        quality: null,
        ms: 1,
        status: 'done',
        resumable: false,
      },
    });
    await runComparison({ block: 'up1_0', t: 25 });
    const extract = fakeCompute.calls.find((c) => c.job === 'extractFeatures');
    expect(extract?.params).toMatchObject({ seed: 0, pooling: { kind: 'avg' }, t: 25, blocks: ['up1_0'] });
    expect(getState().embedding.compare).toMatchObject({ seed: 0, pooling: 'avg' });
  });
});
