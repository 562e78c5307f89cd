/**
 * Linear-probe benchmark, TypeScript side: 10,000 × 256 features, 10 classes (Gaussian class
 * means + unit noise, seeded), StandardScaler + softmax regression (C = 1, tol 1e-4, max 1000
 * iterations). Writes the data to build/bench/probe/{X,y}.npy and the timing to ts.json, which
 * bench_probe.py reads to run sklearn on the same data and print the ratio.
 *
 *     nice -n 10 npx tsx tools/probe/bench_probe.ts && nice -n 10 /usr/bin/python3 tools/probe/bench_probe.py
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { writeNpy } from '../../src/core/npy';
import { accuracy, predict, SoftmaxTrainer } from '../../src/core/probe/softmax-regression';
import { applyStandardizer, fitStandardizer } from '../../src/core/probe/standardize';
import { createRng, gaussian } from '../../src/core/rng';

const N = Number(process.env.N ?? 10_000);
const D = Number(process.env.D ?? 256);
const K = 10;
const OUT = 'build/bench/probe';

function makeData(): { X: Float32Array; y: Int32Array } {
  const rng = createRng(2024, 7);
  const means = gaussian(rng, K * D).map((v) => 0.1 * v);
  const y = new Int32Array(N);
  for (let i = 0; i < N; i++) y[i] = rng.nextUint32() % K;
  const X = gaussian(rng, N * D);
  for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) X[i * D + j] += means[y[i] * D + j] + 3;
  return { X, y };
}

const { X, y } = makeData();
mkdirSync(OUT, { recursive: true });
writeFileSync(`${OUT}/X.npy`, writeNpy(X, [N, D]));
writeFileSync(`${OUT}/y.npy`, writeNpy(y, [N]));

const t0 = performance.now();
const s = fitStandardizer(X, N, D);
const Z = applyStandardizer(X, N, D, s);
const trainer = new SoftmaxTrainer(Z, y, N, D, K, { C: 1, tol: 1e-4, maxIter: 1000 });
let st = trainer.step();
while (!st.done) st = trainer.step();
const seconds = (performance.now() - t0) / 1000;
const acc = accuracy(y, predict(trainer.model, Z, N));
const res = {
  n: N,
  d: D,
  k: K,
  seconds,
  iters: st.iter,
  reason: st.reason,
  objective: st.loss,
  trainAccuracy: acc,
};
writeFileSync(`${OUT}/ts.json`, `${JSON.stringify(res)}\n`);
console.log(
  `TS softmax probe ${N}×${D}, ${K} classes: ${seconds.toFixed(2)} s, ${st.iter} iterations (${st.reason}), ` +
    `objective ${st.loss.toFixed(6)}, train accuracy ${acc.toFixed(4)}`,
);
