import { beforeAll, describe, expect, it } from 'vitest';
import type { TF } from '../core/heads/model';
import { createRng, gaussian } from '../core/rng';
import { nodeTf } from './tf-node';

let tf: TF;
beforeAll(async () => {
  tf = await nodeTf();
});

/** a·b per batch item in float64, with a [batch, m, k] and b [batch, k, n] given row-major. */
function reference(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number) {
  const out = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[t * m * k + i * k + p] * b[t * k * n + p * n + j];
        out[t * m * n + i * n + j] = s;
      }
  return out;
}

/** x [batch, r, c] → [batch, c, r]. */
function flip(x: Float32Array, batch: number, r: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let t = 0; t < batch; t++)
    for (let i = 0; i < r; i++)
      for (let j = 0; j < c; j++) out[t * r * c + j * r + i] = x[t * r * c + i * c + j];
  return out;
}

describe("the WASM backend's matrix products (engine/tf-wasm.ts routes them to XNNPACK)", () => {
  const rng = createRng(7);
  for (const [lead, m, k, n] of [
    [[], 5, 3, 4],
    [[6], 7, 5, 9],
    [[2, 3], 50, 16, 50],
  ] as [number[], number, number, number][])
    for (const transposeA of [false, true])
      for (const transposeB of [false, true])
        it(`[${lead}] ${m}×${k} · ${k}×${n}, transposeA ${transposeA}, transposeB ${transposeB}`, () => {
          const batch = lead.reduce((p, q) => p * q, 1);
          const a = gaussian(rng, batch * m * k);
          const b = gaussian(rng, batch * k * n);
          const want = reference(a, b, batch, m, k, n);
          const got = tf.tidy(() => {
            const ta = tf.tensor(transposeA ? flip(a, batch, m, k) : a, [
              ...lead,
              ...(transposeA ? [k, m] : [m, k]),
            ]);
            const tb = tf.tensor(transposeB ? flip(b, batch, k, n) : b, [
              ...lead,
              ...(transposeB ? [n, k] : [k, n]),
            ]);
            const out = tf.matMul(ta as never, tb as never, transposeA, transposeB);
            expect(out.shape).toEqual([...lead, m, n]);
            return out.dataSync();
          });
          let worst = 0;
          for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
          expect(worst).toBeLessThan(1e-5);
        });
  it('leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.matMul(tf.ones([4, 3, 2]) as never, tf.ones([4, 3, 2]) as never, false, true).dataSync();
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
