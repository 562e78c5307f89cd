/**
 * The same image gives the same features whichever way it arrives: the Fashion-MNIST test images
 * written as an ImageFolder of PNG files (the data set's own pixels, light on dark, as a researcher
 * exports them) and as IDX files give bit-identical features, equal to the bundled data's, and the
 * same probe; nothing is inverted, and the CLI says so in one line, per image in polarity.tsv and
 * in run.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import pngjs from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateManifest } from '../core/manifest/validate';
import { readNpy } from '../core/npy';
import { loadNodeDataset } from './load';
import { main } from './main';

const ROOT = resolve(import.meta.dirname, '../..');
const MANIFEST = join(ROOT, 'public/models/fashion-mnist-ddpm/manifest.json');
const PER_CLASS = { train: 10, test: 5 };
let dir: string;
/** Rows of the bundled test split in each part, in the folder's order (class, then row). */
const rows: Record<'train' | 'test', number[]> = { train: [], test: [] };

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...argv, '--manifest', MANIFEST, '--quiet', '--threads', '1', '--no-cache'], {
    out: (s) => out.push(s),
    err: { write: (s: string) => err.push(s), isTTY: false },
    env: {},
  });
  return { code, out: out.join('\n'), err: err.join('') };
}

function idx(data: Uint8Array, dims: number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt8(0x08, 2);
  head.writeUInt8(dims.length, 3);
  for (const [i, d] of dims.entries()) head.writeUInt32BE(d, 4 + 4 * i);
  return gzipSync(Buffer.concat([head, data]));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'diffprobe-polarity-'));
  const manifest = validateManifest(JSON.parse(readFileSync(MANIFEST, 'utf8')));
  const { index, split } = await loadNodeDataset(manifest, MANIFEST, 'test');
  // Class folders "0-T-shirt-top", "1-Trouser", …: sorted as the labels, so an ImageFolder
  // numbers them as the IDX labels do.
  const folder = (label: number) => `${label}-${index.classes[label].replace(/[^A-Za-z]+/g, '-')}`;
  const taken = new Map<number, number>();
  for (let r = 0; r < split.count; r++) {
    const label = split.labels[r];
    const n = taken.get(label) ?? 0;
    taken.set(label, n + 1);
    if (n < PER_CLASS.train) rows.train.push(r);
    else if (n < PER_CLASS.train + PER_CLASS.test) rows.test.push(r);
  }
  for (const part of ['train', 'test'] as const) {
    rows[part].sort((a, b) => split.labels[a] - split.labels[b] || a - b);
    const images = new Uint8Array(rows[part].length * 784);
    for (const [i, r] of rows[part].entries()) {
      const pixels = split.images.subarray(r * 784, (r + 1) * 784);
      images.set(pixels, i * 784);
      const png = new pngjs.PNG({ width: 28, height: 28 });
      for (let p = 0; p < 784; p++) png.data.set([pixels[p], pixels[p], pixels[p], 255], p * 4);
      mkdirSync(join(dir, part, folder(split.labels[r])), { recursive: true });
      writeFileSync(
        join(dir, part, folder(split.labels[r]), `${String(r).padStart(5, '0')}.png`),
        pngjs.PNG.sync.write(png, { colorType: 0 }),
      );
    }
    const labels = Uint8Array.from(rows[part], (r) => split.labels[r]);
    writeFileSync(join(dir, `${part}-images-idx3-ubyte.gz`), idx(images, [rows[part].length, 28, 28]));
    writeFileSync(join(dir, `${part}-labels-idx1-ubyte.gz`), idx(labels, [rows[part].length]));
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Fashion-MNIST exported to PNG files', () => {
  it('gives the IDX features and the bundled features, bit for bit: no image is inverted', async () => {
    const common = ['--t', '0', '--blocks', 'up1_0,mid'];
    const folder = await cli([
      'extract',
      ...common,
      '--data',
      join(dir, 'train'),
      '--out',
      join(dir, 'f.npy'),
    ]);
    expect(folder.code, folder.err).toBe(0);
    const n = rows.train.length;
    expect(folder.out).toContain(`inverted 0 of ${n} images (light-on-dark already)`);
    const fromIdx = await cli([
      'extract',
      ...common,
      '--data',
      join(dir, 'train-images-idx3-ubyte.gz'),
      '--out',
      join(dir, 'i.npy'),
    ]);
    expect(fromIdx.code, fromIdx.err).toBe(0);
    expect(fromIdx.out).toContain(`inverted 0 of ${n} images (light-on-dark already)`);
    const count = String(Math.max(...rows.train) + 1);
    const bundled = await cli(['extract', ...common, '--count', count, '--out', join(dir, 'b.npy')]);
    expect(bundled.code, bundled.err).toBe(0);
    const f = readNpy(readFileSync(join(dir, 'f.npy'))).data as Float32Array;
    const i = readNpy(readFileSync(join(dir, 'i.npy'))).data as Float32Array;
    const b = readNpy(readFileSync(join(dir, 'b.npy'))).data as Float32Array;
    expect(f).toEqual(i);
    const d = f.length / n;
    const fromBundled = new Float32Array(f.length);
    for (const [k, r] of rows.train.entries()) fromBundled.set(b.subarray(r * d, (r + 1) * d), k * d);
    expect(f).toEqual(fromBundled);
    // Per image, beside the ids, and in run.json.
    const table = readFileSync(join(dir, 'f.polarity.tsv'), 'utf8').trim().split('\n').slice(1);
    expect(table).toHaveLength(n);
    expect(table.every((l) => l.split('\t')[1] === '0' && l.split('\t')[2] === 'dark-background')).toBe(true);
    const run = JSON.parse(readFileSync(join(dir, 'f.run.json'), 'utf8'));
    expect(run.images.polarity).toMatchObject({ mode: 'auto', invertedCount: 0, inverted: [], images: n });
  }, 120_000);

  it('gives the same probe as the IDX files', async () => {
    const probe = async (train: string, test: string, out: string) => {
      const r = await cli([
        'probe',
        '--blocks',
        'up1_0',
        '--t',
        '0',
        '--train',
        train,
        '--test',
        test,
        '--out',
        out,
      ]);
      expect(r.code, r.err).toBe(0);
      return JSON.parse(readFileSync(join(out, 'probe.json'), 'utf8'));
    };
    const fromFolder = await probe(join(dir, 'train'), join(dir, 'test'), join(dir, 'probe-folder'));
    const fromIdx = await probe(
      join(dir, 'train-images-idx3-ubyte.gz'),
      join(dir, 'test-images-idx3-ubyte.gz'),
      join(dir, 'probe-idx'),
    );
    for (const k of ['testAccuracy', 'validationAccuracy', 'trainAccuracy', 'iterations'])
      expect(fromFolder[k], k).toBe(fromIdx[k]);
    // The specs record that nothing was inverted.
    expect(fromFolder.spec.data.inverted).toEqual([]);
    expect(fromIdx.spec.data.inverted).toEqual([]);
  }, 120_000);
});
