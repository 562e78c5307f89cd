/**
 * @file How much memory a model needs to run at batch 1, from its graph alone (no weights read, no
 * session): said before a model is loaded, and the reason a model that cannot fit is refused
 * before gigabytes are read for nothing.
 *
 * - weights: the initializers' bytes (dims × element size; external data included), as stored.
 * - weights in ONNX Runtime: what the CPU kernels hold. WASM computes float16 Convs, MatMuls and
 *   norms in float32 (ONNX Runtime inserts Casts and folds them into float32 copies of the
 *   weights), so a float16 model's weights take float32's room there.
 * - activations: at batch 1, the maps a U-Net holds at once. With a manifest: the encoder's block
 *   maps (kept for the skips) plus three of the largest (a block's input, its inner map, its output),
 *   in float32. Without one: three maps of the widest Conv at the input's full resolution (an
 *   upper bound; discovery's dry run learns the real shapes).
 */
import type { Manifest } from '../manifest/types';
import { ElemType, type OnnxModelInfo } from './reader';

const ELEM_BYTES: Partial<Record<number, number>> = {
  [ElemType.FLOAT]: 4,
  [ElemType.FLOAT16]: 2,
  [ElemType.BFLOAT16]: 2,
  [ElemType.DOUBLE]: 8,
  [ElemType.INT64]: 8,
  [ElemType.INT32]: 4,
  [ElemType.INT8]: 1,
  [ElemType.UINT8]: 1,
  [ElemType.BOOL]: 1,
};

export interface MemoryEstimate {
  /** Bytes of the weights as stored (the .onnx and its external data). */
  readonly weights: number;
  /** Bytes the weights take in ONNX Runtime's CPU (WASM) kernels: float16 ones as float32. */
  readonly weightsInRuntime: number;
  /** Bytes of the activations held at once at batch 1 (an estimate). */
  readonly activations: number;
  /** weightsInRuntime + activations. */
  readonly total: number;
}

/** The estimate for `info`, sharper with the manifest's blocks (see the file comment). */
export function estimateMemory(
  info: OnnxModelInfo,
  manifest?: Pick<Manifest, 'input' | 'blocks'> | null,
): MemoryEstimate {
  let weights = 0;
  let weightsInRuntime = 0;
  for (const t of info.initializers) {
    const n = t.dims.reduce((a, b) => a * b, 1);
    const bytes = n * (ELEM_BYTES[t.elemType] ?? 4);
    weights += bytes;
    weightsInRuntime += t.elemType === ElemType.FLOAT16 ? 2 * bytes : bytes;
  }
  const activations = manifest ? fromBlocks(manifest) : fromConvs(info);
  return { weights, weightsInRuntime, activations, total: weightsInRuntime + activations };
}

function fromBlocks(manifest: Pick<Manifest, 'input' | 'blocks'>): number {
  const map = (b: Manifest['blocks'][number]) => b.channels * b.resolution[0] * b.resolution[1] * 4;
  let skips = 0;
  let largest = 0;
  for (const b of manifest.blocks) {
    if (b.stage === 'down') skips += map(b);
    largest = Math.max(largest, map(b));
  }
  const { channels, height, width } = manifest.input;
  return skips + 3 * Math.max(largest, channels * height * width * 4);
}

function fromConvs(info: OnnxModelInfo): number {
  const shapes = new Map(info.initializers.map((t) => [t.name, t.dims]));
  let widest = 1;
  for (const node of info.nodes)
    if (node.opType === 'Conv' || node.opType === 'ConvTranspose') {
      const w = shapes.get(node.inputs[1]);
      if (w?.length === 4) widest = Math.max(widest, node.opType === 'Conv' ? w[0] : w[1]);
    }
  const image = info.inputs.find((v) => v.dims?.length === 4);
  const [, , h, w] = image?.dims ?? [];
  const pixels = (typeof h === 'number' ? h : 256) * (typeof w === 'number' ? w : 256);
  return 3 * widest * pixels * 4;
}

/** "2.31 GB" / "840 MB": sizes as the messages show them. */
export function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GB` : `${Math.round(bytes / 2 ** 20)} MB`;
}

/**
 * The most a WASM session can use: onnxruntime-web 1.30's WASM builds declare their memory with a
 * maximum of 65,536 pages (`new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true })`
 * in dist/ort-wasm-simd-threaded.mjs), 4 GiB, the wasm32 limit; there is no wasm64 build.
 */
export const WASM_HEAP_BYTES = 2 ** 32;
/** What the heap needs besides the model: ONNX Runtime's own code, arenas, the inputs and outputs. */
export const WASM_HEAP_RESERVE = 256 * 2 ** 20;

/**
 * The WASM heap a session of float32 weights took, per byte of weights: measured on 2.2 GB of
 * float32 MatMul weights given as external data to onnxruntime-web 1.30's WASM build (under Node,
 * 1 thread): the process peaked at 5.2 GB, 2.2 GB of it the JavaScript copy of the data file, so
 * ≈ 3.0 GB of heap for 2.2 GB of weights (arenas and pre-packed copies).
 */
export const WASM_HEAP_PER_WEIGHT_BYTE = 1.35;

/**
 * Whether the estimate fits ONNX Runtime Web's WASM heap. float32 weights take
 * {@link WASM_HEAP_PER_WEIGHT_BYTE} times their size; float16 weights take their float32 copies
 * plus themselves (the same measurement with 1.1 GB of float16 weights: 4.4 GB peak, 1.1 GB of it
 * the JavaScript copy, ≈ 3.3 GB of heap = 2.2 + 1.1). Then the activations and a reserve.
 */
export function fitsWasmHeap(estimate: MemoryEstimate): { fits: boolean; need: number; limit: number } {
  const retyped = estimate.weightsInRuntime > estimate.weights;
  const weights = retyped
    ? estimate.weightsInRuntime + estimate.weights
    : WASM_HEAP_PER_WEIGHT_BYTE * estimate.weightsInRuntime;
  const need = Math.round(weights + estimate.activations + WASM_HEAP_RESERVE);
  return { fits: need <= WASM_HEAP_BYTES, need, limit: WASM_HEAP_BYTES };
}
