/**
 * How far a t-SNE's or UMAP's meaning moves when its input moves by ±1e-5 (the size of the
 * browser-vs-CLI feature differences): the 10-NN accuracy in 2-D and the trustworthiness that
 * `reproduce` compares (cli/reproduce-compare.ts, TOLERANCE.knnEmbedding / trustworthiness).
 * Runs the worker's embed handler with the app's defaults on an `extract` output, once as is and
 * five times perturbed. Not part of `npm test`.
 *
 *   node dist-cli/diffprobe.js extract --manifest public/models/fashion-mnist-ddpm/manifest.json \
 *     --count 1000 --t 100 --blocks up1_0 --out /tmp/feat
 *   npx tsx tools/reproduce/embedding-sensitivity.ts /tmp/feat up1_0 tsne 500
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeJobContext } from '../../src/cli/embed';
import { trustworthiness } from '../../src/core/embedding/knn';
import { knnAccuracyOnRows, qualityRows, takeRows } from '../../src/core/embedding/quality';
import { readNpy } from '../../src/core/npy';
import { DEFAULT_EMBED_OPTIONS } from '../../src/worker/embedding/embedder';
import { embed } from '../../src/worker/handlers/embed';
import type { EmbedMethod } from '../../src/worker/jobs';

const [dir, block = 'up1_0', method = 'tsne', count = '500'] = process.argv.slice(2);
if (!dir) throw new Error('usage: embedding-sensitivity.ts <extract dir> [block] [tsne|umap] [n]');
const a = readNpy(readFileSync(join(dir, `${block}.npy`)));
const d = a.shape[1];
const n = Math.min(Number(count), a.shape[0]);
const X0 = Float32Array.from((a.data as Float32Array).subarray(0, n * d));
const labels = Int32Array.from(
  readNpy(readFileSync(join(dir, 'labels.npy'))).data as ArrayLike<number | bigint>,
  Number,
).subarray(0, n);
const rows = qualityRows(n, d, 0);
const options = { ...DEFAULT_EMBED_OPTIONS, nIter: method === 'umap' ? 200 : DEFAULT_EMBED_OPTIONS.nIter };
const seen: { knn: number; trust: number }[] = [];
for (let s = 0; s < 6; s++) {
  const X = X0.slice();
  // A fixed LCG: uniform in ±1e-5, another draw per run (run 0 is the input as is).
  let r = s * 7919;
  if (s > 0)
    for (let i = 0; i < X.length; i++) {
      r = (Math.imul(r, 1103515245) + 12345) >>> 0;
      X[i] += (r / 2 ** 32 - 0.5) * 2e-5;
    }
  const res = await embed(
    { X, n, d, labels, method: method as EmbedMethod, options },
    nodeJobContext(() => {}),
  );
  const knn = knnAccuracyOnRows(res.coords, 2, labels, rows, 10)!.accuracy;
  const trust = trustworthiness(
    takeRows(X, d, rows),
    rows.length,
    d,
    takeRows(res.coords, 2, rows),
    rows.length,
    2,
    10,
  );
  seen.push({ knn, trust });
  console.log(
    `${method} n=${n} run ${s}: 10-NN ${knn.toFixed(4)}, trustworthiness ${trust.toFixed(5)}, x₀ ${res.coords[0].toFixed(3)}`,
  );
}
const spread = (f: (v: { knn: number; trust: number }) => number) =>
  Math.max(...seen.map(f)) - Math.min(...seen.map(f));
console.log(
  `spread: 10-NN ${(100 * spread((v) => v.knn)).toFixed(2)} points, trustworthiness ${spread((v) => v.trust).toExponential(2)}`,
);
