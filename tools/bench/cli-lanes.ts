/**
 * @file Whether the CLI gains from several native lanes: the blocks' sub-graph (the extraction
 * engine's) on one onnxruntime-node session with K threads, against K sessions of one thread each
 * taking the next batch (pipeline/extract.ts lanes), alternating, on the same images.
 *   npx tsx tools/bench/cli-lanes.ts [images=512] [rounds=3]
 */
import { loadNodeModel } from '../../src/cli/load';
import { pooledExtractionModel } from '../../src/core/onnx/pooling-head';
import { readModel } from '../../src/core/onnx/reader';
import { createRng, gaussian } from '../../src/core/rng';
import { BlockSession } from '../../src/engine/block-session';
import { featureColumn } from '../../src/pipeline/cache-key';
import { type BatchRunner, extractFeatures } from '../../src/pipeline/extract';

const MANIFEST = 'public/models/fashion-mnist-ddpm/manifest.json';
const n = Number(process.argv[2] ?? 512);
const rounds = Number(process.argv[3] ?? 3);
const blocks = ['down1_1', 'mid', 'up1_0', 'up0_2'];
const pooling = { kind: 'adaptive', size: 2 } as const;
const threads = 2;

async function runnersFor(sessions: number, each: number): Promise<BatchRunner[]> {
  const model = await loadNodeModel(MANIFEST, each);
  const plan = pooledExtractionModel(
    model.bytes,
    readModel(model.bytes),
    model.manifest,
    blocks,
    [pooling],
    featureColumn,
  );
  const columns = blocks.map((b) => featureColumn(pooling, b));
  const out: BatchRunner[] = [];
  for (let i = 0; i < sessions; i++) {
    const unet = i === 0 ? model.unet : (await loadNodeModel(MANIFEST, each)).unet;
    const s = await BlockSession.open(unet, plan, columns, pooling);
    out.push((xt, count, t, labels) => s.run(xt, count, t, labels));
  }
  return out;
}

const model = await loadNodeModel(MANIFEST, 1);
const x0 = gaussian(createRng(1), n * 784);
const setups = {
  [`1 session × ${threads} threads`]: await runnersFor(1, threads),
  [`${threads} sessions × 1 thread`]: await runnersFor(threads, 1),
};
const times: Record<string, number[]> = {};
for (let r = 0; r < rounds; r++)
  for (const [name, runners] of Object.entries(setups)) {
    const started = performance.now();
    await extractFeatures(
      model.unet,
      x0,
      n,
      {
        t: 100,
        seed: 0,
        blocks: blocks.map((b) => featureColumn(pooling, b)),
        pooling,
        batchSize: 32,
        alphasCumprod: model.alphasCumprod,
      },
      () => {},
      async () => {},
      runners,
    );
    times[name] ??= [];
    times[name].push(performance.now() - started);
  }
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const [a, b] = Object.keys(times);
for (const name of [a, b])
  console.log(`${name}: ${(n / (median(times[name]) / 1000)).toFixed(0)} images/s (median of ${rounds})`);
console.log(`${b} / ${a} time: ${(median(times[b]) / median(times[a])).toFixed(3)}`);
