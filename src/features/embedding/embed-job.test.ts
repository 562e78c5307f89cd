/**
 * The worker's embed / resumeEmbedding handlers driven with a fake job context: partials carry
 * the layout, Stop returns the current layout and keeps the optimiser, Resume finishes the run.
 */
import { describe, expect, it } from 'vitest';
import { DiffProbeError } from '../../core/errors';
import { createRng, gaussian } from '../../core/rng';
import type { JobContext } from '../../worker/context';
import { DEFAULT_EMBED_OPTIONS } from '../../worker/embedding/embedder';
import { embed, resumeEmbedding } from '../../worker/handlers/embed';
import type { EmbedParams, EmbedStep } from '../../worker/jobs';

function fakeContext(stopAfterCheckpoints = Number.POSITIVE_INFINITY) {
  const partials: EmbedStep[] = [];
  let checkpoints = 0;
  const controller = new AbortController();
  const ctx: JobContext = {
    id: 1,
    signal: controller.signal,
    progress: () => {},
    partial: (p) => partials.push(p as EmbedStep),
    async checkpoint() {
      await new Promise((r) => setTimeout(r, 0));
      if (++checkpoints >= stopAfterCheckpoints) throw new DiffProbeError('cancelled', 'stop');
    },
    async stopRequested() {
      await new Promise((r) => setTimeout(r, 0));
      return ++checkpoints >= stopAfterCheckpoints;
    },
  };
  return { ctx, partials };
}

function params(n: number, over: Partial<EmbedParams['options']> = {}, slot?: string): EmbedParams {
  const d = 6;
  const X = gaussian(createRng(21), n * d);
  for (let i = 0; i < n; i++) X[i * d + (i % 3)] += 5;
  return {
    X,
    n,
    d,
    labels: Int32Array.from({ length: n }, (_, i) => i % 3),
    method: 'tsne',
    options: { ...DEFAULT_EMBED_OPTIONS, perplexity: 10, nIter: 400, ...over },
    slot,
  };
}

describe('embed handler', () => {
  it('runs to the end with partials, a finite layout and both accuracies', async () => {
    const { ctx, partials } = fakeContext();
    const r = await embed(params(90), ctx);
    expect(r.stopped).toBe(false);
    expect(r.iter).toBe(400);
    expect(r.coords).toHaveLength(180);
    expect(r.coords.every(Number.isFinite)).toBe(true);
    expect(r.quality).toMatchObject({ k: 10, rows: 90 });
    expect(r.quality!.embedding).toBeGreaterThan(0.9);
    expect(r.quality!.original).toBeGreaterThan(0.9);
    expect(partials.length).toBeGreaterThan(0);
    expect(partials.at(-1)!.coords).toHaveLength(180);
    await expect(resumeEmbedding({}, fakeContext().ctx)).rejects.toThrow(/no stopped embedding "main"/);
  });

  it('Stop keeps the layout and the optimiser; Resume continues from the same iteration', async () => {
    const p = params(90, { nIter: 3000 }, 'compare');
    const stopped = await embed(p, fakeContext(2).ctx);
    expect(stopped.stopped).toBe(true);
    expect(stopped.iter).toBeGreaterThan(0);
    expect(stopped.iter).toBeLessThan(3000);
    expect(stopped.coords.every(Number.isFinite)).toBe(true);
    expect(stopped.quality).not.toBeNull();
    const { ctx, partials } = fakeContext();
    const resumed = await resumeEmbedding({ slot: 'compare' }, ctx);
    expect(resumed.stopped).toBe(false);
    expect(resumed.iter).toBe(3000);
    expect(partials[0].iter).toBeGreaterThanOrEqual(stopped.iter);
    expect(resumed.quality!.original).toBe(stopped.quality!.original);
  });

  it('too few points for the perplexity: clamped, with the message in partials and result', async () => {
    const { ctx, partials } = fakeContext();
    const r = await embed(params(12, { perplexity: 50, nIter: 260 }), ctx);
    expect(r.warnings[0]).toMatch(/perplexity 50 is too large for 12 points; using 3\.667/);
    expect(partials[0].warnings[0]).toMatch(/perplexity 50 is too large/);
    expect(r.coords.every(Number.isFinite)).toBe(true);
    expect(r.quality!.k).toBe(10);
  });

  it('PCA is one step', async () => {
    const r = await embed({ ...params(30), method: 'pca' }, fakeContext().ctx);
    expect(r.iter).toBe(0);
    expect(r.kl).toBeNull();
    expect(r.coords.every(Number.isFinite)).toBe(true);
  });
});
