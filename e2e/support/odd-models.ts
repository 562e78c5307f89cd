/**
 * Small ONNX graphs for the bad-model checks, written with the app's own ONNX writer: each is
 * wrong (or awkward) in exactly one way that a user's export can be.
 */
import { DataType, encodeModel, type GraphSpec, type NodeSpec } from '../../src/core/onnx/model';

const image = (name: string) => ({ name, type: DataType.FLOAT, dims: ['N', 1, 8, 8] });
const timestep = { name: 't', type: DataType.FLOAT, dims: ['N'] };

function model(nodes: NodeSpec[], inputs: GraphSpec['inputs'], initializers: GraphSpec['initializers'] = []) {
  return Buffer.from(
    encodeModel({
      name: 'odd',
      nodes,
      inputs,
      outputs: [{ name: 'out', type: DataType.FLOAT, dims: ['N', 1, 8, 8] }],
      initializers,
      opset: 17,
    }),
  );
}

/** A residual pair of Adds on x, so that block discovery has something to find. */
const residual = (x: string, extra: NodeSpec[] = [], mid = x): NodeSpec[] => [
  ...extra,
  { op: 'Add', inputs: [x, mid], outputs: ['h'], name: '/body/Add' },
  { op: 'Add', inputs: ['h', x], outputs: ['out'], name: '/head/Add' },
];

/** Its only input is a [N, 8] matrix: nothing is an image. */
export function noImageInput(): Buffer {
  return Buffer.from(
    encodeModel({
      name: 'flat',
      nodes: [{ op: 'Add', inputs: ['x', 'x'], outputs: ['out'] }],
      inputs: [{ name: 'x', type: DataType.FLOAT, dims: ['N', 8] }, timestep],
      outputs: [{ name: 'out', type: DataType.FLOAT, dims: ['N', 8] }],
      opset: 17,
    }),
  );
}

/** Two [N,1,8,8] float inputs: which one is x_t is the user's call. */
export function twoImageInputs(): Buffer {
  return model(residual('a', [], 'b'), [image('a'), image('b'), timestep]);
}

/** Uses Sign, which has no WebGPU kernel in ONNX Runtime Web (it would silently run on the CPU). */
export function signOp(): Buffer {
  return model(residual('x', [{ op: 'Sign', inputs: ['x'], outputs: ['s'], name: '/sign/Sign' }], 's'), [
    image('x'),
    timestep,
  ]);
}

/** Finite up to t = 500, NaN after: h = x + x·√(500 − t). */
export function nanAfter500(): Buffer {
  return model(
    residual(
      'x',
      [
        { op: 'Sub', inputs: ['c500', 't'], outputs: ['d'] },
        { op: 'Sqrt', inputs: ['d'], outputs: ['r'] },
        { op: 'Reshape', inputs: ['r', 'shape4'], outputs: ['r4'] },
        { op: 'Mul', inputs: ['x', 'r4'], outputs: ['xr'] },
      ],
      'xr',
    ),
    [image('x'), timestep],
    [
      { name: 'c500', type: DataType.FLOAT, dims: [], data: Float32Array.of(500) },
      { name: 'shape4', type: DataType.INT64, dims: [4], data: BigInt64Array.of(-1n, 1n, 1n, 1n) },
    ],
  );
}

/** Runs, but its dry run asks for a 2^33-float tensor: far more than a tab's 4 GB WASM heap. */
export function hugeActivation(): Buffer {
  return model(
    residual(
      'x',
      [
        { op: 'Expand', inputs: ['one', 'big'], outputs: ['e'] },
        { op: 'ReduceMean', inputs: ['e'], outputs: ['m'], attributes: { axes: [2, 3], keepdims: 1 } },
        { op: 'Add', inputs: ['x', 'm'], outputs: ['xm'] },
      ],
      'xm',
    ),
    [image('x'), timestep],
    [
      { name: 'one', type: DataType.FLOAT, dims: [1, 1, 1, 1], data: Float32Array.of(1) },
      { name: 'big', type: DataType.INT64, dims: [4], data: BigInt64Array.of(1n, 1n, 65536n, 131072n) },
    ],
  );
}
