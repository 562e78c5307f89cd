/**
 * `npm run bench:cka`: the time of a CKA matrix after extraction, against NumPy on this machine.
 *
 * 1. Pooled features (the CKA panel's default): the default model's 16 blocks at t = 10 on 1,000
 *    bundled test images (extracted once by the CLI's own `extract`), then the 16 × 16 matrix by
 *    the worker's `cka` job in headless Chromium (WASM page; the features handed over as the panel
 *    hands them), biased and debiased, against NumPy computing the same matrix in float64
 *    (tools/cka/bench_cka.py). Also the largest difference between the two matrices.
 * 2. Full maps (the Gram route): the arithmetic of CKA on the 16 blocks' unpooled maps (C·H·W values
 *    each, 207,000 per image) for MAPS_N images (default 500) — n×n Gram matrices on
 *    onnxruntime-web's WASM GEMM (one thread, the worker's engine/gram.ts, run here in Node: the
 *    same WASM), their centring and every pair — on random maps (the cost does not depend on the
 *    values), against NumPy's BLAS. JS_LOOP=1 also times the JavaScript loop (float64, no ORT).
 *
 * The machine is shared and noisy: medians of RUNS (default 5) runs each, NumPy timed before and
 * after the browser; compare ratios, not seconds.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main as cli } from '../../src/cli/main';
import { ckaOf, type GramOperand, gramOperand, linearGram } from '../../src/core/cka/linear-cka';
import { readNpy } from '../../src/core/npy';
import { createRng } from '../../src/core/rng';
import { ortGram } from '../../src/engine/gram';
import type { OrtRuntime } from '../../src/engine/ort-types';
import { median, openWasmPage, runMain, withAppInChromium } from './browser';

const RUNS = Number(process.env.RUNS ?? 5);
const N = Number(process.env.N ?? 1000);
const MAPS_N = Number(process.env.MAPS_N ?? 500);
const DIR = 'build/bench/cka';
const MANIFEST = 'public/models/fashion-mnist-ddpm/manifest.json';

function numpy(args: string[]): string {
  return execFileSync('/usr/bin/python3', ['tools/cka/bench_cka.py', ...args], {
    env: { ...process.env, RUNS: String(RUNS) },
  })
    .toString()
    .trim();
}

async function extract(): Promise<{ X: Float32Array; dims: Record<string, number> }> {
  mkdirSync(DIR, { recursive: true });
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  const dims: Record<string, number> = Object.fromEntries(
    manifest.blocks.map((b: { name: string; channels: number }) => [b.name, b.channels]),
  );
  const code = await cli(
    [
      'extract',
      '--manifest',
      MANIFEST,
      '--count',
      String(N),
      '--t',
      '10',
      '--out',
      join(DIR, 'features.npy'),
      '--force',
      '--quiet',
    ],
    { out: (s) => console.log(s), err: process.stderr, env: process.env },
  );
  if (code !== 0) throw new Error(`extract failed (${code})`);
  writeFileSync(join(DIR, 'dims.json'), JSON.stringify(dims));
  const npy = readNpy(new Uint8Array(readFileSync(join(DIR, 'features.npy'))));
  return { X: npy.data as Float32Array, dims };
}

/** onnxruntime-web's WASM backend in Node, one thread: the worker's engine for the Gram matrices. */
async function wasmRuntime(): Promise<OrtRuntime> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  return {
    name: 'wasm',
    createSession: (model, options) =>
      ort.InferenceSession.create(model, { ...options, executionProviders: ['wasm'] }),
    float32: (data, dims) => new ort.Tensor('float32', data, dims),
    int64: (data, dims) => new ort.Tensor('int64', data, dims),
    int32: (data, dims) => new ort.Tensor('int32', data, dims),
    float16: (data, dims) => new ort.Tensor('float16', data, dims),
  };
}

/** The maps route: every block's Gram matrix (ORT or the JavaScript loop), centred, then every pair. */
async function mapsRoute(n: number, dims: number[], runtime: OrtRuntime | null): Promise<number> {
  const rng = createRng(5);
  const maps = dims.map((d) => Float32Array.from({ length: n * d }, () => rng.nextFloat() - 0.5));
  if (runtime) await ortGram(runtime, maps[0].subarray(0, 10 * dims[0]), 10, dims[0]); // session, warm-up
  const t0 = performance.now();
  const ops: GramOperand[] = [];
  for (const [b, X] of maps.entries()) {
    const K = runtime ? await ortGram(runtime, X, n, dims[b]) : linearGram(X, n, dims[b]);
    ops.push(gramOperand(K, n, 'biased', false, 'float32'));
  }
  for (let i = 0; i < ops.length; i++) for (let j = i; j < ops.length; j++) ckaOf(ops[i], ops[j]);
  return (performance.now() - t0) / 1000;
}

async function main() {
  const { X, dims } = await extract();
  const names = Object.keys(dims);
  const total = Object.values(dims).reduce((a, b) => a + b, 0);
  const before = numpy(['pooled', DIR]);
  console.log(before);
  const numpyBefore = JSON.parse(readFileSync(join(DIR, 'numpy.json'), 'utf8'));
  const browser: Record<'biased' | 'debiased', { seconds: number[]; values: (number | null)[][] }> = {
    biased: { seconds: [], values: [] },
    debiased: { seconds: [], values: [] },
  };
  await withAppInChromium(4318, async (chromium, url) => {
    const page = await openWasmPage(chromium, url);
    await page.evaluate(
      ({ X, dims, total, n }) => {
        // One [n, dim] matrix per block, as extraction hands them to the panel.
        let offset = 0;
        const blocks = dims.map((d) => {
          const m = new Float32Array(n * d);
          for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) m[i * d + a] = X[i * total + offset + a];
          offset += d;
          return m;
        });
        (window as unknown as { ckaBench: Float32Array[] }).ckaBench = blocks;
      },
      { X: Array.from(X), dims: Object.values(dims), total, n: N },
    );
    const once = (estimator: 'biased' | 'debiased') =>
      page.evaluate(
        async ({ estimator, dims, n }) => {
          const blocks = (window as unknown as { ckaBench: Float32Array[] }).ckaBench;
          const t0 = performance.now();
          // As the panel does: copies of its features, transferred to the worker.
          const inputs = blocks.map((X, b) => ({ kind: 'features' as const, X: X.slice(), dim: dims[b] }));
          const all = dims.map((_, i) => i);
          const res = await window.diffprobe.run(
            'cka',
            { inputs, n, estimator, rows: all, cols: all },
            inputs.map((x) => x.X.buffer),
          );
          return { seconds: (performance.now() - t0) / 1000, values: res.values, route: res.route };
        },
        { estimator, dims: Object.values(dims), n: N },
      );
    await once('biased'); // warm-up
    for (let r = 0; r < RUNS; r++)
      for (const e of ['biased', 'debiased'] as const) {
        const res = await once(e);
        browser[e].seconds.push(res.seconds);
        browser[e].values = res.values;
        console.log(`browser run ${r + 1}, ${e}: ${res.seconds.toFixed(3)} s (${res.route})`);
      }
  });
  const after = numpy(['pooled', DIR]);
  console.log(after);
  const numpyAfter = JSON.parse(readFileSync(join(DIR, 'numpy.json'), 'utf8'));
  console.log('');
  for (const e of ['biased', 'debiased'] as const) {
    const b = median(browser[e].seconds);
    const np = (numpyBefore[e].seconds + numpyAfter[e].seconds) / 2;
    let diff = 0;
    browser[e].values.forEach((row, i) => {
      row.forEach((v, j) => {
        diff = Math.max(diff, Math.abs((v ?? Number.NaN) - numpyAfter[e].values[i][j]));
      });
    });
    console.log(
      `CKA ${names.length} × ${names.length} on ${N} images, pooled, ${e}: browser ${b.toFixed(3)} s / numpy ${np.toFixed(4)} s = ${(b / np).toFixed(1)}× (max |browser − numpy| ${diff.toExponential(1)})`,
    );
  }
  const mapDims = (
    JSON.parse(readFileSync(MANIFEST, 'utf8')).blocks as { channels: number; resolution: number[] }[]
  ).map((b) => b.channels * b.resolution[0] * b.resolution[1]);
  const wasm = await mapsRoute(MAPS_N, mapDims, await wasmRuntime());
  const js = process.env.JS_LOOP === '1' ? await mapsRoute(MAPS_N, mapDims, null) : null;
  const np = numpy(['maps', String(MAPS_N), mapDims.join(',')]);
  console.log(np);
  const npSeconds = Number(/: ([\d.]+) s/.exec(np)?.[1]);
  const what = `CKA ${mapDims.length} × ${mapDims.length} on ${MAPS_N} images, full maps (${mapDims.reduce((a, b) => a + b, 0)} values per image)`;
  console.log(
    `${what}: wasm ${wasm.toFixed(2)} s / numpy ${npSeconds.toFixed(2)} s = ${(wasm / npSeconds).toFixed(1)}×`,
  );
  if (js !== null)
    console.log(
      `${what}, JavaScript loop: js ${js.toFixed(2)} s / numpy ${npSeconds.toFixed(2)} s = ${(js / npSeconds).toFixed(1)}×`,
    );
}

runMain(main);
