/**
 * @file TensorFlow.js on its WASM backend, for the neural heads' automatic differentiation
 * (core/heads): the part the browser's door (tf-web.ts) and Node's (tf-node.ts) share. Only the
 * engine/tf-*.ts files import tfjs; this module is reached by dynamic import only, so tfjs stays
 * out of every chunk until a head is trained.
 *
 * - One thread, SIMD: the threaded build starts its workers from blob: scripts (which the app's
 *   CSP, script-src 'self', refuses), and on one core a second thread is no gain. One thread also
 *   keeps every sum in one order, so the same settings give the same numbers.
 * - Matrix products: tfjs-backend-wasm sends a product to XNNPACK only when neither side is
 *   transposed and there is no batch (batch_mat_mul_impl.cc); every other product runs a plain
 *   triple loop. {@link fastMatMul} re-registers the BatchMatMul kernel so that every product
 *   reaches XNNPACK: a transposed operand is transposed first (the Transpose kernel), and a
 *   batched product ([…, m, k]·[…, k, n], as the attention's q·kᵀ and p·v per image and head) runs
 *   as one 2-D XNNPACK product per batch item on views of the operands' memory (no copies). The
 *   same sums of the same products, in a faster kernel: backpropagation through x·W (dY·Wᵀ, xᵀ·dY)
 *   got 2–3× faster; with the batched products, an attention head's epoch about 1.5× more
 *   (docs/benchmarks.md). Gradients still come from tfjs's own gradient functions.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { TF } from '../core/heads/model';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;

/** What {@link perItem} uses of tfjs-backend-wasm's BackendWasm (not exported as a type). */
interface WasmBackend {
  dataIdMap: {
    get(id: object): { id: number; memoryOffset: number };
    set(id: object, d: object): void;
    delete(id: object): void;
  };
  dataIdNextNumber: number;
  wasm: {
    HEAPF32: Float32Array;
    tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
  };
  disposeData(id: unknown): void;
}

/** Routes transposed and batched products to XNNPACK (see the file comment). */
function fastMatMul(): void {
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!original || !transpose) throw new Error('tfjs-backend-wasm has no BatchMatMul or Transpose kernel');
  tf.unregisterKernel('BatchMatMul', 'wasm');
  const batchOf = (x: Info) => x.shape.slice(0, -2).reduce((p, q) => p * q, 1);
  tf.registerKernel({
    ...original,
    kernelFunc: (args: KernelArgs) => {
      const { a, b } = args.inputs as { a: Info; b: Info };
      const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
      const batch = batchOf(a);
      const plain = !transposeA && !transposeB;
      if (batch !== batchOf(b) || a.shape.length !== b.shape.length) return original.kernelFunc(args);
      if (batch === 1 && plain) return original.kernelFunc(args);
      const backend = args.backend as unknown as WasmBackend;
      const made: Info[] = [];
      const flip = (x: Info) => {
        const r = x.shape.length;
        const perm = [...Array(r).keys()];
        [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
        const out = transpose.kernelFunc({ inputs: { x }, backend: args.backend, attrs: { perm } }) as Info;
        made.push(out);
        return out;
      };
      const A = transposeA ? flip(a) : a;
      const B = transposeB ? flip(b) : b;
      let out: Info;
      if (batch === 1)
        out = original.kernelFunc({
          inputs: { a: A, b: B },
          backend: args.backend,
          attrs: { ...args.attrs, transposeA: false, transposeB: false },
        }) as Info;
      else out = perItem(backend, original.kernelFunc, args, A, B, batch);
      for (const t of made) backend.disposeData(t.dataId);
      return out;
    },
  } as tf.KernelConfig);
}

/**
 * A batched plain product as one XNNPACK product per batch item: each item of A and B is handed
 * to the 2-D kernel as a view of the operand's memory (no copy), and its result copied into place.
 */
function perItem(
  backend: WasmBackend,
  kernel: tf.KernelFunc,
  args: KernelArgs,
  A: Info,
  B: Info,
  batch: number,
): Info {
  const r = A.shape.length;
  const [m, k] = A.shape.slice(-2);
  const n = B.shape[r - 1];
  const outShape = [...A.shape.slice(0, -2), m, n];
  const out = (args.backend as unknown as { makeOutput(s: number[], d: string): Info }).makeOutput(
    outShape,
    'float32',
  );
  const heap = () => backend.wasm.HEAPF32;
  const aOff = backend.dataIdMap.get(A.dataId).memoryOffset;
  const bOff = backend.dataIdMap.get(B.dataId).memoryOffset;
  const outOff = backend.dataIdMap.get(out.dataId).memoryOffset;
  const view = (offset: number, shape: number[]): Info => {
    const id = backend.dataIdNextNumber++;
    const dataId = { id };
    const size = shape[1] * shape[2];
    backend.dataIdMap.set(dataId, { id, memoryOffset: offset, shape, dtype: 'float32', refCount: 1 });
    backend.wasm.tfjs.registerTensor(id, size, offset);
    return { dataId, shape, dtype: 'float32' } as Info;
  };
  const release = (x: Info) => {
    backend.wasm.tfjs.disposeData(backend.dataIdMap.get(x.dataId).id);
    backend.dataIdMap.delete(x.dataId);
  };
  for (let i = 0; i < batch; i++) {
    const ai = view(aOff + 4 * i * m * k, [1, m, k]);
    const bi = view(bOff + 4 * i * k * n, [1, k, n]);
    const oi = kernel({
      inputs: { a: ai, b: bi },
      backend: args.backend,
      attrs: { ...args.attrs, transposeA: false, transposeB: false },
    }) as Info;
    const from = backend.dataIdMap.get(oi.dataId).memoryOffset / 4;
    const h = heap();
    h.copyWithin(outOff / 4 + i * m * n, from, from + m * n);
    backend.disposeData(oi.dataId);
    release(ai);
    release(bi);
  }
  return out;
}

let ready: Promise<TF> | null = null;

/**
 * tfjs on WASM, initialised once: `paths` are the backend's .wasm files (a folder, or a URL per
 * file name). Rejects when WASM cannot start.
 */
export function wasmTf(paths: string | Record<string, string>): Promise<TF> {
  ready ??= (async () => {
    setWasmPaths(paths as never);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!(await tf.setBackend('wasm'))) throw new Error('the TensorFlow.js WASM backend did not start');
    fastMatMul();
    return tf as unknown as TF;
  })();
  return ready;
}
