import { describe, expect, it } from 'vitest';
import { accuracy, predict, SoftmaxTrainer } from '../core/probe/softmax-regression';
import { createRng } from '../core/rng';
import { nodeRuntime } from './onnx-node';
import { createOrtDataTerm } from './probe-objective';

function problem(n: number, d: number, k: number, seed: number) {
  const rng = createRng(seed);
  const y = Int32Array.from({ length: n }, () => rng.nextUint32() % k);
  const X = new Float32Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) X[i * d + j] = rng.nextFloat() * 2 - 1 + (j % k === y[i] ? 0.8 : 0);
  return { X, y };
}

describe('the probe objective on ONNX Runtime', () => {
  it('gives the JavaScript objective’s value, gradient and accuracy at the same point', async () => {
    const n = 300;
    const d = 17;
    const k = 4;
    const { X, y } = problem(n, d, k, 3);
    const test = problem(150, d, k, 4);
    const term = await createOrtDataTerm(nodeRuntime(), { X, y, n, d, k, test: { ...test, n: 150 } });
    const js = new SoftmaxTrainer(X, y, n, d, k, { C: 0.5 });
    const ort = new SoftmaxTrainer(X, y, n, d, k, { C: 0.5, dataTerm: term });
    expect(ort.external).toBe(true);
    // Same L-BFGS path while the two agree to float32 precision.
    for (let s = 0; s < 6; s++) {
      const a = js.step();
      const b = await ort.stepAsync();
      expect(Math.abs(b.loss - a.loss) / a.loss).toBeLessThan(1e-5);
      expect(b.trainAccuracy).toBeCloseTo(a.trainAccuracy, 6);
      expect(Math.abs(b.gradNorm - a.gradNorm)).toBeLessThan(1e-3 * Math.max(1, a.gradNorm));
      // The held-out count comes with the evaluation, at the accepted point.
      expect(b.testCorrect).toBe(Math.round(150 * accuracy(test.y, predict(ort.model, test.X, 150))));
    }
    const wa = js.model.W;
    const wb = ort.model.W;
    let worst = 0;
    for (let i = 0; i < wa.length; i++) worst = Math.max(worst, Math.abs(wa[i] - wb[i]));
    expect(worst).toBeLessThan(1e-3);
    await term.release();
  });

  it('trains to the same accuracy as the JavaScript loop', async () => {
    const n = 2000;
    const d = 32;
    const k = 5;
    const { X, y } = problem(n, d, k, 8);
    const term = await createOrtDataTerm(nodeRuntime(), { X, y, n, d, k });
    const js = new SoftmaxTrainer(X, y, n, d, k, { maxIter: 200 });
    const ort = new SoftmaxTrainer(X, y, n, d, k, { maxIter: 200, dataTerm: term });
    let a = js.step();
    while (!a.done) a = js.step();
    let b = await ort.stepAsync();
    while (!b.done) b = await ort.stepAsync();
    expect(Math.abs(b.trainAccuracy - a.trainAccuracy)).toBeLessThanOrEqual(1 / n);
    expect(Math.abs(b.loss - a.loss) / a.loss).toBeLessThan(1e-5);
    await term.release();
  });

  it('refuses the synchronous step when the data term is asynchronous', async () => {
    const { X, y } = problem(20, 3, 2, 1);
    const term = await createOrtDataTerm(nodeRuntime(), { X, y, n: 20, d: 3, k: 2 });
    const t = new SoftmaxTrainer(X, y, 20, 3, 2, { dataTerm: term });
    expect(() => t.step()).toThrow(/stepAsync/);
    await term.release();
  });
});
