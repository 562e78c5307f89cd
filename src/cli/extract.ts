/**
 * @file `extract`: pooled block features for the bundled data set, written as .npy files
 * (`<block>.npy` [N, D] float32 and `labels.npy` [N] uint8) that numpy.load reads.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { datasetToModelInput } from '../core/dataset/index-file';
import { writeNpy } from '../core/npy';
import type { Pooling } from '../core/pooling';
import { formatDuration } from '../core/progress';
import { extractFeatures } from '../pipeline/extract';
import { intFlag, parseFlags } from './args';
import { loadNodeDataset, loadNodeModel } from './load';

export const POOLING_BY_NAME: Record<string, Pooling> = {
  avg: { kind: 'avg' },
  max: { kind: 'max' },
  avg2: { kind: 'adaptive', size: 2 },
  avg4: { kind: 'adaptive', size: 4 },
};

export async function runExtract(args: string[]): Promise<number> {
  const flags = parseFlags(args, [
    'manifest',
    'out',
    'split',
    'count',
    't',
    'blocks',
    'pooling',
    'seed',
    'batch',
    'threads',
  ]);
  if (!flags.manifest || !flags.out) throw new Error('extract needs --manifest and --out');
  const threads = intFlag(flags, 'threads', 1, 1, 64);
  const model = await loadNodeModel(flags.manifest, threads);
  const { index, split } = await loadNodeDataset(model.manifest, flags.manifest, flags.split ?? 'test');
  const count = intFlag(flags, 'count', split.count, 1, split.count);
  const t = intFlag(flags, 't', 100, 0, model.alphasCumprod.length - 1);
  const pooling = POOLING_BY_NAME[flags.pooling ?? 'avg'];
  if (!pooling) throw new Error(`--pooling must be one of ${Object.keys(POOLING_BY_NAME).join(', ')}`);
  const blocks = flags.blocks ? flags.blocks.split(',') : model.unet.blockNames;
  const x0 = datasetToModelInput(split, index, 0, count, model.manifest.preprocessing);
  const chunks: Record<string, Float32Array[]> = Object.fromEntries(blocks.map((b) => [b, []]));
  const started = performance.now();
  let done = 0;
  const dims = await extractFeatures(
    model.unet,
    x0,
    count,
    {
      t,
      seed: intFlag(flags, 'seed', 0, 0, 0xffffffff),
      blocks,
      pooling,
      batchSize: intFlag(flags, 'batch', 32, 1, 4096),
      alphasCumprod: model.alphasCumprod,
    },
    (batch) => {
      for (const b of blocks) chunks[b].push(batch.features[b]);
      done += batch.count;
      const elapsed = performance.now() - started;
      process.stderr.write(
        `\r${done}/${count} images, ${((done / elapsed) * 1000).toFixed(1)} img/s, ETA ${formatDuration(((count - done) * elapsed) / done)}   `,
      );
    },
  );
  process.stderr.write('\n');
  await mkdir(flags.out, { recursive: true });
  for (const b of blocks) {
    const data = new Float32Array(count * dims[b]);
    let offset = 0;
    for (const c of chunks[b]) {
      data.set(c, offset);
      offset += c.length;
    }
    await writeFile(join(flags.out, `${b}.npy`), writeNpy(data, [count, dims[b]]));
  }
  await writeFile(join(flags.out, 'labels.npy'), writeNpy(split.labels.slice(0, count), [count]));
  console.log(
    `wrote ${blocks.length} feature files + labels.npy to ${flags.out} (t=${t}, ${flags.pooling ?? 'avg'} pooling)`,
  );
  await model.unet.release();
  return 0;
}
