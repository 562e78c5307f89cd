import { describe, expect, it } from 'vitest';
import type { BundledDataset } from '../data/bundled';
import type { ModelInfo } from '../worker/jobs';
import { readiness, waitingText } from './readiness';

const model = { hash: 'h', manifest: { dataset: 'd.json' } } as unknown as ModelInfo;
const dataset = (firstLoaded: boolean) =>
  ({
    index: { splits: { test: { count: 2000, parts: [{ first: 0 }, { first: 1000 }] } } },
    loaded: { test: [firstLoaded, false] },
  }) as unknown as BundledDataset;
const base = { model: null, modelStatus: 'loading' as const, jobs: {}, dataset: null, datasetOwner: null };

describe('readiness', () => {
  it('waits for the model with its download progress, then for the first images, then is ready', () => {
    const loading = readiness({
      ...base,
      jobs: { model: { label: 'x', cancel: () => {}, progress: { done: 42, total: 100, etaMs: null } } },
    });
    expect(loading).toMatchObject({ ready: false, waitingFor: 'the model', progress: 0.42 });
    expect(waitingText(loading)).toBe('Waiting for the model (42%)');
    const noImages = readiness({ ...base, model, modelStatus: 'ready' });
    expect(noImages).toMatchObject({ ready: false, waitingFor: 'the images' });
    expect(
      readiness({ ...base, model, modelStatus: 'ready', dataset: dataset(false), datasetOwner: 'h' }).ready,
    ).toBe(false);
    expect(
      readiness({ ...base, model, modelStatus: 'ready', dataset: dataset(true), datasetOwner: 'h' }).ready,
    ).toBe(true);
  });

  it("another model needs no bundled images; no model at all is not 'loading'", () => {
    const own = { hash: 'other', manifest: {} } as unknown as ModelInfo;
    expect(readiness({ ...base, model: own, modelStatus: 'ready', datasetOwner: 'h' }).ready).toBe(true);
    expect(readiness({ ...base, modelStatus: 'error' })).toMatchObject({
      ready: false,
      waitingFor: 'a model (open one)',
    });
  });
});
