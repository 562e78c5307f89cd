import { describe, expect, it } from 'vitest';
import { DEFAULT_FORM, parseEmbeddingForm, withMethod } from './settings';
import { qualityText, runStatusText } from './status';

describe('embedding form', () => {
  it('defaults parse to t-SNE on 2000 points with auto learning rate, not standardised', () => {
    const { settings, errors } = parseEmbeddingForm(DEFAULT_FORM, 10_000);
    expect(errors).toEqual({});
    expect(settings).toMatchObject({ count: 2000, method: 'tsne', choice: 'first' });
    expect(settings!.options).toMatchObject({
      perplexity: 30,
      nIter: 1000,
      learningRate: 'auto',
      seed: 0,
      standardize: false,
    });
  });

  it('flags each bad field, only for the fields the method uses', () => {
    const bad = { ...DEFAULT_FORM, count: '3', perplexity: '0', learningRate: 'fast', nNeighbors: '1' };
    const r = parseEmbeddingForm(bad, 10_000);
    expect(r.settings).toBeNull();
    expect(Object.keys(r.errors).sort()).toEqual(['count', 'learningRate', 'perplexity']);
    expect(Object.keys(parseEmbeddingForm({ ...bad, method: 'umap', count: '20' }, 10_000).errors)).toEqual([
      'nNeighbors',
    ]);
    expect(parseEmbeddingForm({ ...DEFAULT_FORM, count: '20000' }, 10_000).errors.count).toMatch(
      /5 to 10000/,
    );
    expect(
      parseEmbeddingForm({ ...DEFAULT_FORM, learningRate: '200' }, 10_000).settings!.options.learningRate,
    ).toBe(200);
  });

  it('switching method moves default iterations along, keeps a custom value', () => {
    expect(withMethod(DEFAULT_FORM, 'umap').nIter).toBe('500');
    expect(withMethod({ ...DEFAULT_FORM, nIter: '300' }, 'umap').nIter).toBe('300');
  });
});

describe('status words', () => {
  const base = {
    method: 'tsne' as const,
    phase: 'optimize',
    iter: 120,
    totalIter: 1000,
    kl: 2.5,
    ms: 4200,
    hasLayout: true,
  };
  it('says the iteration and KL while running, stopping and when finished', () => {
    expect(runStatusText({ ...base, status: 'running' })).toBe('Iteration 120 of 1000 · KL divergence 2.500');
    expect(runStatusText({ ...base, status: 'stopped' })).toBe(
      'Stopped at iteration 120 of 1000 · KL divergence 2.500. Resume continues from here.',
    );
    expect(runStatusText({ ...base, status: 'done', iter: 1000 })).toBe(
      't-SNE finished in 4.2 s: iteration 1000 of 1000 · KL divergence 2.500.',
    );
    expect(runStatusText({ ...base, status: 'done', iter: 650 })).toBe(
      't-SNE finished in 4.2 s: converged at iteration 650 of 1000 · KL divergence 2.500.',
    );
    expect(runStatusText({ ...base, method: 'umap', kl: null, status: 'running' })).toBe('Epoch 120 of 1000');
    expect(runStatusText({ ...base, status: 'running', phase: 'neighbors' })).toBe(
      't-SNE: finding nearest neighbours…',
    );
  });

  it('quality readout names both spaces and a sample', () => {
    const q = { k: 10, embedding: 0.8, original: 0.85, rows: 2000 };
    expect(qualityText(q, 2000)).toBe(
      '10-NN accuracy: 80.0% in the 2-D layout, 85.0% in the original features',
    );
    expect(qualityText(q, 5000)).toMatch(/on a seeded sample of 2000 of 5000 points/);
  });
});
