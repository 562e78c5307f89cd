/**
 * The app's CKA run builds the export's provenance record as the CLI does (runCka with the loaded
 * models' origins): the bundled images in row order with their x₀ hashes, the model as loaded in
 * the browser (files, engine) and every setting, in the downloaded JSON.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { BundledDataset } from '../../data/bundled';
import { bundledModelInput } from '../../data/bundled';
import { imageHashes } from '../../pipeline/cache-key';
import { ckaToJson } from '../../pipeline/cka-spec';
import { provenanceModelId } from '../../pipeline/provenance';
import { getState, useStore } from '../../state/store';
import { A } from '../../state/test-models';

/** The worker, faked: every image's features for every block; CKA 1 on the diagonal, 0.5 elsewhere. */
const run = vi.fn(
  async (
    job: string,
    params: Record<string, unknown>,
    options: { onPartial?: (p: unknown) => void } = {},
  ) => {
    if (job === 'extractFeatures') {
      const blocks = params.blocks as string[];
      const { count } = params.images as { count: number };
      const rows = Array.from({ length: count }, (_, i) => i);
      const features = Object.fromEntries(
        blocks.map((b) => [b, new Float32Array(count * 2).map(Math.random)]),
      );
      options.onPartial?.({ rows, features, dims: Object.fromEntries(blocks.map((b) => [b, 2])) });
      return { count, dims: {}, cached: 0 };
    }
    if (job === 'cka') {
      const { rows, cols } = params as { rows: number[]; cols: number[] };
      const values = rows.map((r) => cols.map((c) => (r === c ? 1 : 0.5)));
      return { values, route: 'features', stopped: false, ms: 1 };
    }
    throw new Error(`unexpected job ${job}`);
  },
);
vi.mock('../../app/compute', () => ({ compute: () => ({ run }) }));

const { runCkaComparison } = await import('./commands');

const N = 12;
const dataset = {
  index: { name: 'Fashion-MNIST', classes: ['a', 'b'], channels: 1, height: 28, width: 28, splits: {} },
  splits: {
    test: {
      images: Uint8Array.from({ length: N * 28 * 28 }, (_, i) => (i * 7) % 251),
      labels: Uint8Array.from({ length: N }, (_, i) => i % 2),
      count: N,
    },
  },
} as unknown as BundledDataset;

const initial = getState();
beforeEach(() => useStore.setState(initial, true));

describe('CKA in the app', () => {
  it('keeps the provenance record of the run in the matrix and its JSON export', async () => {
    useStore.setState({ model: A, dataset, datasetOwner: A.hash });
    await runCkaComparison({
      view: 'blocks',
      blocks: ['mid', 'up1_0'],
      timesteps: [25],
      features: 'max',
      estimator: 'debiased',
      count: N,
      imageSeed: 3,
    });
    const m = getState().cka;
    expect(m?.status).toBe('done');
    const doc = JSON.parse(ckaToJson(m!));
    const p = doc.provenance;
    expect(p.images.ids).toEqual(m!.spec.images.ids);
    expect(p.images.ids).toHaveLength(N);
    const x0 = bundledModelInput(dataset, p.images.ids, A.manifest);
    expect(p.images.x0).toEqual(await imageHashes(x0, N, x0.length / N));
    const id = provenanceModelId(A.hash, A.manifest);
    expect(p.model).toEqual({ id, name: A.manifest.name, files: A.files, manifest: A.manifest });
    expect(p.engine).toEqual({
      runtime: 'onnxruntime-web',
      runtimeVersion: '1.30.0',
      backend: 'wasm',
      adapter: null,
      threads: 1,
    });
    const reps = ['mid', 'up1_0'].map((block) => ({ model: id, block, t: 25 }));
    expect(p.settings).toEqual({
      kind: 'cka',
      view: 'blocks',
      rows: reps,
      cols: reps,
      estimator: 'debiased',
      features: 'pooled',
      pooling: { kind: 'max' },
      seed: getState().view.seed,
      twin: null,
      versus: null,
    });
  });
});
