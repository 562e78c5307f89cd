/**
 * `npm run bench:infer`: feature-extraction throughput of the default model (every block, global
 * average pooling, t = 100) at batch 1, 8 and 32 — in headless Chromium on WASM with 1 and 2
 * threads, and natively with onnxruntime-node on the same machine in the same run. Prints images/s
 * and the browser/native ratio. Not a test: these machines are noisy, so nothing here passes/fails.
 *
 * The main table compares the app as it runs (extraction's default: for 64+ images the blocks'
 * sub-graph pooled in ONNX, worker/block-sessions.ts) with plain native ORT (the whole U-Net, the
 * maps pooled in JavaScript: what running the exported model natively costs). The levers table
 * then runs both sides the same way, at batch 32, for every block and for one encoder block
 * (down1_1): the whole U-Net with JS pooling against the sub-graph with ONNX pooling.
 *
 *   npm run bench:infer [-- --images 256 --repeats 3 --no-levers]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { loadNodeDataset, loadNodeModel, type NodeModel } from '../../src/cli/load';
import { datasetToModelInput } from '../../src/core/dataset/index-file';
import { readModel } from '../../src/core/onnx/reader';
import { BlockSession } from '../../src/engine/block-session';
import { extractFeatures } from '../../src/pipeline/extract';
import { launchChromium, median, openWasmPage, runMain, startPreview } from './browser';

const MANIFEST = join(import.meta.dirname, '../../public/models/fashion-mnist-ddpm/manifest.json');
const MODEL = join(import.meta.dirname, '../../public/models/fashion-mnist-ddpm/model.onnx');
const BATCHES = [1, 8, 32];
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const IMAGES = arg('images', 256);
const REPEATS = arg('repeats', 3);
const LEVERS = !process.argv.includes('--no-levers');
/** Batch 1 is slow per image; time fewer images there so the run stays short. */
const imagesFor = (batch: number) => (batch === 1 ? Math.min(IMAGES, 64) : IMAGES);

/**
 * One measurement: which blocks, at which batch, on the sub-graph (true), the U-Net (false) or the
 * app's default; `helper`: the browser shares the batches with its engine helper (a second ORT
 * instance on the cores left free; off unless asked, so that both sides use the same cores).
 */
interface Case {
  blocks: 'all' | string[];
  batch: number;
  subgraph?: boolean;
  helper?: boolean;
}

/** A side of the comparison: times one extraction of `count` images for a case, in ms. */
interface Side {
  time(c: Case, count: number): Promise<number>;
  close(): Promise<void>;
}

async function nativeSide(threads: number, x0: Float32Array): Promise<Side> {
  const model: NodeModel = await loadNodeModel(MANIFEST, threads);
  const bytes = new Uint8Array(readFileSync(MODEL));
  const info = readModel(bytes);
  const sessions = new Map<Case, BlockSession>();
  const pooling = { kind: 'avg' as const };
  return {
    async time(c, count) {
      const blocks = c.blocks === 'all' ? model.unet.blockNames : c.blocks;
      let block = sessions.get(c);
      if (c.subgraph && !block) {
        block = await BlockSession.create(model.unet, bytes, info, blocks, pooling);
        sessions.set(c, block);
      }
      const opts = {
        t: 100,
        seed: 0,
        blocks,
        pooling,
        batchSize: c.batch,
        alphasCumprod: model.alphasCumprod,
      };
      const runner = block && ((xt: Float32Array, k: number, t: Float32Array) => block.run(xt, k, t));
      const t0 = performance.now();
      await extractFeatures(model.unet, x0, count, opts, () => {}, undefined, runner);
      return performance.now() - t0;
    },
    async close() {
      for (const s of sessions.values()) await s.release();
      await model.unet.release();
    },
  };
}

async function browserSide(threads: number, x0: Float32Array, url: string): Promise<Side> {
  const chromium = await launchChromium();
  const page = await openWasmPage(chromium, url, threads);
  // The status names the thread count ORT really got (it falls back to 1 without isolation).
  await page
    .getByRole('status')
    .filter({ hasText: `WASM (${threads} thread` })
    .waitFor({ timeout: 10_000 });
  await page.evaluate((x0) => {
    (window as unknown as { benchX0: Float32Array }).benchX0 = new Float32Array(x0);
  }, Array.from(x0));
  return {
    time: (c, count) =>
      // Timed in the page around the job, so the copies between page and worker are included.
      page.evaluate(
        async ({ c, count }) => {
          const all = (window as unknown as { benchX0: Float32Array }).benchX0;
          const model = window.diffprobe.state().model!;
          const blocks = c.blocks === 'all' ? model.manifest.blocks.map((b) => b.name) : c.blocks;
          const t0 = performance.now();
          await window.diffprobe.run('extractFeatures', {
            // A fresh copy each run: the job transfers nothing back into this array.
            images: { data: all.slice(0, count * 784), count },
            t: 100,
            seed: 0,
            blocks,
            pooling: { kind: 'avg' },
            batchSize: c.batch,
            cache: false,
            helper: c.helper ?? false,
            ...(c.subgraph === undefined ? {} : { subgraph: c.subgraph }),
          });
          return performance.now() - t0;
        },
        { c, count },
      ),
    close: () => chromium.close(),
  };
}

/**
 * Images/s of each case on each side. Native and browser alternate run by run (warm-up first), so
 * a change in the machine's load hits both alike.
 */
async function measure(
  threads: number,
  x0: Float32Array,
  url: string,
  cases: { native: Case; browser: Case }[],
): Promise<{ native: number; browser: number }[]> {
  const native = await nativeSide(threads, x0);
  const browser = await browserSide(threads, x0, url);
  const out: { native: number; browser: number }[] = [];
  try {
    for (const c of cases) {
      const n = imagesFor(c.native.batch);
      const warm = Math.min(n, 2 * c.native.batch);
      await native.time(c.native, warm);
      await browser.time(c.browser, warm);
      const times = { native: [] as number[], browser: [] as number[] };
      for (let r = 0; r < REPEATS; r++) {
        times.native.push(await native.time(c.native, n));
        times.browser.push(await browser.time(c.browser, n));
      }
      out.push({ native: (n / median(times.native)) * 1000, browser: (n / median(times.browser)) * 1000 });
    }
  } finally {
    await browser.close();
    await native.close();
  }
  return out;
}

const LEVER_CASES: [string, Case][] = [
  ['all 16 blocks, whole U-Net + JS pooling', { blocks: 'all', batch: 32, subgraph: false }],
  ['all 16 blocks, sub-graph + ONNX pooling', { blocks: 'all', batch: 32, subgraph: true }],
  ['down1_1 only, whole U-Net + JS pooling', { blocks: ['down1_1'], batch: 32, subgraph: false }],
  ['down1_1 only, sub-graph + ONNX pooling', { blocks: ['down1_1'], batch: 32, subgraph: true }],
];
/** The app's automatic setting on two cores: one thread for the worker's engine, one for its helper. */
const HELPER_CASE: Case = { blocks: 'all', batch: 32, subgraph: true, helper: true };

async function main() {
  const model = await loadNodeModel(MANIFEST, 1);
  const { index, split } = await loadNodeDataset(model.manifest, MANIFEST, 'test');
  const x0 = datasetToModelInput(split, index, 0, IMAGES, model.manifest.preprocessing);
  await model.unet.release();
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(`load average at start: ${load()}`);
  const preview = await startPreview(4188);
  try {
    // Main table: the app as it runs against native ORT on the whole U-Net (JS pooling).
    const cases = BATCHES.map((batch) => ({
      native: { blocks: 'all', batch, subgraph: false } as Case,
      browser: { blocks: 'all', batch } as Case,
    }));
    // Levers: both sides the same way.
    if (LEVERS) for (const [, c] of LEVER_CASES) cases.push({ native: c, browser: c });
    // Two cores each way: the browser's engine + helper (1 thread each) against native's 2 threads.
    if (LEVERS) cases.push({ native: { blocks: 'all', batch: 32, subgraph: true }, browser: HELPER_CASE });
    const rows: Record<number, { native: number; browser: number }[]> = {};
    for (const threads of [1, 2]) rows[threads] = await measure(threads, x0, preview.url, cases);
    const f = (x: number) => x.toFixed(1);
    console.log(
      `\nFeature extraction, images/s (default model, all 16 blocks, avg pooling; median of ${REPEATS}; ${IMAGES} images, ${Math.min(IMAGES, 64)} at batch 1). Browser: the app's default (sub-graph + ONNX pooling for 64+ images) on one engine; native: the whole U-Net, maps pooled in JS\n`,
    );
    console.log(
      '| batch | native 1T | browser WASM 1T | ratio 1T | native 2T | browser WASM 2T | ratio 2T |',
    );
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const [i, b] of BATCHES.entries()) {
      const [n1, w1, n2, w2] = [rows[1][i].native, rows[1][i].browser, rows[2][i].native, rows[2][i].browser];
      console.log(
        `| ${b} | ${f(n1)} | ${f(w1)} | ${(w1 / n1).toFixed(2)}× | ${f(n2)} | ${f(w2)} | ${(w2 / n2).toFixed(2)}× |`,
      );
    }
    if (LEVERS) {
      console.log('\nLevers at batch 32, both sides run the same way (images/s; ratio = browser / native)\n');
      console.log(
        '| configuration | native 1T | browser 1T | ratio 1T | native 2T | browser 2T | ratio 2T |',
      );
      console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
      for (const [i, [label]] of LEVER_CASES.entries()) {
        const k = BATCHES.length + i;
        const [n1, n2] = [rows[1][k].native, rows[2][k].native];
        const [w1, w2] = [rows[1][k].browser, rows[2][k].browser];
        console.log(
          `| ${label} | ${f(n1)} | ${f(w1)} | ${(w1 / n1).toFixed(2)} | ${f(n2)} | ${f(w2)} | ${(w2 / n2).toFixed(2)} |`,
        );
      }
      const k = BATCHES.length + LEVER_CASES.length;
      const [helped, single, native2] = [rows[1][k].browser, rows[2][k].browser, rows[2][k].native];
      console.log(
        `\nTwo cores, all 16 blocks, sub-graph + ONNX pooling, batch 32: browser engine + helper (1 thread each, the automatic setting on 2 cores) ${f(helped)} images/s; one engine with 2 threads ${f(single)}; native 2 threads ${f(native2)}: ratio ${(helped / native2).toFixed(2)}× (helper) / ${(single / native2).toFixed(2)}× (one engine)`,
      );
    }
    console.log(`\nload average at end: ${load()}`);
  } finally {
    preview.stop();
  }
}

runMain(main);
