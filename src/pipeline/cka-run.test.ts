import { describe, expect, it } from 'vitest';
import { ckaOf, featureOperand } from '../core/cka/linear-cka';
import { DiffProbeError, isDiffProbeError } from '../core/errors';
import { createRng, gaussian } from '../core/rng';
import { cka } from '../worker/handlers/cka';
import type { CkaCell, ExtractParams, GramParams } from '../worker/jobs';
import type { JobParams } from '../worker/protocol';
import { ckaAxes, runCka } from './cka-run';
import { type CkaMatrix, type CkaSpec, ckaToCsv, ckaToJson } from './cka-spec';
import { gramsOfMaps } from './grams';
import type { PipelineJob, PipelineRuntime } from './runtime';

const PIXELS = 6;
const DIM = 5;

/** Made-up block features: tanh of a projection of x_0 seeded by (model, block, t); 'flat' is constant. */
function features(x0: Float32Array, n: number, model: string, block: string, t: number): Float32Array {
  if (block === 'flat') return new Float32Array(n * DIM).fill(0.5);
  const seed = [...`${model}/${block}/${t}`].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  const W = gaussian(createRng(seed), PIXELS * DIM);
  const out = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++)
    for (let d = 0; d < DIM; d++) {
      let s = 0;
      for (let p = 0; p < PIXELS; p++) s += x0[i * PIXELS + p] * W[p * DIM + d];
      out[i * DIM + d] = Math.tanh(s);
    }
  return out;
}

interface Call {
  job: PipelineJob;
  params: unknown;
}

/** A runtime whose extraction is `features`, with the worker's own cka handler and the pipeline's Grams. */
function runtime(options: { stopAt?: (job: PipelineJob, n: number) => boolean; stopCkaAfter?: number } = {}) {
  const calls: Call[] = [];
  const rt: PipelineRuntime = {
    async run(job, params, call) {
      calls.push({ job, params });
      if (options.stopAt?.(job, calls.length - 1)) throw new DiffProbeError('cancelled', 'stopped');
      if (job === 'extractFeatures') {
        const p = params as ExtractParams;
        const n = p.images.count;
        const feats = Object.fromEntries(
          p.blocks.map((b) => [b, features(p.images.data, n, p.model!, b, p.t)]),
        );
        call.onPartial?.({
          rows: Array.from({ length: n }, (_, i) => i),
          features: feats,
          dims: Object.fromEntries(p.blocks.map((b) => [b, DIM])),
        } as never);
        return { count: n, dims: {}, cached: 0, subgraph: false, engines: 1 } as never;
      }
      if (job === 'extractGrams') {
        const p = params as GramParams;
        const n = p.images.count;
        return (await gramsOfMaps({
          n,
          blocks: p.blocks,
          dims: Object.fromEntries(p.blocks.map((b) => [b, DIM])),
          estimator: p.estimator,
          checkpoint: async () => {},
          extract: async (blocks, onBatch) =>
            onBatch(
              0,
              n,
              Object.fromEntries(blocks.map((b) => [b, features(p.images.data, n, p.model!, b, p.t)])),
            ),
        })) as never;
      }
      if (job === 'cka') {
        let cells = 0;
        return (await cka(params as JobParams<'cka'>, {
          progress: () => {},
          partial: (cell) => {
            cells++;
            call.onPartial?.(cell as never);
          },
          checkpoint: async () => {},
          stopRequested: async () => options.stopCkaAfter !== undefined && cells >= options.stopCkaAfter,
        })) as never;
      }
      throw new Error(`no job ${job}`);
    },
  };
  return { rt, calls };
}

const N = 24;
const X0 = Object.fromEntries(['A', 'B'].map((m, k) => [m, gaussian(createRng(40 + k), N * PIXELS)]));
const input = (model: string) => X0[model].slice();

function spec(
  view: CkaSpec['view'],
  axes: Pick<CkaSpec, 'rows' | 'cols'>,
  patch: Partial<CkaSpec> = {},
): CkaSpec {
  return {
    view,
    ...axes,
    estimator: 'biased',
    features: 'pooled',
    pooling: { kind: 'avg' },
    seed: 0,
    images: { source: 'test', ids: Array.from({ length: N }, (_, i) => `test:${i}`) },
    models: {},
    ...patch,
  };
}

/** CKA computed directly from the made-up features. */
function expected(
  a: { model: string; block: string; t: number },
  b: typeof a,
  estimator: 'biased' | 'debiased' = 'biased',
) {
  const fa = featureOperand(features(X0[a.model], N, a.model, a.block, a.t), N, DIM, estimator);
  const fb = featureOperand(features(X0[b.model], N, b.model, b.block, b.t), N, DIM, estimator);
  return ckaOf(fa, fb);
}

describe('runCka', () => {
  it('blocks × blocks: one extraction of every block at t, one cka job, each value where it belongs', async () => {
    const { rt, calls } = runtime();
    const axes = ckaAxes('blocks', { model: 'A', blocks: ['down', 'mid', 'up'], timesteps: [10] });
    const seen: CkaMatrix[] = [];
    const m = await runCka(rt, spec('blocks', axes), input, { onMatrix: (x) => seen.push(x) });
    expect(calls.map((c) => c.job)).toEqual(['extractFeatures', 'cka']);
    expect((calls[0].params as ExtractParams).blocks).toEqual(['down', 'mid', 'up']);
    expect(m.status).toBe('done');
    for (const [i, r] of axes.rows.entries())
      for (const [j, c] of axes.cols.entries()) expect(m.values[i][j]).toBeCloseTo(expected(r, c)!, 12);
    expect(m.values[1][1]).toBeCloseTo(1, 12);
    // Values stream in before the end.
    expect(seen.some((x) => x.status === 'running' && x.values.flat().some((v) => v !== null))).toBe(true);
  });

  it('timesteps × timesteps of one block: one extraction per t', async () => {
    const { rt, calls } = runtime();
    const axes = ckaAxes('timesteps', { model: 'A', blocks: ['mid'], timesteps: [0, 10, 100] });
    const m = await runCka(rt, spec('timesteps', axes), input);
    expect(
      calls.filter((c) => c.job === 'extractFeatures').map((c) => (c.params as ExtractParams).t),
    ).toEqual([0, 10, 100]);
    expect(m.values[0][2]).toBeCloseTo(expected(axes.rows[0], axes.cols[2])!, 12);
    expect(m.values[2][0]).toBe(m.values[0][2]);
  });

  it('model × model: each model extracted with its own input, a rectangular matrix', async () => {
    const { rt, calls } = runtime();
    const asked: string[] = [];
    const axes = ckaAxes('models', {
      model: 'A',
      blocks: ['down', 'up'],
      timesteps: [10],
      other: { model: 'B', blocks: ['b0', 'b1', 'b2'] },
    });
    const m = await runCka(rt, spec('models', axes), (model) => {
      asked.push(model);
      return input(model);
    });
    expect(asked).toEqual(['A', 'B']);
    expect(
      calls.filter((c) => c.job === 'extractFeatures').map((c) => (c.params as ExtractParams).model),
    ).toEqual(['A', 'B']);
    expect(m.values).toHaveLength(2);
    expect(m.values[0]).toHaveLength(3);
    expect(m.values[1][2]).toBeCloseTo(expected(axes.rows[1], axes.cols[2])!, 12);
  });

  it('full maps: Gram matrices from extractGrams give the values of the feature route', async () => {
    for (const estimator of ['biased', 'debiased'] as const) {
      const { rt, calls } = runtime();
      const axes = ckaAxes('blocks', { model: 'A', blocks: ['down', 'mid'], timesteps: [10] });
      const m = await runCka(rt, spec('blocks', axes, { features: 'maps', pooling: null, estimator }), input);
      expect(calls.map((c) => c.job)).toEqual(['extractGrams', 'cka']);
      expect(m.route).toBe('gram');
      expect(m.values[0][1]).toBeCloseTo(expected(axes.rows[0], axes.cols[1], estimator)!, 6);
    }
  });

  it('a constant representation gives null with its reason, never NaN; the CSV leaves it empty', async () => {
    const { rt } = runtime();
    const axes = ckaAxes('blocks', { model: 'A', blocks: ['flat', 'mid'], timesteps: [10] });
    const m = await runCka(rt, spec('blocks', axes), input);
    expect(m.values[0]).toEqual([null, null]);
    expect(m.reasons[0]).toEqual(['constant', 'constant']);
    expect(m.values[1][1]).toBeCloseTo(1, 12);
    expect(m.values.flat().some((v) => Number.isNaN(v))).toBe(false);
    const csv = ckaToCsv(m).trim().split('\n');
    expect(csv[0]).toBe('block,flat,mid');
    expect(csv[1]).toBe('flat,,');
    expect(JSON.parse(ckaToJson(m)).undefined[0]).toEqual(['constant', 'constant']);
  });

  it('fewer than 10 images: a cka-data error before any job', async () => {
    const { rt, calls } = runtime();
    const axes = ckaAxes('blocks', { model: 'A', blocks: ['mid'], timesteps: [10] });
    const few = spec('blocks', axes, { images: { source: 'test', ids: ['test:0', 'test:1'] } });
    await expect(runCka(rt, few, input)).rejects.toSatisfy((e) => isDiffProbeError(e, 'cka-data'));
    expect(calls).toEqual([]);
  });

  it('Stop: during extraction the matrix stays empty; during CKA the values so far are kept', async () => {
    const axes = ckaAxes('blocks', { model: 'A', blocks: ['down', 'mid', 'up'], timesteps: [10] });
    const early = await runCka(
      runtime({ stopAt: (job) => job === 'extractFeatures' }).rt,
      spec('blocks', axes),
      input,
    );
    expect(early.status).toBe('stopped');
    expect(early.values.flat().every((v) => v === null)).toBe(true);
    const late = await runCka(runtime({ stopCkaAfter: 3 }).rt, spec('blocks', axes), input);
    expect(late.status).toBe('stopped');
    const computed = late.values.flat().filter((v) => v !== null).length;
    expect(computed).toBeGreaterThan(0);
    expect(computed).toBeLessThan(9);
  });
});

describe('cka job', () => {
  it('streams every value; symmetric pairs computed once and mirrored', async () => {
    const X = features(X0.A, N, 'A', 'mid', 0);
    const Y = features(X0.A, N, 'A', 'up', 0);
    const cells: CkaCell[] = [];
    const out = await cka(
      {
        inputs: [
          { kind: 'features', X, dim: DIM },
          { kind: 'features', X: Y, dim: DIM },
        ],
        n: N,
        estimator: 'biased',
        rows: [0, 1],
        cols: [0, 1],
      },
      {
        progress: () => {},
        partial: (c) => cells.push(c as CkaCell),
        checkpoint: async () => {},
        stopRequested: async () => false,
      },
    );
    expect(cells).toHaveLength(4);
    expect(out.values[0][1]).toBe(out.values[1][0]);
    expect(out.route).toBe('features');
    expect(out.constant).toEqual([false, false]);
  });
});
