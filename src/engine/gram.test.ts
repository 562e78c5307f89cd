import { describe, expect, it } from 'vitest';
import { ckaOf, gramOperand, linearGram } from '../core/cka/linear-cka';
import { createRng, gaussian } from '../core/rng';
import { ortGram } from './gram';
import { nodeRuntime } from './onnx-node';

describe('Gram matrices on ONNX Runtime', () => {
  it('K = X·Xᵀ to float32 accuracy, and CKA from it within 1e-6 of the float64 loop', async () => {
    const runtime = nodeRuntime();
    const n = 60;
    const p = 3000;
    // Maps-like data: positive offsets and unequal scales, so that centring matters.
    const X = Float32Array.from(gaussian(createRng(1), n * p), (v, i) => 2 + v * (1 + (i % 7)));
    const Y = Float32Array.from(gaussian(createRng(2), n * p), (v, i) => v + 0.5 * X[i]);
    const [Kx, Ky] = [await ortGram(runtime, X, n, p), await ortGram(runtime, Y, n, p)];
    const exact = linearGram(X, n, p);
    let rel = 0;
    const max = Math.max(...exact.map(Math.abs));
    for (let i = 0; i < exact.length; i++) rel = Math.max(rel, Math.abs(Kx[i] - exact[i]) / max);
    expect(rel).toBeLessThan(1e-6);
    for (const e of ['biased', 'debiased'] as const) {
      const viaOrt = ckaOf(gramOperand(Kx.slice(), n, e, false), gramOperand(Ky.slice(), n, e, false))!;
      const viaJs = ckaOf(
        gramOperand(linearGram(X, n, p), n, e, false),
        gramOperand(linearGram(Y, n, p), n, e, false),
      )!;
      expect(Math.abs(viaOrt - viaJs)).toBeLessThan(1e-6);
    }
  });
});
