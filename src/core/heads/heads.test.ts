import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeTf } from '../../engine/tf-node';
import { createRng, gaussian } from '../rng';
import { batchInputs } from './batch';
import {
  attentionBatchBytes,
  HEAD_BATCH_BUDGET,
  type HeadLayout,
  headMemoryError,
  specGroups,
} from './layout';
import { crossEntropy, headForward, type Params, type TF } from './model';
import { type AttentionHead, defaultHead, type MlpHead, type NeuralHead } from './spec';
import { fitHead, predictHead } from './train';
import { type HeadWeights, initialWeights, parameterCount } from './weights';

let tf: TF;
beforeAll(async () => {
  tf = await nodeTf();
});

interface Case {
  name: string;
  head: NeuralHead;
  layout: HeadLayout;
  weights: HeadWeights;
  X: number[];
  y: number[];
  logits: number[];
  loss: number;
  grads: Record<string, number[]>;
}
const mlpHead = (seed: number) => defaultHead('mlp', seed) as MlpHead;
const attentionHead = (seed: number) => defaultHead('attention', seed) as AttentionHead;

const fixture: { cases: Case[] } = JSON.parse(
  readFileSync(new URL('./fixtures/torch-heads.json', import.meta.url), 'utf8'),
);

let variables = 0;

/** The loss of `head` with weights `w` on rows X, and tfjs's gradient of every weight. */
function lossAndGrads(head: NeuralHead, layout: HeadLayout, w: HeadWeights, X: Float32Array, y: Int32Array) {
  return tf.tidy(() => {
    const params: Params = Object.fromEntries(
      Object.entries(w).map(([k, v]) => [
        k,
        tf.variable(tf.tensor(v.data, v.shape), true, `t${++variables}/${k}`),
      ]),
    );
    const rows = Array.from(y, (_, i) => i);
    const inputs = batchInputs(head, layout, X, rows, null).map((b) => tf.tensor(b.data, b.shape));
    let logits: ArrayLike<number> = [];
    const { value, grads } = tf.variableGrads(() => {
      const out = headForward(tf, head, layout, params, inputs);
      logits = out.dataSync();
      return crossEntropy(tf, out, y, layout.k);
    }, Object.values(params) as never);
    const names = Object.keys(params);
    const byName = Object.fromEntries(
      Object.values(grads).map((g, i) => [names[i], Array.from(g.dataSync())]),
    );
    for (const p of Object.values(params)) p.dispose();
    return { loss: value.dataSync()[0], logits: Array.from(logits), grads: byName };
  });
}

const lossOf = (head: NeuralHead, layout: HeadLayout, w: HeadWeights, X: Float32Array, y: Int32Array) =>
  tf.tidy(() => {
    const params = Object.fromEntries(Object.entries(w).map(([k, v]) => [k, tf.tensor(v.data, v.shape)]));
    const inputs = batchInputs(
      head,
      layout,
      X,
      Array.from(y, (_, i) => i),
      null,
    ).map((b) => tf.tensor(b.data, b.shape));
    return crossEntropy(tf, headForward(tf, head, layout, params, inputs), y, layout.k).dataSync()[0];
  });

describe('the heads against PyTorch (float64 reference, tools/heads/make_fixture.py)', () => {
  for (const c of fixture.cases)
    it(`${c.name}: logits, loss and every gradient`, () => {
      const weights: HeadWeights = Object.fromEntries(
        Object.entries(c.weights).map(([k, v]) => [
          k,
          {
            shape: v.shape,
            data: new Float32Array(v.data as unknown as number[]) as HeadWeights[string]['data'],
          },
        ]),
      );
      const X = Float32Array.from(c.X);
      const y = Int32Array.from(c.y);
      const got = lossAndGrads(c.head, c.layout, weights, X, y);
      expect(Math.abs(got.loss - c.loss)).toBeLessThan(1e-5 * Math.max(1, c.loss));
      for (const [i, v] of c.logits.entries())
        expect(Math.abs(got.logits[i] - v)).toBeLessThan(2e-5 * Math.max(1, Math.abs(v)));
      let worst = 0;
      for (const [name, g] of Object.entries(c.grads)) {
        const mine = got.grads[name];
        expect(mine, name).toHaveLength(g.length);
        for (const [i, v] of g.entries())
          worst = Math.max(worst, Math.abs(mine[i] - v) / Math.max(1e-3, Math.abs(v)));
      }
      expect(worst).toBeLessThan(1e-3);
    });
});

describe('gradients against finite differences', () => {
  const cases: [string, NeuralHead, HeadLayout][] = [
    [
      'mlp (relu)',
      { ...mlpHead(3), mlp: { hidden: 6, activation: 'relu', dropout: 0 } },
      { d: 4, k: 3, groups: [] },
    ],
    [
      'mlp (gelu)',
      { ...mlpHead(4), mlp: { hidden: 6, activation: 'gelu', dropout: 0 } },
      { d: 4, k: 3, groups: [] },
    ],
    [
      'attention (class token, two groups)',
      {
        ...attentionHead(5),
        attention: { dim: 8, heads: 2, mlpRatio: 2, dropout: 0, readout: 'cls', positions: true },
      },
      {
        d: 3 * 4 + 2 * 3,
        k: 3,
        groups: [
          { channels: 3, height: 2, width: 2 },
          { channels: 2, height: 1, width: 3 },
        ],
      },
    ],
    [
      'attention (mean of tokens)',
      {
        ...attentionHead(6),
        attention: { dim: 4, heads: 4, mlpRatio: 1, dropout: 0, readout: 'mean', positions: false },
      },
      { d: 2 * 9, k: 4, groups: [{ channels: 2, height: 3, width: 3 }] },
    ],
  ];
  for (const [name, head, layout] of cases)
    it(`${name}: central differences agree with tfjs's gradient`, () => {
      const w = initialWeights(head, layout);
      // Away from torch's init (LayerNorm 1/0, class token 0) so that every path carries gradient.
      const rng = createRng(11);
      for (const t of Object.values(w)) {
        const g = gaussian(rng, t.data.length);
        for (let i = 0; i < t.data.length; i++) t.data[i] += 0.3 * g[i];
      }
      const n = 5;
      const X = gaussian(createRng(12), n * layout.d);
      const y = Int32Array.from({ length: n }, (_, i) => i % layout.k);
      const { grads } = lossAndGrads(head, layout, w, X, y);
      const eps = 1e-2;
      const pick = createRng(13);
      let checked = 0;
      for (const [pname, t] of Object.entries(w)) {
        for (let s = 0; s < Math.min(4, t.data.length); s++) {
          const i = pick.nextUint32() % t.data.length;
          const keep = t.data[i];
          t.data[i] = keep + eps;
          const up = lossOf(head, layout, w, X, y);
          t.data[i] = keep - eps;
          const down = lossOf(head, layout, w, X, y);
          t.data[i] = keep;
          const fd = (up - down) / (2 * eps);
          expect(
            Math.abs(fd - grads[pname][i]),
            `${pname}[${i}]: fd ${fd}, grad ${grads[pname][i]}`,
          ).toBeLessThan(2e-3 + 2e-2 * Math.abs(fd));
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(8);
    });
});

describe('the rows a batch is made of', () => {
  it("turns each group's channel-major values into tokens (positions × channels)", () => {
    const head = defaultHead('attention');
    const layout: HeadLayout = {
      d: 2 * 3 + 1 * 2,
      k: 2,
      groups: [
        { channels: 2, height: 1, width: 3 },
        { channels: 1, height: 2, width: 1 },
      ],
    };
    // Row 1: group 0 = c0 [10, 11, 12], c1 [20, 21, 22]; group 1 = c0 [30, 31].
    const X = Float32Array.from([...Array(8).fill(0), 10, 11, 12, 20, 21, 22, 30, 31]);
    const [g0, g1] = batchInputs(head, layout, X, [1], null);
    expect(g0.shape).toEqual([1, 3, 2]);
    expect(Array.from(g0.data)).toEqual([10, 20, 11, 21, 12, 22]);
    expect(g1.shape).toEqual([1, 2, 1]);
    expect(Array.from(g1.data)).toEqual([30, 31]);
  });
  it("standardises an MLP head's rows", () => {
    const [b] = batchInputs(
      defaultHead('mlp'),
      { d: 2, k: 2, groups: [] },
      Float32Array.from([1, 2, 3, 4]),
      [1, 0],
      {
        mean: Float64Array.from([2, 3]),
        scale: Float64Array.from([1, 2]),
      },
    );
    expect(Array.from(b.data)).toEqual([1, 0.5, -1, -0.5]);
  });
});

describe('initial weights', () => {
  it('are PyTorch-style and seeded', () => {
    const head = defaultHead('attention', 9);
    const layout: HeadLayout = { d: 64 * 49, k: 10, groups: [{ channels: 64, height: 7, width: 7 }] };
    const a = initialWeights(head, layout);
    const b = initialWeights(head, layout);
    const c = initialWeights(defaultHead('attention', 10), layout);
    expect(a['proj0.weight'].data).toEqual(b['proj0.weight'].data);
    expect(a['proj0.weight'].data).not.toEqual(c['proj0.weight'].data);
    expect(Math.max(...a['proj0.weight'].data.map(Math.abs))).toBeLessThanOrEqual(1 / 8);
    expect(Math.max(...a['block.mlp.fc2.weight'].data.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(128));
    expect(Array.from(new Set(a['norm0.weight'].data))).toEqual([1]);
    expect(Array.from(new Set(a.cls_token.data))).toEqual([0]);
    expect(a['block.attn.qkv.weight'].shape).toEqual([64, 192]);
    expect(parameterCount(a)).toBeGreaterThan(30_000);
  });
});

describe('memory', () => {
  const maps: [number, number, number][] = [[64, 28, 28]];
  it('refuses raw 28×28 maps and names the largest grid that fits', () => {
    const err = headMemoryError(defaultHead('attention'), maps, 1, { kind: 'raw' });
    expect(err?.code).toBe('out-of-memory');
    expect(err?.message).toMatch(/785 tokens/);
    expect(err?.message).toMatch(/at most 16×16 \(grid16\)/);
    expect(err?.detail?.largestGrid).toBe(16);
  });
  it('takes the default grid, and the MLP anything', () => {
    expect(headMemoryError(defaultHead('attention'), maps, 1, { kind: 'grid', size: 8 })).toBeNull();
    expect(headMemoryError(defaultHead('mlp'), maps, 1, { kind: 'raw' })).toBeNull();
    const groups = specGroups(maps, 1, { kind: 'grid', size: 16 });
    expect(groups).toEqual([{ channels: 64, height: 14, width: 14 }]);
    expect(attentionBatchBytes(attentionHead(0), groups)).toBeLessThan(HEAD_BATCH_BUDGET);
  });
});

/** Three classes told apart by which channel has a bright spot, somewhere in a 3×3 map of 4 channels. */
function spots(n: number, seed: number) {
  const rng = createRng(seed);
  const X = gaussian(rng, n * 36);
  for (let i = 0; i < X.length; i++) X[i] *= 0.3;
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    y[r] = r % 3;
    X[r * 36 + y[r] * 9 + (rng.nextUint32() % 9)] += 3;
  }
  return { X, y };
}

describe('training', () => {
  const layout: HeadLayout = { d: 36, k: 3, groups: [{ channels: 4, height: 3, width: 3 }] };
  const data = { train: spots(96, 1), validation: spots(48, 2), test: spots(48, 3) };
  for (const kind of ['mlp', 'attention'] as const)
    it(`${kind}: learns, chooses by validation, tests once; the same seed gives the same numbers`, async () => {
      const head = {
        ...defaultHead(kind, 1),
        training: { ...defaultHead(kind).training, batchSize: 16, maxEpochs: 12, patience: 4, seed: 1 },
      };
      const epochs: number[] = [];
      const a = await fitHead(tf, head, layout, data, { onEpoch: (e) => epochs.push(e.iter) });
      const b = await fitHead(tf, { ...head, training: { ...head.training, maxEpochs: 2 } }, layout, data);
      const c = await fitHead(
        tf,
        { ...head, training: { ...head.training, maxEpochs: 1, seed: 2 } },
        layout,
        data,
      );
      expect(a.test?.accuracy).toBeGreaterThan(0.9);
      expect(a.validationAccuracy).toBe(Math.max(...a.curve.map((s) => s.validationAccuracy ?? 0)));
      expect(epochs).toEqual(a.curve.map((s) => s.iter));
      expect(a.curve.slice(0, 2)).toEqual(b.curve);
      expect(c.curve[0].loss).not.toBe(a.curve[0].loss);
      // predictHead with the chosen weights gives the test numbers again.
      const proba = predictHead(tf, head, layout, a.weights, a.scaling, data.test.X, 48);
      const argmax = Array.from({ length: 48 }, (_, i) => {
        const row = Array.from(proba.subarray(i * 3, i * 3 + 3));
        return row.indexOf(Math.max(...row));
      });
      expect(argmax).toEqual(Array.from(a.test!.predictions));
    });
  it('stops when asked, keeping the best epoch so far', async () => {
    const head = {
      ...defaultHead('mlp', 1),
      training: { ...defaultHead('mlp').training, batchSize: 16, maxEpochs: 50 },
    };
    let batches = 0;
    const fit = await fitHead(tf, head, layout, data, { shouldStop: async () => ++batches > 20 });
    expect(fit.stopReason).toBe('stopped');
    expect(fit.epochs).toBe(3);
    expect(fit.bestEpoch).toBeGreaterThan(0);
    expect(fit.test?.accuracy).toBeGreaterThan(0.5);
  });
});
