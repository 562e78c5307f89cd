/**
 * `npm run bench:tsne`: DiffProbe's t-SNE in headless Chromium (the worker's `embed` job, exactly
 * what the Embedding panel runs) against scikit-learn's Barnes–Hut TSNE, on the same features from
 * the default model: global-average-pooled `mid` block at t = 25 of the first N bundled test
 * images (64 dimensions), N = 5,000 and 10,000. Writes build/bench/tsne/{X,labels,Y,ts}_<N>.* and
 * runs tools/probe/bench_tsne.py, which times sklearn on the same X (OMP_NUM_THREADS=1: DiffProbe's
 * t-SNE is single-threaded) and scores both layouts with the same code (10-NN accuracy,
 * trustworthiness k = 10).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadNodeDataset, loadNodeModel } from '../../src/cli/load';
import { datasetToModelInput } from '../../src/core/dataset/index-file';
import { writeNpy } from '../../src/core/npy';
import { extractFeatures } from '../../src/pipeline/extract';
import { DEFAULT_EMBED_OPTIONS } from '../../src/worker/embedding/embedder';
import { openWasmPage, runMain, withAppInChromium } from './browser';

const MANIFEST = join(import.meta.dirname, '../../public/models/fashion-mnist-ddpm/manifest.json');
const OUT = 'build/bench/tsne';
const SIZES = (process.env.SIZES ?? '5000,10000').split(',').map(Number);
const BLOCK = process.env.BLOCK ?? 'mid';
const T = Number(process.env.T ?? 25);

async function features(n: number): Promise<{ X: Float32Array; labels: Uint8Array; d: number }> {
  const model = await loadNodeModel(MANIFEST, 2);
  const { index, split } = await loadNodeDataset(model.manifest, MANIFEST, 'test');
  const x0 = datasetToModelInput(split, index, 0, n, model.manifest.preprocessing);
  const parts: Float32Array[] = [];
  const dims = await extractFeatures(
    model.unet,
    x0,
    n,
    {
      t: T,
      seed: 0,
      blocks: [BLOCK],
      pooling: { kind: 'avg' },
      batchSize: 64,
      alphasCumprod: model.alphasCumprod,
    },
    (b) => {
      parts.push(b.features[BLOCK]);
    },
  );
  await model.unet.release();
  const X = new Float32Array(n * dims[BLOCK]);
  let o = 0;
  for (const p of parts) {
    X.set(p, o);
    o += p.length;
  }
  return { X, labels: split.labels.slice(0, n), d: dims[BLOCK] };
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const all = await features(Math.max(...SIZES));
  await withAppInChromium(4195, async (chromium, url) => {
    const page = await openWasmPage(chromium, url);
    for (const n of SIZES) {
      const X = all.X.subarray(0, n * all.d);
      const labels = all.labels.subarray(0, n);
      writeFileSync(`${OUT}/X_${n}.npy`, writeNpy(X, [n, all.d]));
      writeFileSync(`${OUT}/labels_${n}.npy`, writeNpy(labels, [n]));
      // Time in the page from request to the last optimisation step (the k-NN quality readout the
      // job adds afterwards is not part of t-SNE).
      const r = await page.evaluate(
        async ({ X, labels, n, d, options }) => {
          const t0 = performance.now();
          let tEnd = 0;
          let lastKl: number | null = null;
          const res = await window.diffprobe.runWithPartials(
            'embed',
            {
              X: new Float32Array(X),
              n,
              d,
              labels: new Int32Array(labels),
              method: 'tsne',
              options,
            },
            (p: { iter: number; totalIter: number; kl: number | null }) => {
              if (p.iter >= p.totalIter && !tEnd) tEnd = performance.now();
              lastKl = p.kl ?? lastKl;
            },
          );
          const seconds = ((tEnd || performance.now()) - t0) / 1000;
          return { coords: Array.from(res.coords), seconds, kl: res.kl ?? lastKl, iters: res.iter };
        },
        { X: Array.from(X), labels: Array.from(labels), n, d: all.d, options: DEFAULT_EMBED_OPTIONS },
      );
      writeFileSync(`${OUT}/Y_${n}.npy`, writeNpy(Float32Array.from(r.coords), [n, 2]));
      writeFileSync(
        `${OUT}/ts_${n}.json`,
        `${JSON.stringify({ n, d: all.d, seconds: r.seconds, phases: 'in Chromium (WASM page, worker)', iters: r.iters, kl: r.kl })}\n`,
      );
      console.log(
        `DiffProbe t-SNE in Chromium, ${n}×${all.d} (${BLOCK}, t=${T}): ${r.seconds.toFixed(2)} s, KL ${r.kl?.toFixed(4)}`,
      );
    }
  });
  const py = execFileSync('/usr/bin/python3', ['tools/probe/bench_tsne.py'], {
    env: { ...process.env, OMP_NUM_THREADS: '1', SIZES: SIZES.join(',') },
  }).toString();
  console.log(py);
}

runMain(main);
