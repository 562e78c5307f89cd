import { readFileSync } from 'node:fs';
import { readNpy } from '../src/core/npy';
import { checkSplitProbeData } from '../src/core/probe/checks';
import { objectiveGraph } from '../src/core/probe/objective-graph';
import { applyStandardizer, fitStandardizer } from '../src/core/probe/standardize';

const X = readNpy(new Uint8Array(readFileSync('build/bench/probe/X.npy'))).data as Float32Array;
const y = readNpy(new Uint8Array(readFileSync('build/bench/probe/y.npy'))).data as Int32Array;
const n = 10000,
  d = 256,
  k = 10;
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  const p = checkSplitProbeData({ X, y }, { X: X.subarray(0, 200 * d), y: y.subarray(0, 200) }, d, k);
  const t1 = performance.now();
  const std = fitStandardizer(X, n, d);
  const t2 = performance.now();
  const Z = applyStandardizer(X, n, d, std);
  const t3 = performance.now();
  const g = objectiveGraph({ X, standardizer: std, y, n, d, k });
  const t4 = performance.now();
  const g2 = objectiveGraph({ X: Z, y, n, d, k });
  const t5 = performance.now();
  const l = BigInt64Array.from(y, (v) => BigInt(v));
  const t6 = performance.now();
  console.log(
    `check ${(t1 - t0).toFixed(1)} fit ${(t2 - t1).toFixed(1)} apply ${(t3 - t2).toFixed(1)} graph+std ${(t4 - t3).toFixed(1)} graph(noStd) ${(t5 - t4).toFixed(1)} bigint ${(t6 - t5).toFixed(1)}`,
    p.length,
    g.length === g2.length,
  );
}
