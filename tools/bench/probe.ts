/**
 * `npm run bench:probe`: probe training time in headless Chromium (the worker's `trainProbe` job,
 * handed its features as the Probe panel hands them: copied, then transferred) against
 * scikit-learn on the same features: 10,000 × 256, 10 classes, StandardScaler + softmax
 * regression (C = 1, tol 1e-4). tools/probe/bench_probe.ts makes the data (and times the same
 * TypeScript in Node); tools/probe/bench_probe.py --serve times scikit-learn.
 *
 * The machine is noisy, so the two sides alternate, RUNS times each (default 7), after one
 * warm-up run each; the ratio is of the medians. THREADS=1|2 pins the browser's WASM threads.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { readNpy } from '../../src/core/npy';
import { createRng } from '../../src/core/rng';
import { median, openWasmPage, runMain, withAppInChromium } from './browser';

const RUNS = Number(process.env.RUNS ?? 7);

/** scikit-learn in a long-lived Python process: `fit()` runs one more timed fit. */
function sklearnServer(): { ready: Promise<void>; fit(): Promise<string>; close(): void } {
  const child: ChildProcessWithoutNullStreams = spawn('/usr/bin/python3', [
    'tools/probe/bench_probe.py',
    '--serve',
  ]);
  child.stderr.pipe(process.stderr);
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = () => new Promise<string>((resolve) => waiting.push(resolve));
  return {
    ready: next().then(() => {}),
    fit() {
      const line = next();
      child.stdin.write('fit\n');
      return line;
    },
    close: () => child.kill(),
  };
}

interface BrowserRun {
  seconds: number;
  iterations: number;
  train: number;
  solver: string;
  timings: Record<string, number>;
}

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
  const sklearn = sklearnServer();
  const browserRuns: BrowserRun[] = [];
  const sklearnSeconds: number[] = [];
  try {
    await withAppInChromium(4191, async (chromium, url) => {
      const page = await openWasmPage(chromium, url, Number(process.env.THREADS ?? 0));
      // The features live in the page as typed arrays, as the app holds them.
      await page.evaluate(
        ({ X, y, testX, testY }) => {
          (window as unknown as { benchData: unknown }).benchData = {
            X: new Float32Array(X),
            y: new Int32Array(y),
            testX: new Float32Array(testX),
            testY: new Int32Array(testY),
          };
        },
        {
          X: Array.from(X.data as Float32Array),
          y: Array.from(y.data as Int32Array),
          testX: Array.from(testX),
          testY: Array.from(testY),
        },
      );
      await sklearn.ready;
      const trainOnce = () =>
        page.evaluate(async (d) => {
          const data = (
            window as unknown as {
              benchData: { X: Float32Array; y: Int32Array; testX: Float32Array; testY: Int32Array };
            }
          ).benchData;
          const t0 = performance.now();
          // As features/probe/commands.ts: copies of ours, transferred to the worker.
          const train = { X: data.X.slice(), y: data.y };
          const test = { X: data.testX.slice(), y: data.testY.slice() };
          const res = await window.diffprobe.run(
            'trainProbe',
            { train, test, d, k: 10, C: 1, maxIter: 1000 },
            [train.X.buffer, test.X.buffer],
          );
          return {
            seconds: (performance.now() - t0) / 1000,
            iterations: res.iterations,
            train: res.trainAccuracy,
            solver: res.solver,
            timings: res.timings as Record<string, number>,
          };
        }, d);
      const first = await trainOnce();
      console.log(
        `browser warm-up run (first probe of the page: ORT grows its memory, code is cold): ${first.seconds.toFixed(3)} s`,
      );
      for (let r = 0; r < RUNS; r++) {
        const b = await trainOnce();
        const s = await sklearn.fit();
        browserRuns.push(b);
        sklearnSeconds.push(Number(/seconds ([\d.]+)/.exec(s)?.[1]));
        console.log(
          `run ${r + 1}: browser ${b.seconds.toFixed(3)} s, scikit-learn ${sklearnSeconds[r].toFixed(3)} s`,
        );
      }
    });
  } finally {
    sklearn.close();
  }
  const b = median(browserRuns.map((r) => r.seconds));
  const s = median(sklearnSeconds);
  const last = browserRuns[browserRuns.length - 1];
  const ms = (key: string) => `${median(browserRuns.map((r) => r.timings[key] ?? Number.NaN)).toFixed(0)} ms`;
  const tm = last.timings;
  console.log(
    `\nChromium worker (trainProbe job) ${n}×${d}: median ${b.toFixed(3)} s, ${last.iterations} iterations, train accuracy ${last.train.toFixed(4)}`,
  );
  console.log(
    `  objective: ${last.solver}; medians in the worker: checks + standardise ${ms('prepareMs')}, solver setup ${ms('setupMs')}${tm.encodeMs === undefined ? '' : ` (graph ${ms('encodeMs')}, session ${ms('sessionMs')})`}, L-BFGS ${ms('trainMs')}${tm.evalMs === undefined ? '' : ` (of which ORT runs ${ms('evalMs')})`}, final metrics ${ms('finishMs')}; the rest is the copy and transfer to the worker and the result back`,
  );
  console.log(
    `scikit-learn (StandardScaler + LogisticRegression, float64, NumPy's BLAS): median ${s.toFixed(3)} s`,
  );
  console.log(`\nbrowser / scikit-learn time (medians of ${RUNS} alternating runs): ${(b / s).toFixed(2)}×`);
}

runMain(main);
