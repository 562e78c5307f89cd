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

/** Two Adds and nothing else: every op has a WebGPU kernel, so it opens on WebGPU at once. */
export function residualAdds(): Buffer {
  return model(residual('x'), [image('x'), timestep]);
}

/** Uses Sign, which has no WebGPU kernel in ONNX Runtime Web (it would silently run on the CPU). */
export function signOp(): Buffer {
  return model(residual('x', [{ op: 'Sign', inputs: ['x'], outputs: ['s'], name: '/sign/Sign' }], 's'), [
    image('x'),
    timestep,
  ]);
}

/**
 * h = x + x·√d with d computed from t by `dNodes` (from the constants `consts`): finite where
 * d ≥ 0, NaN where d < 0.
 */
function nanWhereNegative(dNodes: NodeSpec[], consts: [string, number][]): Buffer {
  return model(
    residual(
      'x',
      [
        ...dNodes,
        { op: 'Sqrt', inputs: ['d'], outputs: ['r'] },
        { op: 'Reshape', inputs: ['r', 'shape4'], outputs: ['r4'] },
        { op: 'Mul', inputs: ['x', 'r4'], outputs: ['xr'] },
      ],
      'xr',
    ),
    [image('x'), timestep],
    [
      ...consts.map(([name, v]) => ({ name, type: DataType.FLOAT, dims: [], data: Float32Array.of(v) })),
      { name: 'shape4', type: DataType.INT64, dims: [4], data: BigInt64Array.of(-1n, 1n, 1n, 1n) },
    ],
  );
}

/** Finite up to t = 500, NaN after: h = x + x·√(500 − t). */
export function nanAfter500(): Buffer {
  return nanWhereNegative([{ op: 'Sub', inputs: ['c500', 't'], outputs: ['d'] }], [['c500', 500]]);
}

/**
 * NaN for 200 < t < 400 and finite elsewhere (t = 0 too, where the loader's dry runs are):
 * h = x + x·√((t − 200)(t − 400)). A sampler going down from t = 999 gets a few steps in first.
 */
export function nanBetween200And400(): Buffer {
  return nanWhereNegative(
    [
      { op: 'Sub', inputs: ['t', 'c200'], outputs: ['a'] },
      { op: 'Sub', inputs: ['t', 'c400'], outputs: ['b'] },
      { op: 'Mul', inputs: ['a', 'b'], outputs: ['d'] },
    ],
    [
      ['c200', 200],
      ['c400', 400],
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

/** Seeded small weights, so that a model's values are the same on every run. */
function weights(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 0.2;
  }
  return out;
}

/**
 * An RGB 256×256 U-Net in miniature: conv in, a residual block, a stride-2 conv down to 128×128,
 * nearest upsampling back, a skip concatenation and a conv out. Big maps, few channels.
 */
export function rgb256(): Buffer {
  const conv = (name: string, x: string, w: string, y: string, strides = [1, 1]): NodeSpec => ({
    op: 'Conv',
    inputs: [x, w],
    outputs: [y],
    name,
    attributes: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides },
  });
  const w = (name: string, cout: number, cin: number, seed: number) => ({
    name,
    type: DataType.FLOAT,
    dims: [cout, cin, 3, 3],
    data: weights(cout * cin * 9, seed),
  });
  return Buffer.from(
    encodeModel({
      name: 'rgb256',
      nodes: [
        conv('/conv_in/Conv', 'x', 'w_in', 'h0'),
        conv('/down.0/res/conv/Conv', 'h0', 'w_res', 'r0'),
        { op: 'Add', inputs: ['h0', 'r0'], outputs: ['h1'], name: '/down.0/res/Add' },
        conv('/down.0/downsample/Conv', 'h1', 'w_down', 'h2', [2, 2]),
        { op: 'Resize', inputs: ['h2', '', 'scales'], outputs: ['u'], name: '/up.0/upsample/Resize' },
        { op: 'Concat', inputs: ['u', 'h1'], outputs: ['c'], name: '/up.0/Concat', attributes: { axis: 1 } },
        conv('/conv_out/Conv', 'c', 'w_out', 'out'),
      ],
      inputs: [{ name: 'x', type: DataType.FLOAT, dims: ['N', 3, 256, 256] }, timestep],
      outputs: [{ name: 'out', type: DataType.FLOAT, dims: ['N', 3, 256, 256] }],
      initializers: [
        w('w_in', 8, 3, 1),
        w('w_res', 8, 8, 2),
        w('w_down', 8, 8, 3),
        w('w_out', 3, 16, 4),
        { name: 'scales', type: DataType.FLOAT, dims: [4], data: Float32Array.of(1, 1, 2, 2) },
      ],
      opset: 17,
    }),
  );
}

/** Its timestep is [N, 1, 1]: rank 3, a shape DiffProbe cannot feed. */
export function rank3Timestep(): Buffer {
  return model(
    residual(
      'x',
      [
        { op: 'Unsqueeze', inputs: ['t', 'axis3'], outputs: ['t4'] },
        { op: 'Add', inputs: ['x', 't4'], outputs: ['xt'] },
      ],
      'xt',
    ),
    [image('x'), { name: 't', type: DataType.FLOAT, dims: ['N', 1, 1] }],
    [{ name: 'axis3', type: DataType.INT64, dims: [1], data: BigInt64Array.of(3n) }],
  );
}
