/**
 * @file The probe's data term on ONNX Runtime (see core/probe/objective-graph.ts): the two
 * n×d×k matrix products of each L-BFGS evaluation run in ORT's SIMD, multi-threaded GEMM instead
 * of a JavaScript loop — about 4× faster in the browser's WASM at 10k × 256 × 10.
 */
import { OBJECTIVE_IO, type ObjectiveGraphInput, objectiveGraph } from '../core/probe/objective-graph';
import { type DataTerm, FLOAT32_FTOL } from '../core/probe/softmax-regression';
import type { OrtRuntime } from './ort-types';

/**
 * From this many multiply-adds per evaluation (n·d·k) up, ORT: e.g. 1,000 images × 64 channels ×
 * 10 classes. Below it the JavaScript loop wins, since building the session costs 50–150 ms and a
 * run has some fixed overhead. At 5,000 × 64 × 10 (check:probe, the model card's split) ORT
 * trained 16 probes in 0.27× scikit-learn's time where the loop took 5.2×.
 */
export const ORT_OBJECTIVE_MIN_WORK = 5e5;

export interface OrtDataTerm extends DataTerm {
  release(): Promise<void>;
  /** Time spent writing the graph (with the data inside) and creating its session. */
  readonly setup: { encodeMs: number; sessionMs: number };
  /** Time spent in ORT's runs so far (the rest of an L-BFGS iteration is JavaScript and messaging). */
  readonly runMs: number;
}

/**
 * @param input the training rows (and optional test rows) the graph holds; see objectiveGraph.
 */
export async function createOrtDataTerm(
  runtime: OrtRuntime,
  input: ObjectiveGraphInput,
): Promise<OrtDataTerm> {
  const { n, d, k, test } = input;
  const t0 = performance.now();
  const graph = objectiveGraph(input);
  const t1 = performance.now();
  // 'basic' (constant folding, redundant-node removal) is all this graph can use; the 'all' level's
  // layout passes found nothing to change but doubled session creation (23 → 55 ms at 10k × 256 in
  // onnxruntime-web, same run time).
  const session = await runtime.createSession(graph, { graphOptimizationLevel: 'basic' });
  const setup = { encodeMs: t1 - t0, sessionMs: performance.now() - t1 };
  const W = new Float32Array(k * d);
  const b = new Float32Array(k);
  let runMs = 0;
  return {
    get runMs() {
      return runMs;
    },
    async evaluate(w, g) {
      const t = performance.now();
      for (let i = 0; i < k * d; i++) W[i] = w[i];
      for (let c = 0; c < k; c++) b[c] = w[k * d + c];
      const out = await session.run({
        [OBJECTIVE_IO.W]: runtime.float32(W, [k, d]),
        [OBJECTIVE_IO.b]: runtime.float32(b, [k]),
      });
      const gW = out[OBJECTIVE_IO.gradW].data as Float32Array;
      const gb = out[OBJECTIVE_IO.gradb].data as Float32Array;
      const rows = out[OBJECTIVE_IO.ceRows].data as Float32Array;
      for (let i = 0; i < k * d; i++) g[i] = gW[i];
      for (let c = 0; c < k; c++) g[k * d + c] = gb[c];
      // Summed in float64 here: a float32 sum over 10k rows would put noise into L-BFGS's ftol test.
      let ce = 0;
      for (let i = 0; i < n; i++) ce += rows[i];
      const correct = (out[OBJECTIVE_IO.correct].data as Float32Array)[0];
      const testCorrect = test ? (out[OBJECTIVE_IO.testCorrect].data as Float32Array)[0] : undefined;
      for (const t of Object.values(out)) t.dispose?.();
      runMs += performance.now() - t;
      return { ce, correct, testCorrect };
    },
    // The graph computes in float32; only the sum over rows is taken in float64 (above).
    relativePrecision: FLOAT32_FTOL,
    release: () => session.release(),
    setup,
  };
}
