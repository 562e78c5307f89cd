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
 *   triple loop. Backpropagation through x·W asks for dY·Wᵀ and xᵀ·dY, so {@link fastMatMul}
 *   transposes such operands first (the Transpose kernel) and hands XNNPACK the plain product:
 *   the same numbers' products in a faster kernel (2–3× per training step of the attention head).
 *   Gradients still come from tfjs's own gradient functions.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { TF } from '../core/heads/model';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;

/** Routes transposed 2-D products through an explicit transpose to XNNPACK (see the file comment). */
function fastMatMul(): void {
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!original || !transpose) throw new Error('tfjs-backend-wasm has no BatchMatMul or Transpose kernel');
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    ...original,
    kernelFunc: (args: KernelArgs) => {
      const { a, b } = args.inputs as { a: Info; b: Info };
      const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
      const batch = (x: Info) => x.shape.slice(0, -2).reduce((p, q) => p * q, 1);
      if ((!transposeA && !transposeB) || batch(a) !== 1 || batch(b) !== 1) return original.kernelFunc(args);
      const backend = args.backend as { disposeData(id: unknown): void };
      const made: Info[] = [];
      const flip = (x: Info) => {
        const r = x.shape.length;
        const perm = [...Array(r).keys()];
        [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
        const out = transpose.kernelFunc({ inputs: { x }, backend: args.backend, attrs: { perm } }) as Info;
        made.push(out);
        return out;
      };
      const out = original.kernelFunc({
        inputs: { a: transposeA ? flip(a) : a, b: transposeB ? flip(b) : b },
        backend: args.backend,
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
      for (const t of made) backend.disposeData(t.dataId);
      return out;
    },
  } as tf.KernelConfig);
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
