import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DiffProbeError } from '../errors';
import { inferElemTypes } from './elem-types';
import { DataType, encodeModel } from './model';
import { readModel } from './reader';
import { topologicalOrder } from './topology';

describe('inferElemTypes', () => {
  it('types every tensor of the default model that ORT can output', () => {
    const info = readModel(new Uint8Array(readFileSync('public/models/fashion-mnist-ddpm/model.onnx')));
    const types = inferElemTypes(info);
    const produced = info.nodes.flatMap((n) => n.outputs);
    expect(produced.filter((t) => !types.has(t))).toEqual([]);
    expect(types.get('/Cast_output_0')).toBe(DataType.INT64); // Cast(to=INT64) of the clipped t
    expect(types.get('/net/down.0/res/norm1/Shape_output_0')).toBe(DataType.INT64);
    expect(types.get('/net/downsample.0/Conv_output_0')).toBe(DataType.FLOAT);
    expect(types.get('/Constant_output_0')).toBe(DataType.FLOAT); // Clip's min, a float tensor
    expect(types.get('down0_0')).toBe(DataType.FLOAT);
  });

  it('applies the ops’ typing rules: comparisons, shapes, ConstantOfShape, Where, Cast', () => {
    const info = readModel(
      encodeModel({
        name: 'types',
        opset: 17,
        inputs: [{ name: 'x', type: DataType.FLOAT, dims: ['N', 4] }],
        outputs: [{ name: 'w', type: DataType.FLOAT, dims: ['N', 4] }],
        nodes: [
          { op: 'Shape', inputs: ['x'], outputs: ['s'] },
          { op: 'ConstantOfShape', inputs: ['s'], outputs: ['zeros'] },
          { op: 'Greater', inputs: ['x', 'zeros'], outputs: ['mask'] },
          { op: 'Cast', inputs: ['mask'], outputs: ['m32'], attributes: { to: DataType.INT32 } },
          { op: 'Where', inputs: ['mask', 'x', 'zeros'], outputs: ['w'] },
          { op: 'Constant', inputs: [], outputs: ['k'], attributes: { value_ints: [1, 2] } },
        ],
      }),
    );
    const types = inferElemTypes(info);
    expect(Object.fromEntries(['s', 'zeros', 'mask', 'm32', 'w', 'k'].map((t) => [t, types.get(t)]))).toEqual(
      {
        s: DataType.INT64,
        zeros: DataType.FLOAT,
        mask: DataType.BOOL,
        m32: DataType.INT32,
        w: DataType.FLOAT,
        k: DataType.INT64,
      },
    );
  });
});

describe('topologicalOrder', () => {
  const graph = (order: number[]) =>
    readModel(
      encodeModel({
        name: 'chain',
        opset: 17,
        inputs: [{ name: 'x', type: DataType.FLOAT, dims: [1] }],
        outputs: [{ name: 'd', type: DataType.FLOAT, dims: [1] }],
        nodes: order.map(
          (i) =>
            [
              { op: 'Relu', inputs: ['x'], outputs: ['a'] },
              { op: 'Neg', inputs: ['a'], outputs: ['b'] },
              { op: 'Add', inputs: ['a', 'b'], outputs: ['c'] },
              { op: 'Abs', inputs: ['c'], outputs: ['d'] },
            ][i],
        ),
      }),
    ).nodes;

  it('keeps a sorted file as it is and sorts one that is not', () => {
    const sorted = graph([0, 1, 2, 3]);
    expect(topologicalOrder(sorted)).toBe(sorted);
    const shuffled = graph([3, 2, 0, 1]);
    expect(topologicalOrder(shuffled).map((n) => n.opType)).toEqual(['Relu', 'Neg', 'Add', 'Abs']);
  });

  it('names a cycle', () => {
    const nodes = graph([0, 1]).map((n, i) => (i === 0 ? { ...n, inputs: ['b'] } : n));
    expect(() => topologicalOrder(nodes)).toThrow(DiffProbeError);
    expect(() => topologicalOrder(nodes)).toThrow(/the graph has a cycle through tensor "(a|b)"/);
  });
});
