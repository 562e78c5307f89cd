/**
 * `npm run bench:probe`: probe training time in headless Chromium (the worker's `trainProbe` job,
 * as the Probe panel runs it) against scikit-learn on the same features: 10,000 × 256, 10
 * classes, StandardScaler + softmax regression (C = 1, tol 1e-4). tools/probe/bench_probe.ts makes
 * the data (and times the same TypeScript in Node); tools/probe/bench_probe.py times scikit-learn.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readNpy } from '../../src/core/npy';
import { createRng } from '../../src/core/rng';
import { openWasmPage, runMain, withAppInChromium } from './browser';

async function main() {
  console.log(
    execFileSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'tools/probe/bench_probe.ts'])
      .toString()
      .trim(),
  );
  const X = readNpy(new Uint8Array(readFileSync('build/bench/probe/X.npy')));
  const y = readNpy(new Uint8Array(readFileSync('build/bench/probe/y.npy')));
  const [n, d] = X.shape;
  // The job also reports test accuracy per iteration: give it a small held-out set (fresh noise
  // around rows of the same classes) so that the timing is essentially the training.
  const rng = createRng(99);
  const nTest = 200;
  const testX = new Float32Array(nTest * d);
  const testY = new Int32Array(nTest);
  for (let i = 0; i < nTest; i++) {
    const r = rng.nextUint32() % n;
    testY[i] = (y.data as Int32Array)[r];
    for (let j = 0; j < d; j++)
      testX[i * d + j] = (X.data as Float32Array)[r * d + j] + 0.1 * (rng.nextFloat() - 0.5);
  }
  let browserSeconds = 0;
  let iterations = 0;
  await withAppInChromium(4191, async (chromium, url) => {
    const page = await openWasmPage(chromium, url, Number(process.env.THREADS ?? 0));
    const r = await page.evaluate(
      async ({ X, y, testX, testY, d }) => {
        // Typed arrays first, as the app holds its features: converting 2.56M JS numbers is the
        // benchmark's own cost, not the probe's.
        const params = {
          train: { X: new Float32Array(X), y: new Int32Array(y) },
          test: { X: new Float32Array(testX), y: new Int32Array(testY) },
          d,
          k: 10,
          C: 1,
          maxIter: 1000,
        };
        const t0 = performance.now();
        const res = await window.diffprobe.run('trainProbe', params);
        return {
          seconds: (performance.now() - t0) / 1000,
          iterations: res.iterations,
          train: res.trainAccuracy,
          solver: res.solver,
          timings: res.timings,
        };
      },
      {
        X: Array.from(X.data as Float32Array),
        y: Array.from(y.data as Int32Array),
        testX: Array.from(testX),
        testY: Array.from(testY),
        d,
      },
    );
    browserSeconds = r.seconds;
    iterations = r.iterations;
    console.log(
      `Chromium worker (trainProbe job) ${n}×${d}: ${r.seconds.toFixed(2)} s, ${r.iterations} iterations, train accuracy ${r.train.toFixed(4)}`,
    );
    const ms = (x: number) => `${x.toFixed(0)} ms`;
    const tm = r.timings;
    console.log(
      `  objective: ${r.solver}; in the worker: checks + standardise ${ms(tm.prepareMs)}, solver setup ${ms(tm.setupMs)}${tm.encodeMs === undefined ? '' : ` (graph ${ms(tm.encodeMs)}, session ${ms(tm.sessionMs!)})`}, L-BFGS ${ms(tm.trainMs)}, final metrics ${ms(tm.finishMs)}; the rest (${ms(r.seconds * 1000 - tm.prepareMs - tm.setupMs - tm.trainMs - tm.finishMs)}) is messaging: the 10 MB of features copied to the worker, the result back`,
    );
  });
  const sk = execFileSync('/usr/bin/python3', ['tools/probe/bench_probe.py']).toString().trim();
  console.log(sk);
  const skSeconds = Number(/sklearn [^:]*: ([\d.]+) s/.exec(sk)?.[1] ?? Number.NaN);
  console.log(
    `\nbrowser / scikit-learn time: ${(browserSeconds / skSeconds).toFixed(2)}× (${iterations} L-BFGS iterations in the browser)`,
  );
}

runMain(main);
