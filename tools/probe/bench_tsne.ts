/**
 * t-SNE benchmark, TypeScript side. For each N in $SIZES (default 5000,10000): 64-dim data from
 * 10 Gaussian clusters (seeded, as tsne_reference.py's generator but with createRng), written to
 * build/bench/tsne/X_<N>.npy + labels_<N>.npy; then TSNE with sklearn's defaults, timed per phase;
 * the embedding goes to Y_<N>.npy and the timings to ts_<N>.json. bench_tsne.py runs sklearn on
 * the same files and compares time and quality (10-NN accuracy, trustworthiness k = 10).
 *
 *     nice -n 10 npx tsx tools/probe/bench_tsne.ts && OMP_NUM_THREADS=1 nice -n 10 /usr/bin/python3 tools/probe/bench_tsne.py
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { knnAccuracy } from '../../src/core/embedding/knn';
import { TSNE } from '../../src/core/embedding/tsne';
import { writeNpy } from '../../src/core/npy';
import { createRng, gaussian } from '../../src/core/rng';

const SIZES = (process.env.SIZES ?? '5000,10000').split(',').map(Number);
const D = 64;
const CLUSTERS = 10;
const OUT = 'build/bench/tsne';

function makeClusters(n: number, seed: number): { X: Float32Array; labels: Int32Array } {
  const rng = createRng(seed, 1);
  const centers = gaussian(rng, CLUSTERS * D).map((v) => 0.55 * v);
  const spread = Float64Array.from({ length: CLUSTERS }, () => 0.7 + 0.6 * rng.nextFloat());
  const labels = Int32Array.from({ length: n }, () => rng.nextUint32() % CLUSTERS);
  const z = gaussian(rng, n * D);
  const X = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    for (let j = 0; j < D; j++) X[i * D + j] = centers[c * D + j] + (z[i * D + j] * spread[c]) / Math.SQRT2;
  }
  return { X, labels };
}

mkdirSync(OUT, { recursive: true });
for (const n of SIZES) {
  const { X, labels } = makeClusters(n, 3);
  writeFileSync(`${OUT}/X_${n}.npy`, writeNpy(X, [n, D]));
  writeFileSync(`${OUT}/labels_${n}.npy`, writeNpy(labels, [n]));
  const phases: Record<string, number> = {};
  const t0 = performance.now();
  const t = new TSNE(X, n, D);
  let last = performance.now();
  let s = t.step();
  for (;;) {
    const now = performance.now();
    phases[s.phase] = (phases[s.phase] ?? 0) + (now - last) / 1000;
    last = now;
    if (s.done) break;
    s = t.step();
  }
  const seconds = (performance.now() - t0) / 1000;
  const acc = knnAccuracy(t.embedding, n, 2, labels, 10);
  writeFileSync(`${OUT}/Y_${n}.npy`, writeNpy(t.embedding, [n, 2]));
  const res = { n, d: D, seconds, phases, iters: s.iter, kl: t.kl, knnAccuracy10: acc };
  writeFileSync(`${OUT}/ts_${n}.json`, `${JSON.stringify(res)}\n`);
  const ph = Object.entries(phases)
    .map(([k, v]) => `${k} ${v.toFixed(2)} s`)
    .join(', ');
  console.log(
    `TS t-SNE ${n}×${D}: ${seconds.toFixed(2)} s (${ph}), KL ${t.kl?.toFixed(4)}, 10-NN acc ${acc.toFixed(4)}`,
  );
}
