import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web/wasm';
import { objectiveGraphBias, objectiveGraphOld } from '/tmp/exp/og_new';
import { readNpy } from '../src/core/npy';
import { fitStandardizer } from '../src/core/probe/standardize';

const X = readNpy(new Uint8Array(readFileSync('build/bench/probe/X.npy'))).data as Float32Array;
const y = readNpy(new Uint8Array(readFileSync('build/bench/probe/y.npy'))).data as Int32Array;
const n = 10000,
  d = 256,
  k = 10;
ort.env.wasm.numThreads = 1;
const std = fitStandardizer(X, n, d);
const sessions: Record<string, any> = {};
for (const [name, f] of [
  ['new', objectiveGraphOld],
  ['bias', objectiveGraphBias],
] as const) {
  const a = performance.now();
  sessions[name] = await ort.InferenceSession.create((f as any)({ X, standardizer: std, y, n, d, k }), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'basic',
  });
  console.log(name, 'create', (performance.now() - a).toFixed(1));
}
const times: Record<string, number[]> = { new: [], bias: [] };
for (let i = 0; i < 60; i++) {
  const W = new Float32Array(k * d).map((_, j) => Math.sin(j + i) * 0.05);
  const W1 = new Float32Array(k * (d + 1));
  for (let c = 0; c < k; c++) W1.set(W.subarray(c * d, c * d + d), c * (d + 1));
  for (const name of ['new', 'bias']) {
    const a = performance.now();
    if (name === 'new')
      await sessions[name].run({
        W: new ort.Tensor('float32', W, [k, d]),
        b: new ort.Tensor('float32', new Float32Array(k), [k]),
      });
    else await sessions[name].run({ W: new ort.Tensor('float32', W1, [k, d + 1]) });
    times[name].push(performance.now() - a);
  }
}
for (const name of ['new', 'bias']) {
  const t = times[name].sort((a, b) => a - b);
  console.log(name, 'median', t[30].toFixed(2), 'p10', t[6].toFixed(2));
}
