/**
 * @file Which ONNX operators onnxruntime-web's WebGPU build can run on the GPU.
 *
 * Why: ORT's native WebGPU execution provider (the one behind `onnxruntime-web/webgpu`) silently
 * places every node it has no kernel for on the CPU: no error, at most a log line, and data copied
 * between GPU and CPU around each such node. DiffProbe checks the graph's op types against this
 * list to tell the user which operator forces WASM.
 *
 * What: the ai.onnx-domain operator types for which the WebGPU EP registers a kernel, at any opset
 * version and for any element type. These are facts (operator names) read off ORT's kernel
 * registrations; no ORT code is copied. A name here does not promise every opset, type or
 * attribute: ORT can still place a node on the CPU for those, and it moves small shape
 * computations (Shape → Gather → Concat …) to the CPU on purpose.
 *
 * Source, and how it was read (onnxruntime-web 1.30.0, as installed in node_modules):
 * - microsoft/onnxruntime `onnxruntime/core/providers/webgpu/webgpu_execution_provider.cc`, the
 *   `ONNX_OPERATOR_*KERNEL_CLASS_NAME(kWebGpuExecutionProvider, kOnnxDomain, …, Op)` entries
 *   (kMSInternalNHWCDomain and com.microsoft contrib kernels left out). The only stored versions
 *   were commits 003f772b21abba32d4310f97b4c8e8035beacf4f and 9ea5d63bb0c85c302e17d12d6f2e2fa64b120900,
 *   both older than 1.30: at 003f772b the registration table had 80 ai.onnx ops, with Conv,
 *   ConvTranspose, Gemm, InstanceNormalization, Einsum, DepthToSpace and DequantizeLinear declared
 *   but commented out of it.
 * - So the list below was taken from the 1.30.0 binary itself,
 *   `dist/ort-wasm-simd-threaded.asyncify.wasm` (the module `ort.webgpu*.mjs` loads): the code
 *   that builds each WebGPU kernel's KernelDef references the string "WebGpuExecutionProvider"
 *   next to the op's name and domain (none for ai.onnx; the binary ops go through one helper,
 *   called with each name). Disassembled with wabt's `wasm-objdump -d`, data segments mapped to
 *   addresses, names read from the 304 functions that reference that string (1,083 functions
 *   reference "CPUExecutionProvider" in the same way for the CPU EP). Every op of the source
 *   file above is among them; 20 are new since that commit: And, DFT, GatherND, GRU, GridSample,
 *   HardSwish, Identity, LSTM, LpNormalization, Max, Min, PRelu, RMSNormalization,
 *   RotaryEmbedding, ScatterElements, ScatterND, SimplifiedLayerNormalization, Softplus, TopK,
 *   Trilu. MemcpyFromHost/MemcpyToHost, also registered in ai.onnx, are ORT's
 *   own copy nodes, never in a model, and are left out. SimplifiedLayerNormalization is ORT's
 *   own op, declared in the ai.onnx domain (ORT's fusions and optimizer tools write it there),
 *   so it is kept.
 *
 * Refresh when onnxruntime-web changes version (webgpu-ops.test.ts fails on purpose then): read
 * the registrations of the matching release tag (rel-X.Y.Z) in the file above, or repeat the
 * binary read, and update the list, WEBGPU_OPS_ORT_VERSION and this comment.
 */

/** The onnxruntime-web version the list was read from; the test checks the installed one. */
export const WEBGPU_OPS_ORT_VERSION = '1.30.0';

/** ai.onnx operator types with a WebGPU kernel in onnxruntime-web 1.30.0 (107, sorted). */
export const WEBGPU_OPS: ReadonlySet<string> = new Set([
  'Abs',
  'Acos',
  'Acosh',
  'Add',
  'And',
  'ArgMax',
  'ArgMin',
  'Asin',
  'Asinh',
  'Atan',
  'Atanh',
  'AveragePool',
  'BatchNormalization',
  'Cast',
  'Ceil',
  'Clip',
  'Concat',
  'Conv',
  'ConvTranspose',
  'Cos',
  'Cosh',
  'CumSum',
  'DFT',
  'DepthToSpace',
  'DequantizeLinear',
  'Div',
  'Einsum',
  'Elu',
  'Equal',
  'Erf',
  'Exp',
  'Expand',
  'Flatten',
  'Floor',
  'GRU',
  'Gather',
  'GatherElements',
  'GatherND',
  'Gelu',
  'Gemm',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'Greater',
  'GreaterOrEqual',
  'GridSample',
  'HardSigmoid',
  'HardSwish',
  'Identity',
  'If',
  'InstanceNormalization',
  'LSTM',
  'LayerNormalization',
  'LeakyRelu',
  'Less',
  'LessOrEqual',
  'Log',
  'LpNormalization',
  'MatMul',
  'Max',
  'MaxPool',
  'Min',
  'Mul',
  'Neg',
  'Not',
  'PRelu',
  'Pad',
  'Pow',
  'RMSNormalization',
  'Range',
  'Reciprocal',
  'ReduceL1',
  'ReduceL2',
  'ReduceLogSum',
  'ReduceLogSumExp',
  'ReduceMax',
  'ReduceMean',
  'ReduceMin',
  'ReduceProd',
  'ReduceSum',
  'ReduceSumSquare',
  'Relu',
  'Reshape',
  'Resize',
  'RotaryEmbedding',
  'ScatterElements',
  'ScatterND',
  'Shape',
  'Sigmoid',
  'SimplifiedLayerNormalization',
  'Sin',
  'Sinh',
  'Slice',
  'Softmax',
  'Softplus',
  'Split',
  'Sqrt',
  'Squeeze',
  'Sub',
  'Tan',
  'Tanh',
  'ThresholdedRelu',
  'Tile',
  'TopK',
  'Transpose',
  'Trilu',
  'Unsqueeze',
  'Where',
]);

const isOnnxDomain = (domain: string | undefined): boolean =>
  domain === undefined || domain === '' || domain === 'ai.onnx';

/**
 * The op types of `nodes` that the WebGPU EP has no kernel for, sorted and without repeats.
 * ai.onnx ops (domain '', 'ai.onnx' or absent) are checked against WEBGPU_OPS and named alone
 * ('Mod'); ops of any other domain are always listed, as 'domain::Op' ('com.microsoft::QuickGelu'),
 * since this list does not cover them (ORT does have WebGPU kernels for some com.microsoft ops).
 */
/**
 * Ops that never cost a GPU↔CPU round trip: Constant nodes become initializers when ORT loads the
 * graph, and ConstantOfShape / Size only build small shape tensors, which ORT keeps on the CPU
 * even for ops that have WebGPU kernels (torch emits them for every `x.shape[0]`).
 */
const CPU_BY_DESIGN: ReadonlySet<string> = new Set(['Constant', 'ConstantOfShape', 'Size']);

export function unsupportedOnWebGpu(nodes: Iterable<{ opType: string; domain?: string }>): string[] {
  const missing = new Set<string>();
  for (const { opType, domain } of nodes) {
    if (isOnnxDomain(domain) && CPU_BY_DESIGN.has(opType)) continue;
    if (!isOnnxDomain(domain)) missing.add(`${domain}::${opType}`);
    else if (!WEBGPU_OPS.has(opType)) missing.add(opType);
  }
  return [...missing].sort();
}
