import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web/wasm';
import { objectiveGraph as orig } from '/tmp/exp/og_orig';
import { readNpy } from '../src/core/npy';
import { objectiveGraph } from '../src/core/probe/objective-graph';
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
  ['orig', orig],
  ['new', objectiveGraph],
] as const) {
  sessions[name] = await ort.InferenceSession.create(f({ X, standardizer: std, y, n, d, k }), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'basic',
  });
}
const times: Record<string, number[]> = { orig: [], new: [] };
const outs: Record<string, any> = {};
for (let i = 0; i < 60; i++) {
  const W = new Float32Array(k * d).map((_, j) => Math.sin(j + i) * 0.05);
  for (const name of ['orig', 'new']) {
    const a = performance.now();
    outs[name] = await sessions[name].run({
      W: new ort.Tensor('float32', W, [k, d]),
      b: new ort.Tensor('float32', new Float32Array(k), [k]),
    });
    times[name].push(performance.now() - a);
  }
  if (i === 0) {
    let ca = 0,
      cb = 0;
    for (let r = 0; r < n; r++) {
      ca += outs.orig.ceRows.data[r];
      cb += outs.new.ceRows.data[r];
    }
    console.log('ce', ca, cb, 'correct', outs.orig.correct.data[0], outs.new.correct.data[0]);
  }
}
for (const name of ['orig', 'new']) {
  const t = times[name].sort((a, b) => a - b);
  console.log(name, 'median', t[30].toFixed(2), 'p10', t[6].toFixed(2));
}
