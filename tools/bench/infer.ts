/**
 * `npm run bench:infer`: feature-extraction throughput of the default model (every block, global
 * average pooling, t = 100) at batch 1, 8 and 32 — in headless Chromium on WASM with 1 and 2
 * threads, and natively with onnxruntime-node on the same machine in the same run. Prints images/s
 * and the browser/native ratio. Not a test: these machines are noisy, so nothing here passes/fails.
 *
 *   npm run bench:infer [-- --images 256 --repeats 3]
 */
import { join } from 'node:path';
import { loadNodeDataset, loadNodeModel } from '../../src/cli/load';
import { datasetToModelInput } from '../../src/core/dataset/index-file';
import { extractFeatures } from '../../src/pipeline/extract';
import { launchChromium, median, openWasmPage, runMain, startPreview } from './browser';

const MANIFEST = join(import.meta.dirname, '../../public/models/fashion-mnist-ddpm/manifest.json');
const BATCHES = [1, 8, 32];
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const IMAGES = arg('images', 256);
const REPEATS = arg('repeats', 3);
/** Batch 1 is slow per image; time fewer images there so the run stays short. */
const imagesFor = (batch: number) => (batch === 1 ? Math.min(IMAGES, 64) : IMAGES);

async function native(threads: number, x0: Float32Array): Promise<Record<number, number>> {
  const model = await loadNodeModel(MANIFEST, threads);
  const blocks = model.unet.blockNames;
  const out: Record<number, number> = {};
  for (const batch of BATCHES) {
    const n = imagesFor(batch);
    const opts = {
      t: 100,
      seed: 0,
      blocks,
      pooling: { kind: 'avg' as const },
      batchSize: batch,
      alphasCumprod: model.alphasCumprod,
    };
    await extractFeatures(model.unet, x0, Math.min(n, 2 * batch), opts, () => {}); // warm-up
    const times: number[] = [];
    for (let r = 0; r < REPEATS; r++) {
      const t0 = performance.now();
      await extractFeatures(model.unet, x0, n, opts, () => {});
      times.push(performance.now() - t0);
    }
    out[batch] = (n / median(times)) * 1000;
  }
  await model.unet.release();
  return out;
}

async function browser(threads: number, x0: Float32Array, url: string): Promise<Record<number, number>> {
  const chromium = await launchChromium();
  const page = await openWasmPage(chromium, url, threads);
  // The status names the thread count ORT really got (it falls back to 1 without isolation).
  await page
    .getByRole('status')
    .filter({ hasText: `WASM (${threads} thread` })
    .waitFor({ timeout: 10_000 });
  const result = await page.evaluate(
    async ({ x0, batches, repeats, images }) => {
      const state = window.diffprobe.state();
      const blocks = state.model!.manifest.blocks.map((b) => b.name);
      const all = new Float32Array(x0);
      const out: Record<number, number> = {};
      for (const batch of batches) {
        const n = batch === 1 ? Math.min(images, 64) : images;
        const run = (count: number) =>
          window.diffprobe.run('extractFeatures', {
            // A fresh copy each run: the job transfers nothing back into this array.
            images: { data: all.slice(0, count * 784), count },
            t: 100,
            seed: 0,
            blocks,
            pooling: { kind: 'avg' },
            batchSize: batch,
            cache: false,
          });
        await run(Math.min(n, 2 * batch));
        const times: number[] = [];
        for (let r = 0; r < repeats; r++) {
          const t0 = performance.now();
          await run(n);
          times.push(performance.now() - t0);
        }
        times.sort((a, b) => a - b);
        out[batch] = (n / times[times.length >> 1]) * 1000;
      }
      return out;
    },
    { x0: Array.from(x0), batches: BATCHES, repeats: REPEATS, images: IMAGES },
  );
  await chromium.close();
  return result;
}

async function main() {
  const model = await loadNodeModel(MANIFEST, 1);
  const { index, split } = await loadNodeDataset(model.manifest, MANIFEST, 'test');
  const x0 = datasetToModelInput(split, index, 0, IMAGES, model.manifest.preprocessing);
  await model.unet.release();
  const preview = await startPreview(4188);
  try {
    const rows: Record<string, Record<number, number>> = {};
    // Interleave native and browser runs so drift in machine load hits both alike.
    for (const threads of [1, 2]) {
      rows[`native ${threads}T`] = await native(threads, x0);
      rows[`WASM ${threads}T`] = await browser(threads, x0, preview.url);
    }
    console.log(
      `\nFeature extraction, images/s (default model, all 16 blocks, avg pooling; median of ${REPEATS}; ${IMAGES} images, 64 at batch 1)\n`,
    );
    console.log(
      '| batch | native 1T | browser WASM 1T | ratio 1T | native 2T | browser WASM 2T | ratio 2T |',
    );
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const b of BATCHES) {
      const f = (x: number) => x.toFixed(1);
      const r1 = rows['WASM 1T'][b] / rows['native 1T'][b];
      const r2 = rows['WASM 2T'][b] / rows['native 2T'][b];
      console.log(
        `| ${b} | ${f(rows['native 1T'][b])} | ${f(rows['WASM 1T'][b])} | ${r1.toFixed(2)}× | ${f(rows['native 2T'][b])} | ${f(rows['WASM 2T'][b])} | ${r2.toFixed(2)}× |`,
      );
    }
  } finally {
    preview.stop();
  }
}

runMain(main);
