import { describe, expect, it } from 'vitest';
import {
  beforeNormalisation,
  changesResolution,
  indexGraph,
  isAncestor,
  normalisationInput,
  pointwiseRoot,
  predictionHead,
} from './discover-graph';
import type { AttributeValue, NodeInfo, OnnxModelInfo } from './reader';

type Attrs = Record<string, number | number[]>;

function node(
  name: string,
  opType: string,
  inputs: string[],
  attrs: Attrs = {},
  outputs = [`${name}:0`],
): NodeInfo {
  const attributes = new Map<string, AttributeValue>(
    Object.entries(attrs).map(([k, v]) => [
      k,
      Array.isArray(v) ? { type: 'ints', value: v } : { type: 'int', value: v },
    ]),
  );
  return { name, opType, domain: '', inputs, outputs, attributes };
}

function graph(
  nodes: NodeInfo[],
  initializers: [string, number[]][] = [],
  outputs: string[] = [],
): OnnxModelInfo {
  return {
    irVersion: 8,
    opsets: [{ domain: '', version: 17 }],
    producer: 'test',
    graphName: 'g',
    nodes,
    inputs: [
      { name: 'x', elemType: 1, dims: ['N', 1, 8, 8] },
      { name: 't', elemType: 1, dims: ['N'] },
    ],
    outputs: outputs.map((name) => ({ name, elemType: 1, dims: null })),
    valueInfo: [],
    initializers: initializers.map(([name, dims]) => ({ name, elemType: 1, dims, external: false })),
    externalData: false,
    externalFiles: [],
    constants: [],
  };
}

describe('changesResolution', () => {
  const w = (k: number): [string, number[]] => [`w${k}`, [4, 4, k, k]];
  const g = indexGraph(graph([], [w(1), w(2), w(3), w(4)]));
  const conv = (op: string, k: number, attrs: Attrs) =>
    changesResolution(node('n', op, ['x', `w${k}`], attrs), g);

  it('counts strides, and windows that the padding does not make up for', () => {
    expect(conv('Conv', 3, { pads: [1, 1, 1, 1] })).toBe(false);
    expect(conv('Conv', 3, { pads: [1, 1, 1, 1], strides: [2, 2] })).toBe(true);
    expect(conv('Conv', 1, {})).toBe(false); // 1×1, no padding needed
    expect(conv('Conv', 2, {})).toBe(true); // 7×7 → 6×6, as the tutorials' down3.0
    expect(conv('Conv', 3, {})).toBe(true); // an unpadded 3×3 shrinks by 2
    expect(conv('Conv', 3, { pads: [1, 1, 1, 1], dilations: [2, 2] })).toBe(true);
    expect(conv('Conv', 3, { kernel_shape: [3, 3], pads: [2, 2, 2, 2], dilations: [2, 2] })).toBe(false);
    expect(changesResolution(node('n', 'Conv', ['x', 'w_unknown'], {}), g)).toBe(false);
  });

  it('ConvTranspose grows with a stride, a kernel beyond its padding or an output padding; pooling with a stride', () => {
    expect(conv('ConvTranspose', 4, { strides: [2, 2], pads: [1, 1, 1, 1] })).toBe(true);
    expect(conv('ConvTranspose', 2, {})).toBe(true); // 6×6 → 7×7, as the tutorials' up1.2
    expect(conv('ConvTranspose', 3, { pads: [1, 1, 1, 1] })).toBe(false);
    expect(changesResolution(node('p', 'MaxPool', ['x'], { kernel_shape: [2, 2], strides: [2, 2] }), g)).toBe(
      true,
    );
    expect(
      changesResolution(node('p', 'MaxPool', ['x'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), g),
    ).toBe(false);
    expect(changesResolution(node('r', 'Resize', ['x']), g)).toBe(true);
    expect(changesResolution(node('r', 'Relu', ['x']), g)).toBe(false);
  });
});

describe('walking back through the ops that make no block', () => {
  // conv → SiLU (Sigmoid + Mul) → GroupNorm (Reshape, InstanceNormalization, Reshape, affine) → SiLU → conv
  const nodes = [
    node('c1', 'Conv', ['x', 'w'], { pads: [1, 1, 1, 1] }),
    node('s1', 'Sigmoid', ['c1:0']),
    node('m1', 'Mul', ['c1:0', 's1:0']),
    node('r1', 'Reshape', ['m1:0', 'shape']),
    node('in', 'InstanceNormalization', ['r1:0', 'ones', 'zeros']),
    node('r2', 'Reshape', ['in:0', 'shape']),
    node('g', 'Mul', ['r2:0', 'gamma']),
    node('b', 'Add', ['g:0', 'beta']),
    node('s2', 'Sigmoid', ['b:0']),
    node('m2', 'Mul', ['b:0', 's2:0']),
    node('out', 'Conv', ['m2:0', 'w'], { pads: [1, 1, 1, 1] }, ['eps']),
    node('tadd', 'Add', ['m1:0', 't']),
  ];
  const consts: [string, number[]][] = [
    ['w', [1, 1, 3, 3]],
    ['shape', [3]],
    ['ones', [1]],
    ['zeros', [1]],
    ['gamma', [1, 1, 1]],
    ['beta', [1, 1, 1]],
  ];
  const g = indexGraph(graph(nodes, consts, ['eps']));

  it('pointwiseRoot: SiLU and affines lead back to one tensor; a sum of two computed tensors stops', () => {
    expect(pointwiseRoot('m1:0', g).root).toBe('c1:0');
    expect([...pointwiseRoot('m1:0', g).nodes].map((n) => n.name).sort()).toEqual(['m1', 's1']);
    expect(pointwiseRoot('m2:0', g).root).toBe('r2:0');
    expect(pointwiseRoot('tadd:0', g).root).toBe('tadd:0');
  });

  it('normalisationInput: through the GroupNorm export to what enters it', () => {
    expect(normalisationInput('r2:0', g)).toBe('m1:0');
    expect(normalisationInput('c1:0', g)).toBeUndefined();
    // A resampling fed by norm → activation takes the block output before them; a bare activation stays.
    expect(beforeNormalisation('m2:0', g)).toBe('m1:0');
    expect(beforeNormalisation('m1:0', g)).toBe('m1:0');
  });

  it('predictionHead: a norm + activation before the conv belongs to the head; a bare activation does not', () => {
    expect(predictionHead('eps', g)).toEqual({
      conv: { node: 'out', op: 'Conv' },
      input: 'm1:0',
      normalised: true,
    });
    const post = indexGraph(
      graph([nodes[0], nodes[1], nodes[2], node('out', 'Conv', ['m1:0', 'w'], {}, ['eps'])], consts, ['eps']),
    );
    expect(predictionHead('eps', post)).toEqual({
      conv: { node: 'out', op: 'Conv' },
      input: 'm1:0',
      normalised: false,
    });
    expect(predictionHead('m1:0', g)).toBeUndefined();
  });

  it('isAncestor: along the computation only', () => {
    expect(isAncestor('c1:0', 'eps', g)).toBe(true);
    expect(isAncestor('eps', 'c1:0', g)).toBe(false);
    expect(isAncestor('tadd:0', 'eps', g)).toBe(false);
  });

  it('the time embedding is not on the image’s path', () => {
    expect(g.fromImage.has('tadd:0')).toBe(true);
    expect(g.fromImage.has('t')).toBe(false);
    expect(g.constant.has('r1:0')).toBe(false);
  });
});
