import { readFileSync } from 'node:fs';
import { readNpy } from '../src/core/npy';
import { fitStandardizer } from '../src/core/probe/standardize';

const X = readNpy(new Uint8Array(readFileSync('build/bench/probe/X.npy'))).data as Float32Array;
const n = 10000,
  d = 256;
function onePass(X: Float32Array, m: number, d: number) {
  const K = new Float64Array(d);
  for (let j = 0; j < d; j++) K[j] = X[j];
  const s1 = new Float64Array(d),
    s2 = new Float64Array(d);
  let r = 0;
  for (; r + 1 < m; r += 2) {
    const o = r * d,
      o2 = o + d;
    for (let j = 0; j < d; j++) {
      const a = X[o + j] - K[j];
      const b = X[o2 + j] - K[j];
      s1[j] += a + b;
      s2[j] += a * a + b * b;
    }
  }
  for (; r < m; r++) {
    const o = r * d;
    for (let j = 0; j < d; j++) {
      const a = X[o + j] - K[j];
      s1[j] += a;
      s2[j] += a * a;
    }
  }
  const mean = new Float64Array(d),
    scale = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const mu = s1[j] / m;
    mean[j] = K[j] + mu;
    const v = s2[j] / m - mu * mu;
    scale[j] = Math.sqrt(Math.max(v, 0));
  }
  return { mean, scale };
}
for (let rep = 0; rep < 6; rep++) {
  const t0 = performance.now();
  const a = fitStandardizer(X, n, d);
  const t1 = performance.now();
  const b = onePass(X, n, d);
  const t2 = performance.now();
  let dm = 0,
    ds = 0;
  for (let j = 0; j < d; j++) {
    dm = Math.max(dm, Math.abs(a.mean[j] - b.mean[j]) / a.scale[j]);
    ds = Math.max(ds, Math.abs(a.scale[j] - b.scale[j]) / a.scale[j]);
  }
  console.log(
    `two-pass ${(t1 - t0).toFixed(1)} one-pass ${(t2 - t1).toFixed(1)} rel diff mean ${dm.toExponential(1)} scale ${ds.toExponential(1)}`,
  );
}
