/**
 * @file The softmax-regression objective of softmax-regression.ts as an ONNX graph, so that ONNX
 * Runtime's SIMD (and threaded) GEMM kernels do the two n×d×k products of every evaluation. The
 * training features and labels are baked in as initializers: one evaluation only sends W and b.
 *
 * Given W (k×d) and b (k), with Z = X·Wᵀ + b and P = softmax(Z) by row, it returns
 *   gradW = (P − Y)ᵀ·X (k×d),  gradb = Σ_rows (P − Y) (k),
 *   ceRows = logsumexp(Z) − z_y per row (n; summed in float64 by the caller), and
 *   correct = the number of rows whose arg-max logit is the label.
 * The L2 penalty is added by the caller (it is k×d operations).
 */
import { DataType, type DataTypeCode, encodeModel, type NodeSpec } from '../onnx/model';
import type { Features } from './standardize';

export interface ObjectiveGraphInput {
  readonly X: Features;
  readonly y: ArrayLike<number>;
  readonly n: number;
  readonly d: number;
  readonly k: number;
  /** Held-out rows: then `testCorrect` counts those the model classifies right, at no extra run. */
  readonly test?: { readonly X: Features; readonly y: ArrayLike<number>; readonly n: number };
  /** Element type of the computation: FLOAT (fast SIMD GEMM) or DOUBLE. Default FLOAT. */
  readonly type?: typeof DataType.FLOAT | typeof DataType.DOUBLE;
}

/** Names of the graph's inputs and outputs. */
export const OBJECTIVE_IO = {
  W: 'W',
  b: 'b',
  gradW: 'gradW',
  gradb: 'gradb',
  ceRows: 'ceRows',
  correct: 'correct',
  testCorrect: 'testCorrect',
} as const;

/** Nodes counting the rows of `X` whose arg-max logit equals `labels` into `out`. */
function countCorrect(X: string, labels: string, out: string): NodeSpec[] {
  return [
    { op: 'Gemm', inputs: [X, 'W', 'b'], outputs: [`${out}_Z`], attributes: { transB: 1 } },
    { op: 'ArgMax', inputs: [`${out}_Z`], outputs: [`${out}_pred`], attributes: { axis: 1, keepdims: 0 } },
    { op: 'Equal', inputs: [`${out}_pred`, labels], outputs: [`${out}_hit`] },
    { op: 'Cast', inputs: [`${out}_hit`], outputs: [`${out}_hitF`], attributes: { to: DataType.FLOAT } },
    { op: 'ReduceSum', inputs: [`${out}_hitF`], outputs: [out], attributes: { keepdims: 0 } },
  ];
}

function int64Labels(y: ArrayLike<number>, n: number): BigInt64Array {
  const labels = new BigInt64Array(n);
  for (let i = 0; i < n; i++) labels[i] = BigInt(y[i]);
  return labels;
}

export function objectiveGraph({
  X,
  y,
  n,
  d,
  k,
  test,
  type = DataType.FLOAT,
}: ObjectiveGraphInput): Uint8Array {
  const Arr = type === DataType.FLOAT ? Float32Array : Float64Array;
  const x = new Arr(n * d);
  for (let i = 0; i < n * d; i++) x[i] = X[i];
  const onehot = new Arr(n * k);
  for (let i = 0; i < n; i++) onehot[i * k + y[i]] = 1;
  const t: DataTypeCode = type;
  const nodes: NodeSpec[] = [
    { op: 'Gemm', inputs: ['X', 'W', 'b'], outputs: ['Z'], attributes: { transB: 1 } },
    { op: 'ReduceMax', inputs: ['Z'], outputs: ['M'], attributes: { axes: [1], keepdims: 1 } },
    { op: 'Sub', inputs: ['Z', 'M'], outputs: ['Zs'] },
    { op: 'Exp', inputs: ['Zs'], outputs: ['E'] },
    { op: 'ReduceSum', inputs: ['E', 'axis1'], outputs: ['S'], attributes: { keepdims: 1 } },
    { op: 'Div', inputs: ['E', 'S'], outputs: ['P'] },
    { op: 'Sub', inputs: ['P', 'Y'], outputs: ['R'] },
    { op: 'Gemm', inputs: ['R', 'X'], outputs: ['gradW'], attributes: { transA: 1 } },
    { op: 'ReduceSum', inputs: ['R', 'axis0'], outputs: ['gradb'], attributes: { keepdims: 0 } },
    // logsumexp(z) − z_y = log S − (z_y − max z), on the shifted logits.
    { op: 'Mul', inputs: ['Zs', 'Y'], outputs: ['ZsY'] },
    { op: 'ReduceSum', inputs: ['ZsY', 'axis1'], outputs: ['zy'], attributes: { keepdims: 0 } },
    { op: 'Log', inputs: ['S'], outputs: ['logS2'] },
    { op: 'Squeeze', inputs: ['logS2', 'axis1'], outputs: ['logS'] },
    { op: 'Sub', inputs: ['logS', 'zy'], outputs: ['ceRows'] },
    { op: 'ArgMax', inputs: ['Z'], outputs: ['pred'], attributes: { axis: 1, keepdims: 0 } },
    { op: 'Equal', inputs: ['pred', 'labels'], outputs: ['hit'] },
    { op: 'Cast', inputs: ['hit'], outputs: ['hitF'], attributes: { to: DataType.FLOAT } },
    { op: 'ReduceSum', inputs: ['hitF'], outputs: ['correct'], attributes: { keepdims: 0 } },
  ];
  const extra = [];
  if (test) {
    const xt = new Arr(test.n * d);
    for (let i = 0; i < test.n * d; i++) xt[i] = test.X[i];
    nodes.push(...countCorrect('Xtest', 'labelsTest', 'testCorrect'));
    extra.push(
      { name: 'Xtest', type: t, dims: [test.n, d], data: xt },
      { name: 'labelsTest', type: DataType.INT64, dims: [test.n], data: int64Labels(test.y, test.n) },
    );
  }
  return encodeModel({
    name: 'softmax_objective',
    opset: 13,
    nodes,
    initializers: [
      { name: 'X', type: t, dims: [n, d], data: x },
      { name: 'Y', type: t, dims: [n, k], data: onehot },
      { name: 'labels', type: DataType.INT64, dims: [n], data: int64Labels(y, n) },
      { name: 'axis0', type: DataType.INT64, dims: [1], data: new BigInt64Array([0n]) },
      { name: 'axis1', type: DataType.INT64, dims: [1], data: new BigInt64Array([1n]) },
      ...extra,
    ],
    inputs: [
      { name: 'W', type: t, dims: [k, d] },
      { name: 'b', type: t, dims: [k] },
    ],
    outputs: [
      { name: 'gradW', type: t, dims: [k, d] },
      { name: 'gradb', type: t, dims: [k] },
      { name: 'ceRows', type: t, dims: [n] },
      { name: 'correct', type: DataType.FLOAT, dims: [] },
      ...(test ? [{ name: 'testCorrect', type: DataType.FLOAT, dims: [] }] : []),
    ],
  });
}
