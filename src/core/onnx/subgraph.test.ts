// Sub-graph extraction and the ONNX pooling head, checked where it matters: onnxruntime-node must
// accept the extracted models and compute the same numbers as the whole U-Net.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeRuntime } from '../../engine/onnx-node';
import type { OrtSession } from '../../engine/ort-types';
import { DiffProbeError } from '../errors';
import { validateManifest } from '../manifest/validate';
import { type Pooling, poolFeatures } from '../pooling';
import { createRng, gaussian } from '../rng';
import { DataType, encodeModel } from './model';
import { adaptiveBins, averagingMatrix, blockExtractionModel, poolingHead } from './pooling-head';
import { type NodeInfo, type OnnxModelInfo, readModel } from './reader';
import { extractSubgraph, neededNodes } from './subgraph';

const MODEL_DIR = 'public/models/fashion-mnist-ddpm';
const original = new Uint8Array(readFileSync(`${MODEL_DIR}/model.onnx`));
const manifest = validateManifest(JSON.parse(readFileSync(`${MODEL_DIR}/manifest.json`, 'utf8')));
const info = readModel(original);
const blocks = manifest.blocks.map((b) => b.name);
const runtime = nodeRuntime(1);

const N = 3;
const feeds = () => ({
  x_t: runtime.float32(gaussian(createRng(11), N * 28 * 28), [N, 1, 28, 28]),
  t: runtime.float32(Float32Array.from([0, 250, 999]), [N]),
});

describe('neededNodes', () => {
  const node = (name: string, inputs: string[], outputs: string[], graph = false): NodeInfo => ({
    name,
    opType: graph ? 'If' : 'Relu',
    domain: '',
    inputs,
    outputs,
    attributes: new Map(graph ? [['then_branch', { type: 'other' as const, code: 5 }]] : []),
  });
  const graph = (nodes: NodeInfo[]): OnnxModelInfo =>
    ({
      ...readModel(encodeModel({ name: 'g', opset: 17, inputs: [], outputs: [], nodes: [] })),
      nodes,
      inputs: [{ name: 'x', elemType: 1, dims: null }],
    }) as OnnxModelInfo;

  it('keeps the ancestors of the requested tensors, whatever the file order', () => {
    // c ← b ← a ← x, d ← x: file order is not topological.
    const g = graph([
      node('C', ['b'], ['c']),
      node('D', ['x'], ['d']),
      node('B', ['a'], ['b']),
      node('A', ['x'], ['a']),
    ]);
    expect(Array.from(neededNodes(g, ['b']).keep)).toEqual([0, 0, 1, 1]);
    expect(Array.from(neededNodes(g, ['c', 'd']).keep)).toEqual([1, 1, 1, 1]);
    expect(Array.from(neededNodes(g, ['x']).keep)).toEqual([0, 0, 0, 0]);
  });

  it('keeps everything once a node with a subgraph is needed (its outer-scope reads are not listed)', () => {
    const g = graph([node('A', ['x'], ['a']), node('If', ['a'], ['b'], true), node('C', ['x'], ['c'])]);
    expect(neededNodes(g, ['b']).keptAll).toBe(true);
    expect(Array.from(neededNodes(g, ['b']).keep)).toEqual([1, 1, 1]);
    expect(neededNodes(g, ['c']).keptAll).toBe(false);
  });

  it('names tensors the graph does not have', () => {
    const g = graph([node('A', ['x'], ['a'])]);
    expect(() => neededNodes(g, ['a', 'nope'])).toThrow(DiffProbeError);
    expect(() => neededNodes(g, ['a', 'nope'])).toThrow('no tensor "nope" in the graph');
  });
});

describe('extractSubgraph (bytes)', () => {
  it('drops the nodes and initializers a block does not need, and lists only it as output', () => {
    const { bytes, stats } = extractSubgraph(original, ['down0_0'], { info });
    const sub = readModel(bytes);
    expect(sub.outputs.map((o) => o.name)).toEqual(['down0_0']);
    expect(sub.outputs[0].elemType).toBe(1);
    expect(stats.keptAll).toBe(false);
    expect(stats.keptNodes).toBe(sub.nodes.length);
    expect(sub.nodes.length).toBeLessThan(info.nodes.length / 4);
    expect(sub.initializers.length).toBe(stats.keptInitializers);
    expect(sub.initializers.length).toBeLessThan(info.initializers.length / 3);
    expect(bytes.length).toBeLessThan(original.length / 5);
    // Every graph input is kept, so the feeds stay the same.
    expect(sub.inputs.map((v) => v.name)).toEqual(info.inputs.map((v) => v.name));
    // Kept nodes keep their file order and content.
    const kept = new Set(sub.nodes.map((n) => n.name));
    expect(sub.nodes).toEqual(info.nodes.filter((n) => kept.has(n.name)));
  });

  it('old-style graph inputs that name a dropped initializer go with it', () => {
    const w = { name: 'w', type: DataType.FLOAT, dims: [2], data: Float32Array.from([1, 2]) };
    const v = { name: 'v', type: DataType.FLOAT, dims: [2], data: Float32Array.from([3, 4]) };
    const model = encodeModel({
      name: 'old',
      opset: 17,
      inputs: [
        { name: 'x', type: DataType.FLOAT, dims: [2] },
        { name: 'w', type: DataType.FLOAT, dims: [2] },
        { name: 'v', type: DataType.FLOAT, dims: [2] },
      ],
      outputs: [{ name: 'z', type: DataType.FLOAT, dims: [2] }],
      initializers: [w, v],
      nodes: [
        { op: 'Mul', inputs: ['x', 'w'], outputs: ['y'] },
        { op: 'Add', inputs: ['y', 'v'], outputs: ['z'] },
      ],
    });
    const sub = readModel(extractSubgraph(model, ['y']).bytes);
    expect(sub.initializers.map((t) => t.name)).toEqual(['w']);
    expect(sub.nodes.map((n) => n.opType)).toEqual(['Mul']);
    expect(sub.outputs.map((o) => o.name)).toEqual(['y']);
  });

  it('refuses a tensor the graph does not have', () => {
    expect(() => extractSubgraph(original, ['mid', 'no such tensor'], { info })).toThrow(
      'no tensor "no such tensor" in the graph',
    );
  });
});

describe('sub-graphs in onnxruntime-node', () => {
  let full: OrtSession;
  let reference: Record<string, { data: Float32Array; dims: readonly number[] }>;
  beforeAll(async () => {
    full = await runtime.createSession(original);
    const out = await full.run(feeds());
    reference = Object.fromEntries(
      Object.entries(out).map(([k, v]) => [k, { data: v.data as Float32Array, dims: v.dims }]),
    );
  });
  afterAll(async () => {
    await full.release();
  });

  // The acceptance test: a sub-graph gives the full graph's values bit for bit.
  for (const set of [['down0_0'], ['down1_1'], ['mid'], ['up1_0'], ['up0_2'], ['down2_0', 'up2_2'], blocks]) {
    it(`${set.length > 2 ? 'all 16 blocks' : set.join(' + ')}: bit-identical to the full graph`, async () => {
      const { bytes, stats } = extractSubgraph(original, set, { info });
      const session = await runtime.createSession(bytes);
      try {
        expect(session.outputNames).toEqual(set);
        const out = await session.run(feeds());
        for (const name of set) {
          expect(out[name].dims).toEqual(reference[name].dims);
          expect(out[name].data).toEqual(reference[name].data);
        }
        if (set.length === 1 && set[0] === 'down0_0') expect(stats.keptNodes).toBeLessThan(200);
      } finally {
        await session.release();
      }
    });
  }

  it('a tensor before the time embedding is used needs only x_t (t is still accepted)', async () => {
    const producer = info.nodes.find((n) => n.opType === 'Conv' && n.inputs[0] === 'x_t')!;
    const tensor = producer.outputs[0];
    const { bytes, stats } = extractSubgraph(original, [tensor], { info });
    expect(stats.keptNodes).toBe(1);
    const session = await runtime.createSession(bytes);
    const out = await session.run(feeds());
    expect(out[tensor].dims).toEqual([N, 32, 28, 28]);
    await session.release();
  });
});

describe('pooling head', () => {
  it('averaging matrices follow torch’s adaptive bins (7 → 2 overlaps at row 3)', () => {
    expect(adaptiveBins(7, 2)).toEqual([
      [0, 4],
      [3, 7],
    ]);
    expect(adaptiveBins(14, 4)).toEqual([
      [0, 4],
      [3, 7],
      [7, 11],
      [10, 14],
    ]);
    const m = averagingMatrix(7, 2);
    expect(Array.from(m.filter((_, k) => k % 2 === 0))).toEqual([0.25, 0.25, 0.25, 0.25, 0, 0, 0]);
    expect(Array.from(m.filter((_, k) => k % 2 === 1))).toEqual([0, 0, 0, 0.25, 0.25, 0.25, 0.25]);
  });

  it('uses AveragePool where the size divides the map and MatMuls where it does not', () => {
    const head = poolingHead(
      [
        { tensor: 'a', channels: 8, height: 28, width: 28 },
        { tensor: 'b', channels: 8, height: 7, width: 7 },
        { tensor: 'c', channels: 8, height: 7, width: 7 },
      ],
      { kind: 'adaptive', size: 4 },
    );
    expect(head.nodes.map((n) => n.op)).toEqual(['AveragePool', 'MatMul', 'MatMul', 'MatMul', 'MatMul']);
    expect(head.nodes[0].attributes).toMatchObject({ kernel_shape: [7, 7], strides: [7, 7] });
    // b and c share the averaging matrices.
    expect(head.initializers?.map((t) => t.name)).toEqual([
      'diffprobe.pool/right7to4',
      'diffprobe.pool/left7to4',
    ]);
    expect(head.dims).toEqual([128, 128, 128]);
    expect(head.guards).toEqual([null, null, null]);
    const max = poolingHead([{ tensor: 'a', channels: 8, height: 28, width: 28 }], { kind: 'max' });
    expect(max.outputs.map((o) => o.name)).toEqual(['diffprobe.pool/0/pooled', 'diffprobe.pool/0/guard']);
  });

  it('grid: AveragePool where the cells divide the side, MatMuls where not, Identity within the grid', () => {
    const head = poolingHead(
      [
        { tensor: 'a', channels: 8, height: 28, width: 28 },
        { tensor: 'b', channels: 8, height: 13, width: 13 },
        { tensor: 'c', channels: 8, height: 7, width: 7 },
      ],
      { kind: 'grid', size: 8 },
    );
    expect(head.nodes.map((n) => n.op)).toEqual(['AveragePool', 'MatMul', 'MatMul', 'Identity']);
    expect(head.nodes[0].attributes).toMatchObject({ kernel_shape: [4, 4], strides: [4, 4] });
    expect(head.dims).toEqual([8 * 49, 8 * 64, 8 * 49]);
  });

  const poolings: [string, Pooling][] = [
    ['avg', { kind: 'avg' }],
    ['max', { kind: 'max' }],
    ['avg2', { kind: 'adaptive', size: 2 }],
    ['avg4', { kind: 'adaptive', size: 4 }],
    ['grid4', { kind: 'grid', size: 4 }],
    ['grid8', { kind: 'grid', size: 8 }],
    ['raw', { kind: 'raw' }],
  ];
  for (const [label, pooling] of poolings) {
    it(`${label}: all 16 blocks pooled in ONNX match core/pooling.ts on the full graph's maps within 1e-5`, async () => {
      const full = await runtime.createSession(original);
      const maps = await full.run(feeds());
      await full.release();
      const plan = blockExtractionModel(original, info, manifest, blocks, pooling);
      const session = await runtime.createSession(plan.bytes);
      const out = await session.run(feeds());
      await session.release();
      let worst = 0;
      for (const b of manifest.blocks) {
        const got = out[plan.outputs[b.name]];
        expect(got.dims).toEqual([N, ...plan.shapes[b.name]]);
        const want = poolFeatures(maps[b.output].data as Float32Array, maps[b.output].dims, pooling);
        expect(want.dim).toBe(plan.dims[b.name]);
        const data = got.data as Float32Array;
        expect(data.length).toBe(want.data.length);
        for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(data[i] - want.data[i]));
        const guard = plan.guards[b.name];
        if (guard) expect((out[guard].data as Float32Array).every(Number.isFinite)).toBe(true);
      }
      if (label === 'raw' || label === 'max') expect(worst).toBe(0);
      console.log(`${label}: worst |ONNX − JS| ${worst.toExponential(2)}`);
      expect(worst).toBeLessThanOrEqual(1e-5);
    });
  }

  it('the max guard turns NaN and Inf in a map into non-finite values, whatever the max kernel does', async () => {
    // y = log(x): NaN for x < 0, −Inf for x = 0.
    const model = encodeModel({
      name: 'log',
      opset: 17,
      inputs: [{ name: 'x', type: DataType.FLOAT, dims: ['N', 2, 2, 2] }],
      outputs: [{ name: 'y', type: DataType.FLOAT, dims: ['N', 2, 2, 2] }],
      nodes: [{ op: 'Log', inputs: ['x'], outputs: ['y'] }],
    });
    const plan = blockExtractionModel(
      model,
      readModel(model),
      { blocks: [{ name: 'y', output: 'y', channels: 2, resolution: [2, 2] }] } as never,
      ['y'],
      { kind: 'max' },
    );
    const session = await runtime.createSession(plan.bytes);
    const x = Float32Array.from([1, 2, -1, 3, 1, 1, 0, 1]);
    const out = await session.run({ x: runtime.float32(x, [1, 2, 2, 2]) });
    const guard = Array.from(out[plan.guards.y].data as Float32Array);
    expect(Number.isNaN(guard[0])).toBe(true);
    expect(guard[1]).toBe(Number.NEGATIVE_INFINITY);
    await session.release();
  });
});
