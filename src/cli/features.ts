/**
 * @file `features`: the evaluation grid in one pass per (t, batch). For every timestep, every block
 * and every pooling asked for, pooled features of a slice of the bundled data, as .npy files:
 *   <out>/t<T>/<pooling>/<block>.npy   [N, D] float32
 *   <out>/labels.npy                   [N] uint8
 * One forward pass serves all blocks and poolings, so the grid costs |t| × N forward passes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { datasetToModelInput } from '../core/dataset/index-file';
import { writeNpy } from '../core/npy';
import { poolFeatures } from '../core/pooling';
import { formatDuration } from '../core/progress';
import { noisyBatch } from '../pipeline/extract';
import { intFlag, parseFlags } from './args';
import { POOLING_BY_NAME } from './extract';
import { loadNodeDataset, loadNodeModel } from './load';

export async function runFeatures(args: string[]): Promise<number> {
  const flags = parseFlags(args, [
    'manifest',
    'out',
    'split',
    'start',
    'count',
    't',
    'pooling',
    'seed',
    'batch',
    'threads',
  ]);
  if (!flags.manifest || !flags.out || !flags.t)
    throw new Error('features needs --manifest, --out and --t (e.g. 0,25,100)');
  const model = await loadNodeModel(flags.manifest, intFlag(flags, 'threads', 2, 1, 64));
  const { index, split } = await loadNodeDataset(model.manifest, flags.manifest, flags.split ?? 'test');
  const start = intFlag(flags, 'start', 0, 0, split.count - 1);
  const count = intFlag(flags, 'count', split.count - start, 1, split.count - start);
  const seed = intFlag(flags, 'seed', 0, 0, 0xffffffff);
  const batch = intFlag(flags, 'batch', 32, 1, 4096);
  const timesteps = flags.t.split(',').map(Number);
  if (timesteps.some((t) => !Number.isInteger(t) || t < 0 || t >= model.alphasCumprod.length))
    throw new Error(`--t must list timesteps in 0…${model.alphasCumprod.length - 1}`);
  const poolNames = (flags.pooling ?? 'avg').split(',');
  for (const p of poolNames) if (!POOLING_BY_NAME[p]) throw new Error(`unknown pooling ${p}`);
  const blocks = model.unet.blockNames;
  const x0 = datasetToModelInput(split, index, start, count, model.manifest.preprocessing);
  const pixels = index.channels * index.height * index.width;
  await mkdir(flags.out, { recursive: true });
  await writeFile(join(flags.out, 'labels.npy'), writeNpy(split.labels.slice(start, start + count), [count]));
  const started = performance.now();
  for (const [ti, t] of timesteps.entries()) {
    const out: Record<string, Record<string, Float32Array[]>> = {};
    const dims: Record<string, Record<string, number>> = {};
    for (const p of poolNames) {
      out[p] = Object.fromEntries(blocks.map((b) => [b, []]));
      dims[p] = {};
    }
    for (let s = 0; s < count; s += batch) {
      const n = Math.min(batch, count - s);
      const xt = noisyBatch(x0, s, n, pixels, seed, model.alphasCumprod[t]);
      const maps = await model.unet.run(xt, n, new Float32Array(n).fill(t), blocks);
      for (const b of blocks)
        for (const p of poolNames) {
          const pooled = poolFeatures(maps[b].data, maps[b].dims, POOLING_BY_NAME[p]);
          out[p][b].push(pooled.data);
          dims[p][b] = pooled.dim;
        }
      const done = ti * count + s + n;
      const elapsed = performance.now() - started;
      process.stderr.write(
        `\rt=${t}: ${s + n}/${count} · ${((done / elapsed) * 1000).toFixed(0)} img/s · ETA ${formatDuration(((timesteps.length * count - done) * elapsed) / done)}   `,
      );
    }
    for (const p of poolNames) {
      const dir = join(flags.out, `t${t}`, p);
      await mkdir(dir, { recursive: true });
      for (const b of blocks) {
        const data = new Float32Array(count * dims[p][b]);
        let o = 0;
        for (const c of out[p][b]) {
          data.set(c, o);
          o += c.length;
        }
        await writeFile(join(dir, `${b}.npy`), writeNpy(data, [count, dims[p][b]]));
      }
    }
  }
  process.stderr.write('\n');
  console.log(
    `wrote features of ${count} ${flags.split ?? 'test'} images (from ${start}) for t = ${timesteps.join(',')} × ${poolNames.join(',')} to ${flags.out}`,
  );
  await model.unet.release();
  return 0;
}
