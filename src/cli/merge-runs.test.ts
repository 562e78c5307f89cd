/**
 * What makes two shards one run, end to end through main(): shards made from other --test images or
 * on another --device are refused by `merge` (and the feature cache does not hand one device's
 * features to the other); the labels of a folder of more than 256 classes keep one dtype across
 * shards, so they merge byte-identical to one run.
 *
 * There is no GPU here: `--device cuda` runs on onnxruntime-node's CPU provider under the name
 * 'cuda' (the stand-in below), which is all the CLI's bookkeeping sees of a device.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pngjs from 'pngjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readNpy } from '../core/npy';
import { main } from './main';

vi.mock('../engine/onnx-node', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../engine/onnx-node')>();
  return {
    ...actual,
    nodeRuntime: (threads: number, device: 'cpu' | 'cuda' = 'cpu') => ({
      ...actual.nodeRuntime(threads, 'cpu'),
      name: device,
    }),
  };
});

const ROOT = resolve(import.meta.dirname, '../..');
const MANIFEST = join(ROOT, 'public/models/fashion-mnist-ddpm/manifest.json');
const TEST_IMAGES = readFileSync(join(ROOT, 'public/data/fashion-mnist/test-images.u8'));
const base = ['--manifest', MANIFEST, '--quiet', '--threads', '1'];
let dir: string;

async function cli(argv: string[]) {
  const err: string[] = [];
  const code = await main(argv, {
    out: () => {},
    err: { write: (s: string) => err.push(s), isTTY: false },
    env: { DIFFPROBE_CACHE_DIR: join(dir, 'cache') },
  });
  return { code, err: err.join('') };
}

/** Writes data-set image `row` as `<root>/<cls>/<name>.png`. */
function png(root: string, cls: string, row: number, name = row): void {
  mkdirSync(join(root, cls), { recursive: true });
  const image = new pngjs.PNG({ width: 28, height: 28 });
  for (let p = 0; p < 784; p++) {
    const v = 255 - TEST_IMAGES[row * 784 + p];
    image.data.set([v, v, v, 255], p * 4);
  }
  writeFileSync(join(root, cls, `${name}.png`), pngjs.PNG.sync.write(image));
}

const runJson = (d: string) => JSON.parse(readFileSync(join(d, 'run.json'), 'utf8'));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diffprobe-merge-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('merge refuses shards of two runs', () => {
  it('a sweep whose shards were given different --test folders', async () => {
    const train = join(dir, 'train');
    const testA = join(dir, 'test-a');
    const testB = join(dir, 'test-b');
    for (let i = 0; i < 20; i++) png(train, i % 2 ? 'bag' : 'shoe', 100 + i);
    for (let i = 0; i < 6; i++) {
      png(testA, i % 2 ? 'bag' : 'shoe', 200 + i);
      // The same file names and classes; one image differs.
      png(testB, i % 2 ? 'bag' : 'shoe', i === 5 ? 300 : 200 + i, 200 + i);
    }
    const args = ['sweep', ...base, '--blocks', 'mid,up1_0', '--t', '0', '--train', train, '--no-cache'];
    const out = join(dir, 'sweep');
    expect((await cli([...args, '--test', testA, '--shard', '0/2', '--out', out])).code).toBe(0);
    expect((await cli([...args, '--test', testB, '--shard', '1/2', '--out', out])).code).toBe(0);
    const merged = await cli(['merge', out, '--out', join(dir, 'sweep-merged')]);
    expect(merged.code, merged.err).toBe(2);
    expect(merged.err).toMatch(/shards of different runs: .* differ in images\.files\.test\b/);
    expect(readdirSync(dir).filter((n) => n.startsWith('sweep-merged') || n.includes('.tmp-'))).toEqual([]);
  });

  it('extract shards made with --device cpu and --device cuda; the cache keeps the devices apart', async () => {
    const out = join(dir, 'devices');
    const args = ['extract', ...base, '--count', '4', '--t', '10', '--blocks', 'mid', '--out', out];
    expect((await cli([...args, '--device', 'cuda', '--shard', '1/2'])).code).toBe(0);
    expect((await cli([...args, '--device', 'cpu', '--shard', '0/2'])).code).toBe(0);
    const cuda = runJson(join(out, 'shard-0001-of-0002'));
    expect(cuda.device.name).toBe('cuda');
    expect(cuda.identity.device).toBe('cuda');
    const merged = await cli(['merge', out, '--out', join(dir, 'devices-merged')]);
    expect(merged.code, merged.err).toBe(2);
    expect(merged.err).toMatch(/shards of different runs: .* differ in device/);
    // The cuda shard's features are in the cache; a cpu run of the same rows computes its own.
    const again = join(dir, 'devices-cpu');
    expect((await cli([...args.slice(0, -1), again, '--device', 'cpu', '--shard', '1/2'])).code).toBe(0);
    expect(runJson(join(again, 'shard-0001-of-0002')).settings.cache).toMatchObject({
      computed: 2,
      cached: 0,
    });
  });
});

describe('labels of more than 256 classes', () => {
  it('sharded extract of a 257-class folder merges byte-identical to one run', async () => {
    const root = join(dir, 'many');
    for (let c = 0; c < 257; c++) png(root, `c${String(c).padStart(3, '0')}`, c);
    const args = ['extract', ...base, '--data', root, '--t', '0', '--blocks', 'mid', '--batch', '64'];
    const shards = join(dir, 'many-shards');
    // Shard 0 holds classes 0…127 only: its labels alone would fit uint8.
    for (const i of [0, 1]) expect((await cli([...args, '--shard', `${i}/2`, '--out', shards])).code).toBe(0);
    const labels0 = readNpy(readFileSync(join(shards, 'shard-0000-of-0002', 'labels.npy')));
    expect(labels0.descr).toBe('<i4');
    const merged = join(dir, 'many-merged');
    const r = await cli(['merge', shards, '--out', merged]);
    expect(r.code, r.err).toBe(0);
    const single = join(dir, 'many-single');
    expect((await cli([...args, '--out', single])).code).toBe(0);
    for (const f of ['labels.npy', 'mid.npy', 'ids.txt'])
      expect(readFileSync(join(merged, f)).equals(readFileSync(join(single, f))), f).toBe(true);
    const labels = readNpy(readFileSync(join(merged, 'labels.npy')));
    expect(Array.from(labels.data as Int32Array).slice(126, 130)).toEqual([126, 127, 128, 129]);
    expect((labels.data as Int32Array)[256]).toBe(256);
  });
});
