/**
 * @file A small graph made of the operators diffusion U-Nets are exported with, run once while a
 * model downloads so that the kernels it will need are ready when it arrives.
 *
 * Why: Chromium compiles WebAssembly lazily, one function at its first call. ONNX Runtime's first
 * session and first run therefore spend most of their time compiling (the default model: about
 * 0.5 s of its session's creation and 0.7 s of its first run, against 0.1 s for a later run, on
 * this 2-vCPU machine), and that time sat on the path to a ready page after the model had
 * arrived. Run here, the same compilation happens while the model's bytes are still on the wire.
 * The graph covers what the exporters emit for a U-Net (PyTorch's GroupNorm as Reshape +
 * InstanceNormalization, SiLU as Sigmoid·x, the time embedding's Gemm, attention as Einsum or
 * MatMul + Softmax, nearest Resize, strided and 1×1 Conv, the Shape/Gather/Concat arithmetic of
 * dynamic shapes, LayerNorm and GELU pieces) at sizes that take the same kernel paths as a model's
 * own (channels a multiple of 16, maps of 16×16); its numbers are never read.
 */
import { DataType, encodeModel, type InitializerSpec, type NodeSpec } from './model';

const C = 32;
const HW = 16;
/** Rows of the timestep table; the warm-up's t (10) is one of them. */
const TABLE_ROWS = 16;

function floats(name: string, dims: number[], value = 0.01): InitializerSpec {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  // Not all equal: a constant tensor could take a shortcut a real weight never takes.
  for (let i = 0; i < n; i++) data[i] = value * (((i * 7919) % 13) - 6);
  return { name, type: DataType.FLOAT, dims, data };
}

function scalar(name: string, value: number): InitializerSpec {
  return { name, type: DataType.FLOAT, dims: [], data: Float32Array.of(value) };
}

function ints(name: string, values: number[]): InitializerSpec {
  return { name, type: DataType.INT64, dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) };
}

const node = (
  op: string,
  inputs: string[],
  outputs: string[],
  attributes?: NodeSpec['attributes'],
): NodeSpec => ({
  op,
  inputs,
  outputs,
  ...(attributes && { attributes }),
});

const conv3 = { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] };

/** The warm-up model: inputs `x` [1, 32, 16, 16] and `t` [1] (float), outputs `y` and `lookup`. */
export function warmupModel(): Uint8Array {
  const nodes: NodeSpec[] = [
    // Time embedding: sinusoids, Gemm, SiLU, broadcast over the map.
    node('Unsqueeze', ['t', 'axis1'], ['t2']),
    node('Mul', ['t2', 'freqs'], ['phase']),
    node('Sin', ['phase'], ['sin']),
    node('Cos', ['phase'], ['cos']),
    node('Concat', ['sin', 'cos'], ['emb'], { axis: 1 }),
    node('Gemm', ['emb', 'wt', 'bt'], ['temb0'], { transB: 1 }),
    node('Sigmoid', ['temb0'], ['temb1']),
    node('Mul', ['temb0', 'temb1'], ['temb2']),
    node('Unsqueeze', ['temb2', 'axes23'], ['temb']),
    // Conv, GroupNorm as PyTorch exports it, SiLU, plus the time embedding.
    node('Conv', ['x', 'w1', 'b1'], ['h1'], conv3),
    node('Shape', ['h1'], ['shape1']),
    node('Reshape', ['h1', 'groups'], ['g1']),
    node('InstanceNormalization', ['g1', 'gs', 'gb'], ['g2'], { epsilon: { float: 1e-5 } }),
    node('Reshape', ['g2', 'shape1'], ['g3']),
    node('Mul', ['g3', 'gamma'], ['g4']),
    node('Add', ['g4', 'beta'], ['g5']),
    node('Sigmoid', ['g5'], ['g6']),
    node('Mul', ['g5', 'g6'], ['g7']),
    node('Add', ['g7', 'temb'], ['h2']),
    node('Conv', ['h2', 'w1x1', 'b1'], ['h3'], { kernel_shape: [1, 1], pads: [0, 0, 0, 0], strides: [1, 1] }),
    // Down and up: a strided Conv, nearest Resize, a skip concatenated.
    node('Conv', ['h3', 'w1', 'b1'], ['d1'], { ...conv3, strides: [2, 2] }),
    node('Resize', ['d1', '', 'scales'], ['u1'], {
      mode: { string: 'nearest' },
      coordinate_transformation_mode: { string: 'asymmetric' },
      nearest_mode: { string: 'floor' },
    }),
    node('Concat', ['u1', 'h3'], ['cat'], { axis: 1 }),
    node('Conv', ['cat', 'w2', 'b1'], ['h4'], conv3),
    // Self-attention as Einsum (the default model's exporter) and as MatMul (diffusers').
    node('Reshape', ['h4', 'flat'], ['q']),
    node('Einsum', ['q', 'q'], ['s1'], { equation: { string: 'bci,bcj->bij' } }),
    node('Div', ['s1', 'scale'], ['s2']),
    node('Softmax', ['s2'], ['p'], { axis: -1 }),
    node('Einsum', ['p', 'q'], ['a1'], { equation: { string: 'bij,bcj->bci' } }),
    node('Transpose', ['a1'], ['a2'], { perm: [0, 2, 1] }),
    node('MatMul', ['a2', 'wm'], ['a3']),
    node('MatMul', ['p', 'a3'], ['a4']),
    // LayerNorm and GELU pieces (transformer blocks in diffusers' U-Nets).
    node('ReduceMean', ['a4'], ['mu'], { axes: [-1] }),
    node('Sub', ['a4', 'mu'], ['dev']),
    node('Pow', ['dev', 'two'], ['sq']),
    node('ReduceMean', ['sq'], ['var'], { axes: [-1] }),
    node('Add', ['var', 'eps'], ['var2']),
    node('Sqrt', ['var2'], ['sd']),
    node('Div', ['dev', 'sd'], ['ln']),
    node('Div', ['ln', 'sqrt2'], ['ln2']),
    node('Erf', ['ln2'], ['erf']),
    node('Tanh', ['erf'], ['th']),
    node('Exp', ['th'], ['ex']),
    node('Transpose', ['ex'], ['a5'], { perm: [0, 2, 1] }),
    node('Reshape', ['a5', 'shape1'], ['h5']),
    // Split/Slice/Gather/Squeeze arithmetic on the result, then a clipped output.
    node('Split', ['h5', 'halves'], ['s_a', 's_b'], { axis: 1 }),
    node('Add', ['s_a', 's_b'], ['h6']),
    node('Slice', ['h6', 'start0', 'end8', 'axis1'], ['h7']),
    node('Gather', ['h7', 'index0'], ['h8'], { axis: 0 }),
    node('Unsqueeze', ['h8', 'axis0'], ['h9']),
    node('Squeeze', ['h9', 'axis0'], ['h10']),
    node('Cast', ['h10'], ['h11'], { to: DataType.FLOAT }),
    node('Clip', ['h11', 'lo', 'hi'], ['y']),
    // The timestep looked up in a table (nn.Embedding, or a table of sinusoids): t cast to int64,
    // then a Gather of rows of an initializer. That gather compiles one of the largest functions in
    // ORT's .wasm (490 KB of code): the default model's first run used to spend 0.25–0.4 s of its
    // 0.4–0.5 s compiling it (a page built to time it: 346 ms → 99 ms once this warm-up has it).
    node('Cast', ['t'], ['t_index'], { to: DataType.INT64 }),
    node('Gather', ['table', 't_index'], ['lookup'], { axis: 0 }),
  ];
  return encodeModel({
    name: 'diffprobe-warmup',
    nodes,
    inputs: [
      { name: 'x', type: DataType.FLOAT, dims: [1, C, HW, HW] },
      { name: 't', type: DataType.FLOAT, dims: [1] },
    ],
    outputs: [
      { name: 'y', type: DataType.FLOAT, dims: [1, 8, HW, HW] },
      { name: 'lookup', type: DataType.FLOAT, dims: [1, C] },
    ],
    initializers: [
      floats('freqs', [1, 16], 0.1),
      floats('table', [TABLE_ROWS, C]),
      floats('wt', [C, 32]),
      floats('bt', [C]),
      floats('w1', [C, C, 3, 3]),
      floats('b1', [C]),
      floats('w1x1', [C, C, 1, 1]),
      floats('w2', [C, 2 * C, 3, 3]),
      floats('gs', [8], 0.5),
      floats('gb', [8]),
      floats('gamma', [C, 1, 1], 0.5),
      floats('beta', [C, 1, 1]),
      floats('wm', [C, C]),
      scalar('scale', 16),
      scalar('two', 2),
      scalar('eps', 1e-5),
      scalar('sqrt2', Math.SQRT2),
      scalar('lo', -1),
      scalar('hi', 1),
      ints('axis0', [0]),
      ints('axis1', [1]),
      ints('axes23', [2, 3]),
      ints('groups', [1, 8, -1]),
      ints('flat', [1, C, -1]),
      ints('halves', [C / 2, C / 2]),
      ints('start0', [0]),
      ints('end8', [8]),
      ints('index0', [0]),
      { name: 'scales', type: DataType.FLOAT, dims: [4], data: Float32Array.from([1, 1, 2, 2]) },
    ],
    opset: 13,
  });
}
