/**
 * `npm run check:probe`: DiffProbe's probe (the same TypeScript the worker runs) against
 * scikit-learn on identical features, exported as .npy by `npm run cli -- features`.
 * Prints test accuracy of both, the difference in points, and the training time ratio.
 *
 *   npm run check:probe -- --train build/eval/train --test build/eval/test [--t 0,25,100] [--pooling avg] [--blocks mid,up1_0] [--solver auto|js|ort]
 *
 * `--solver auto` (default) chooses as the worker does: the ONNX Runtime objective (float32 GEMM;
 * here onnxruntime-node, in the browser its WASM build) from ORT_OBJECTIVE_MIN_WORK up, else the
 * JavaScript loop (float64).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy } from '../../src/core/npy';
import { accuracy, predict, SoftmaxTrainer } from '../../src/core/probe/softmax-regression';
import { applyStandardizer, fitStandardizer } from '../../src/core/probe/standardize';
import { nodeRuntime } from '../../src/engine/onnx-node';
import { createOrtDataTerm, ORT_OBJECTIVE_MIN_WORK } from '../../src/engine/probe-objective';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const trainDir = arg('train') ?? 'build/eval/train';
const testDir = arg('test') ?? 'build/eval/test';
const pooling = arg('pooling') ?? 'avg';
const ts = (
  arg('t') ??
  readdirSync(trainDir)
    .filter((d) => d.startsWith('t'))
    .map((d) => d.slice(1))
    .join(',')
).split(',');
const load = (p: string) => readNpy(new Uint8Array(readFileSync(p)));

const solver = arg('solver') ?? 'auto';

async function ours(xtr: Float32Array, ytr: Int32Array, xte: Float32Array, yte: Int32Array, d: number) {
  const t0 = performance.now();
  const n = ytr.length;
  const std = fitStandardizer(xtr, n, d);
  const ztr = applyStandardizer(xtr, n, d, std);
  const useOrt = solver === 'ort' || (solver === 'auto' && n * d * 10 >= ORT_OBJECTIVE_MIN_WORK);
  const dataTerm = useOrt
    ? await createOrtDataTerm(nodeRuntime(1), { X: ztr, y: ytr, n, d, k: 10 })
    : undefined;
  const trainer = new SoftmaxTrainer(ztr, ytr, n, d, 10, { C: 1, maxIter: 1000, tol: 1e-4, dataTerm });
  let s = await trainer.stepAsync();
  while (!s.done) s = await trainer.stepAsync();
  await dataTerm?.release();
  const seconds = (performance.now() - t0) / 1000;
  const zte = applyStandardizer(xte, yte.length, d, std);
  const test = accuracy(yte, predict(trainer.model, zte, yte.length));
  return { test, iterations: s.iter, seconds, solver: useOrt ? 'ort' : 'js' };
}

const ytr = Int32Array.from(load(join(trainDir, 'labels.npy')).data as Uint8Array);
const yte = Int32Array.from(load(join(testDir, 'labels.npy')).data as Uint8Array);
const rows: string[] = [];
let worst = 0;
let timeOurs = 0;
let timeSk = 0;
for (const t of ts) {
  const dir = (root: string) => join(root, `t${t}`, pooling);
  const blocks = arg('blocks')?.split(',') ?? readdirSync(dir(trainDir)).map((f) => f.replace(/\.npy$/, ''));
  for (const block of blocks) {
    const xtr = load(join(dir(trainDir), `${block}.npy`));
    const xte = load(join(dir(testDir), `${block}.npy`));
    const a = await ours(xtr.data as Float32Array, ytr, xte.data as Float32Array, yte, xtr.shape[1]);
    const sk = JSON.parse(
      execFileSync('/usr/bin/python3', [
        join(import.meta.dirname, 'sklearn_probe.py'),
        join(dir(trainDir), `${block}.npy`),
        join(trainDir, 'labels.npy'),
        join(dir(testDir), `${block}.npy`),
        join(testDir, 'labels.npy'),
      ]).toString(),
    );
    const diff = (a.test - sk.test) * 100;
    worst = Math.max(worst, Math.abs(diff));
    timeOurs += a.seconds;
    timeSk += sk.seconds;
    rows.push(
      `| ${block} | ${t} | ${xtr.shape[1]} | ${a.solver} | ${(a.test * 100).toFixed(2)} | ${(sk.test * 100).toFixed(2)} | ${diff >= 0 ? '+' : ''}${diff.toFixed(2)} | ${a.iterations} / ${sk.iterations} | ${a.seconds.toFixed(2)} / ${sk.seconds.toFixed(2)} |`,
    );
  }
}
console.log(
  `DiffProbe probe vs scikit-learn on identical features (${ytr.length} train / ${yte.length} test, pooling ${pooling}, C=1, tol 1e-4)\n`,
);
console.log(
  '| block | t | dims | solver | ours, test % | sklearn, test % | Δ points | iterations (ours / sklearn) | seconds (ours / sklearn) |',
);
console.log('|---|---:|---:|---|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
console.log(
  `\nlargest |Δ|: ${worst.toFixed(2)} points; total fit time ours/sklearn: ${(timeOurs / timeSk).toFixed(2)}×`,
);
