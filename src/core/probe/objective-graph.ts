/**
 * @file The softmax-regression objective of softmax-regression.ts as an ONNX graph, so that ONNX
 * Runtime's SIMD (and threaded) GEMM kernels do the two n×d×k products of every evaluation. The
 * training features and labels are baked in as initializers: one evaluation only sends W and b.
 *
 * Given W (k×d) and b (k), with logits Z = W·Xᵀ + b (k × n, one column per row of X) and
 * P = softmax(Z) by column, it returns
 *   gradW = (P − Y)·X (k×d),  gradb = Σ_columns (P − Y) (k),
 *   ceRows = logsumexp − z_y per row of X (1 × n; summed in float64 by the caller), and
 *   correct = the number of rows whose arg-max logit is the label.
 * The L2 penalty is added by the caller (it is k×d operations).
 */
import { DataType, type DeferredBytes, encodeModel, type NodeSpec } from '../onnx/model';
import { applyStandardizer, type Features, type Standardizer } from './standardize';

export interface ObjectiveGraphInput {
  readonly X: Features;
  readonly y: ArrayLike<number>;
  readonly n: number;
  readonly d: number;
  readonly k: number;
  /** Held-out rows: then `testCorrect` counts those the model classifies right, at no extra run. */
  readonly test?: { readonly X: Features; readonly y: ArrayLike<number>; readonly n: number };
  /**
   * When given, X holds raw features and the graph holds them standardised with it, computed as
   * applyStandardizer does, straight into the model buffer: a 10k × 256 probe then never holds a
   * standardised copy of its training rows beside the model. (test.X is used as given: its
   * caller keeps the standardised test rows for the final metrics anyway.)
   */
  readonly standardizer?: Standardizer;
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

/** Nodes counting the columns of the logits `Z` (k × rows) whose arg-max is `labels` into `out`. */
function countCorrect(Z: string, labels: string, out: string): NodeSpec[] {
  return [
    { op: 'ArgMax', inputs: [Z], outputs: [`${out}_pred`], attributes: { axis: 0, keepdims: 0 } },
    { op: 'Equal', inputs: [`${out}_pred`, labels], outputs: [`${out}_hit`] },
    { op: 'Cast', inputs: [`${out}_hit`], outputs: [`${out}_hitF`], attributes: { to: DataType.FLOAT } },
    { op: 'ReduceSum', inputs: [`${out}_hitF`], outputs: [out], attributes: { keepdims: 0 } },
  ];
}

/** Rows per chunk when the model buffer's offset is not 4-aligned (no Float32Array view there). */
const CHUNK_ROWS = 64;

/**
 * The n×d features as float32 initializer bytes: a view when they already are float32 and need
 * no standardising (no copy), else written into the model buffer as it is assembled.
 */
export function featureBytes(
  X: Features,
  n: number,
  d: number,
  s?: Standardizer,
): ArrayBufferView | DeferredBytes {
  if (!s && X instanceof Float32Array) return X.subarray(0, n * d);
  const convert = (rows: Features, m: number, out: Float32Array) => {
    if (s) applyStandardizer(rows, m, d, s, out);
    else for (let i = 0; i < m * d; i++) out[i] = rows[i];
  };
  return {
    byteLength: 4 * n * d,
    write(out) {
      if (out.byteOffset % 4 === 0) return convert(X, n, new Float32Array(out.buffer, out.byteOffset, n * d));
      const chunk = new Float32Array(CHUNK_ROWS * d);
      const bytes = new Uint8Array(chunk.buffer);
      for (let i = 0; i < n; i += CHUNK_ROWS) {
        const m = Math.min(CHUNK_ROWS, n - i);
        convert(X.subarray(i * d, (i + m) * d), m, chunk);
        out.set(bytes.subarray(0, 4 * m * d), 4 * i * d);
      }
    },
  };
}

function int64Labels(y: ArrayLike<number>, n: number): BigInt64Array {
  const labels = new BigInt64Array(n);
  for (let i = 0; i < n; i++) labels[i] = BigInt(y[i]);
  return labels;
}

export function objectiveGraph({ X, y, n, d, k, test, standardizer }: ObjectiveGraphInput): Uint8Array {
  const onehot = new Float32Array(n * k);
  for (let i = 0; i < n; i++) onehot[y[i] * n + i] = 1; // k × n
  const labels = int64Labels(y, n); // as `labels` (n) and `labelsRow` (1 × n)
  const t = DataType.FLOAT;
  // Classes × rows layout: every product is (k × ·)·(constant X), so ORT packs X once, when the
  // session is built, and each run's GEMMs have the long dimension (n or d) as their width. The
  // rows × classes layout (X·Wᵀ, 10-wide GEMMs) took ~10 ms an evaluation against ~7.5 ms for this
  // one (10k × 256 × 10, onnxruntime-web WASM, one thread, alternating runs).
  const nodes: NodeSpec[] = [
    { op: 'Gemm', inputs: ['W', 'X', 'bCol'], outputs: ['Z'], attributes: { transB: 1 } },
    { op: 'ReduceMax', inputs: ['Z'], outputs: ['M'], attributes: { axes: [0], keepdims: 1 } },
    { op: 'Sub', inputs: ['Z', 'M'], outputs: ['Zs'] },
    { op: 'Exp', inputs: ['Zs'], outputs: ['E'] },
    { op: 'ReduceSum', inputs: ['E', 'axis0'], outputs: ['S'], attributes: { keepdims: 1 } },
    { op: 'Div', inputs: ['E', 'S'], outputs: ['P'] },
    { op: 'Sub', inputs: ['P', 'Y'], outputs: ['R'] },
    { op: 'Gemm', inputs: ['R', 'X'], outputs: ['gradW'] },
    { op: 'ReduceSum', inputs: ['R', 'axis1'], outputs: ['gradb'], attributes: { keepdims: 0 } },
    // logsumexp(z) − z_y = log S − (z_y − max z), on the shifted logits (1 × n; the caller sums).
    { op: 'GatherElements', inputs: ['Zs', 'labelsRow'], outputs: ['zy'], attributes: { axis: 0 } },
    { op: 'Log', inputs: ['S'], outputs: ['logS'] },
    { op: 'Sub', inputs: ['logS', 'zy'], outputs: ['ceRows'] },
    { op: 'Reshape', inputs: ['b', 'colShape'], outputs: ['bCol'] },
    ...countCorrect('Z', 'labels', 'correct'),
  ];
  const extra = [];
  if (test) {
    nodes.push(
      { op: 'Gemm', inputs: ['W', 'Xtest', 'bCol'], outputs: ['Ztest'], attributes: { transB: 1 } },
      ...countCorrect('Ztest', 'labelsTest', 'testCorrect'),
    );
    extra.push(
      { name: 'Xtest', type: t, dims: [test.n, d], data: featureBytes(test.X, test.n, d) },
      { name: 'labelsTest', type: DataType.INT64, dims: [test.n], data: int64Labels(test.y, test.n) },
    );
  }
  return encodeModel({
    name: 'softmax_objective',
    opset: 13,
    nodes,
    initializers: [
      { name: 'X', type: t, dims: [n, d], data: featureBytes(X, n, d, standardizer) },
      { name: 'Y', type: t, dims: [k, n], data: onehot },
      { name: 'labels', type: DataType.INT64, dims: [n], data: labels },
      { name: 'labelsRow', type: DataType.INT64, dims: [1, n], data: labels },
      { name: 'axis0', type: DataType.INT64, dims: [1], data: new BigInt64Array([0n]) },
      { name: 'axis1', type: DataType.INT64, dims: [1], data: new BigInt64Array([1n]) },
      { name: 'colShape', type: DataType.INT64, dims: [2], data: new BigInt64Array([BigInt(k), 1n]) },
      ...extra,
    ],
    inputs: [
      { name: 'W', type: t, dims: [k, d] },
      { name: 'b', type: t, dims: [k] },
    ],
    outputs: [
      { name: 'gradW', type: t, dims: [k, d] },
      { name: 'gradb', type: t, dims: [k] },
      { name: 'ceRows', type: t, dims: [1, n] },
      { name: 'correct', type: DataType.FLOAT, dims: [] },
      ...(test ? [{ name: 'testCorrect', type: DataType.FLOAT, dims: [] }] : []),
    ],
  });
}
