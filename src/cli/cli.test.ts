/**
 * The CLI end to end, in-process (main() with captured streams) on the bundled model and data:
 * outputs and their run.json, shards merged byte for byte, the cache, every data source, and a
 * one-line message with a non-zero exit (and no output left behind) for each kind of bad input.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../core/npy';
import { bundledSplit, VALIDATION_FRACTION } from '../pipeline/split';
import { readDatasetSplit } from './load';
import { main } from './main';

/** The bundled test images as raw bytes (decoded from their PNG parts). */
const testImages = async () => Buffer.from((await readDatasetSplit(DATASET, 'test')).split.images);

const ROOT = resolve(import.meta.dirname, '../..');
const MANIFEST = join(ROOT, 'public/models/fashion-mnist-ddpm/manifest.json');
const DATASET = join(ROOT, 'public/data/fashion-mnist/dataset.json');
const TEST_LABELS = join(ROOT, 'public/data/fashion-mnist/test-labels.u8');
let dir: string;

async function cli(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (s) => out.push(s),
    err: { write: (s: string) => err.push(s), isTTY: false },
    env: { DIFFPROBE_CACHE_DIR: join(dir, 'cache'), ...env },
  });
  return { code, out: out.join('\n'), err: err.join('') };
}

const files = (d: string) =>
  readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
const leftovers = () => readdirSync(dir).filter((n) => n.includes('.tmp-'));
const base = ['--manifest', MANIFEST, '--quiet', '--threads', '1'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diffprobe-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('outputs', () => {
  it('every command has --help; no command prints the list and exits 2', async () => {
    for (const c of [
      'validate',
      'inspect',
      'extract',
      'features',
      'probe',
      'sweep',
      'tsne',
      'pca',
      'umap',
      'merge',
    ]) {
      const r = await cli([c, '--help']);
      expect(r.code, c).toBe(0);
      expect(r.out).toContain(`usage: diffprobe ${c}`);
    }
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.out).toContain('commands:');
  });

  it('extract --out f.npy writes one file (blocks side by side) with labels, ids and run.json beside it', async () => {
    const f = join(dir, 'one', 'feats.npy');
    const r = await cli([
      'extract',
      ...base,
      '--count',
      '12',
      '--t',
      '25',
      '--blocks',
      'mid,up1_0',
      '--out',
      f,
    ]);
    expect(r.code, r.err).toBe(0);
    const x = readNpy(readFileSync(f));
    expect(x.shape).toEqual([12, 64 + 64]);
    expect(readNpy(readFileSync(join(dir, 'one', 'feats.labels.npy'))).shape).toEqual([12]);
    expect(readFileSync(join(dir, 'one', 'feats.ids.txt'), 'utf8').split('\n')[0]).toBe('test:0');
    const run = JSON.parse(readFileSync(join(dir, 'one', 'feats.run.json'), 'utf8'));
    expect(run.model.sha256).toBe(run.model.manifest.model.sha256);
    expect(run.images).toMatchObject({
      kind: 'bundled',
      split: 'test',
      selection: { kind: 'range', start: 0, count: 12 },
    });
    expect(run.settings).toMatchObject({ t: 25, seed: 0, pooling: 'avg', blocks: ['mid', 'up1_0'] });
    expect(run.versions['onnxruntime-node']).toMatch(/^\d+\.\d+/);
    expect(run.commandLine).toContain('diffprobe extract');
    // features with one t and one pooling writes the same file; with several it needs a directory.
    const g = join(dir, 'one', 'grid.npy');
    expect(
      (await cli(['features', ...base, '--count', '12', '--t', '25', '--blocks', 'mid,up1_0', '--out', g]))
        .code,
    ).toBe(0);
    expect(readFileSync(g).equals(readFileSync(f))).toBe(true);
    const two = await cli(['features', ...base, '--t', '25,50', '--out', join(dir, 'one', 'two.npy')]);
    expect(two.code).toBe(2);
    expect(two.err).toMatch(/holds one matrix: give one --t and one --pooling, or a directory/);
    // The same features as the directory form, block by block.
    const d = join(dir, 'one-dir');
    expect(
      (await cli(['extract', ...base, '--count', '12', '--t', '25', '--blocks', 'mid,up1_0', '--out', d]))
        .code,
    ).toBe(0);
    const mid = readNpy(readFileSync(join(d, 'mid.npy')));
    expect((x.data as Float32Array).slice(0, 64)).toEqual((mid.data as Float32Array).slice(0, 64));
  });

  it('shards merged are byte-identical to a single run (extract and the features grid), selected by the schedulers’ variables too', async () => {
    const args = [
      '--part',
      'test',
      '--n-test',
      '20',
      '--split-seed',
      '7',
      '--batch',
      '8',
      '--blocks',
      'down1_1,up1_0',
    ];
    const single = join(dir, 'grid-single');
    expect(
      (
        await cli([
          'features',
          ...base,
          ...args,
          '--t',
          '0,100',
          '--pooling',
          'avg,avg2',
          '--out',
          single,
          '--no-cache',
        ])
      ).code,
    ).toBe(0);
    const shards = join(dir, 'grid-shards');
    expect(
      (
        await cli([
          'features',
          ...base,
          ...args,
          '--t',
          '0,100',
          '--pooling',
          'avg,avg2',
          '--out',
          shards,
          '--shard',
          '0/3',
        ])
      ).code,
    ).toBe(0);
    // Kubernetes Indexed Job: the index from JOB_COMPLETION_INDEX, the count from --shards.
    const k8s = await cli(
      [
        'features',
        ...base,
        ...args,
        '--t',
        '0,100',
        '--pooling',
        'avg,avg2',
        '--out',
        shards,
        '--shards',
        '3',
      ],
      {
        JOB_COMPLETION_INDEX: '1',
      },
    );
    expect(k8s.code, k8s.err).toBe(0);
    // Slurm array 1-3: task 3 is shard 2.
    const slurm = await cli(
      ['features', ...base, ...args, '--t', '0,100', '--pooling', 'avg,avg2', '--out', shards],
      {
        SLURM_ARRAY_TASK_ID: '3',
        SLURM_ARRAY_TASK_MIN: '1',
        SLURM_ARRAY_TASK_COUNT: '3',
      },
    );
    expect(slurm.code, slurm.err).toBe(0);
    expect(readdirSync(shards).sort()).toEqual([
      'shard-0000-of-0003',
      'shard-0001-of-0003',
      'shard-0002-of-0003',
    ]);
    const merged = join(dir, 'grid-merged');
    const m = await cli(['merge', shards, '--out', merged]);
    expect(m.code, m.err).toBe(0);
    const names = files(single)
      .map((e) => join(e.parentPath, e.name).slice(single.length + 1))
      .sort();
    expect(names).toContain(join('t100', 'avg2', 'up1_0.npy'));
    for (const name of names) {
      if (name === 'run.json') continue;
      expect(readFileSync(join(merged, name)).equals(readFileSync(join(single, name))), name).toBe(true);
    }
    const a = JSON.parse(readFileSync(join(single, 'run.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(merged, 'run.json'), 'utf8'));
    expect(b.run).toEqual({ id: a.run.id, shard: null });
    expect(b.mergedFrom.map((s: { shard: { from: string } }) => s.shard.from)).toEqual([
      'option',
      'JOB_COMPLETION_INDEX',
      'SLURM_ARRAY_TASK_ID',
    ]);
  });

  it('a rerun is served by the feature cache, with the same bytes', async () => {
    const a = join(dir, 'cache-a');
    const b = join(dir, 'cache-b');
    const args = ['extract', ...base, '--start', '100', '--count', '10', '--t', '50', '--blocks', 'mid'];
    expect((await cli([...args, '--out', a])).code).toBe(0);
    expect(JSON.parse(readFileSync(join(a, 'run.json'), 'utf8')).settings.cache).toMatchObject({
      computed: 10,
      cached: 0,
    });
    expect((await cli([...args, '--out', b])).code).toBe(0);
    expect(JSON.parse(readFileSync(join(b, 'run.json'), 'utf8')).settings.cache).toMatchObject({
      computed: 0,
      cached: 10,
    });
    expect(readFileSync(join(a, 'mid.npy')).equals(readFileSync(join(b, 'mid.npy')))).toBe(true);
  });
});

describe('probe and sweep: the app’s orchestration', () => {
  it('probe: the browser’s split for the same sizes and seed, the app’s exports', async () => {
    const out = join(dir, 'probe');
    const r = await cli([
      'probe',
      ...base,
      '--blocks',
      'up1_0',
      '--t',
      '25',
      '--n-train',
      '100',
      '--n-test',
      '40',
      '--split-seed',
      '3',
      '--out',
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/test accuracy [\d.]+%/);
    const probe = JSON.parse(readFileSync(join(out, 'probe.json'), 'utf8'));
    const labels = (f: string) => new Uint8Array(readFileSync(join(ROOT, 'public/data/fashion-mnist', f)));
    const split = bundledSplit(
      { classes: probe.classes, train: labels('train-labels.u8'), test: labels('test-labels.u8') },
      { nTrain: 100, nTest: 40, splitSeed: 3, validationFraction: VALIDATION_FRACTION },
    );
    expect(probe.spec.data.ids).toEqual({
      train: split.train.ids,
      validation: split.validation.ids,
      test: split.test.ids,
    });
    expect(probe).toMatchObject({ format: 'diffprobe-probe', C: 1, maxIter: 200, splitSeed: 3 });
    // extract --part gives the features of one part of that split, in its order.
    const part = join(dir, 'probe-validation');
    const x = await cli([
      'extract',
      ...base,
      '--part',
      'validation',
      '--n-train',
      '100',
      '--n-test',
      '40',
      '--split-seed',
      '3',
      '--t',
      '25',
      '--blocks',
      'up1_0',
      '--out',
      part,
    ]);
    expect(x.code, x.err).toBe(0);
    expect(readFileSync(join(part, 'ids.txt'), 'utf8').trim().split('\n')).toEqual(split.validation.ids);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(result.testAccuracy).toBe(probe.testAccuracy);
    expect(readFileSync(join(out, 'predictions.csv'), 'utf8').trim().split('\n')).toHaveLength(41);
    expect(readFileSync(join(out, 'curve.csv'), 'utf8').split('\n')[0]).toBe(
      'iter,loss,train_accuracy,validation_accuracy',
    );
  });

  it('sweep: CSV, JSON and the heatmap; shards merged are byte-identical to one run', async () => {
    const args = [
      'sweep',
      ...base,
      '--blocks',
      'mid,up1_0',
      '--t',
      '0,100',
      '--n-train',
      '100',
      '--n-test',
      '40',
    ];
    const single = join(dir, 'sweep');
    const r = await cli([...args, '--out', single]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/best (mid|up1_0) at t = (0|100)/);
    const svg = readFileSync(join(single, 'sweep.svg'), 'utf8');
    expect(svg).toContain('aria-label="Sweep heatmap of validation accuracy; best:');
    expect(svg.match(/<rect x=/g)).toHaveLength(4);
    for (const i of [0, 1, 2])
      expect((await cli([...args, '--shard', `${i}/3`, '--out', join(dir, 'sweep-shards')])).code).toBe(0);
    expect((await cli(['merge', join(dir, 'sweep-shards'), '--out', join(dir, 'sweep-merged')])).code).toBe(
      0,
    );
    for (const f of ['sweep.csv', 'sweep.json', 'sweep.svg'])
      expect(readFileSync(join(dir, 'sweep-merged', f)).equals(readFileSync(join(single, f))), f).toBe(true);
    const json = JSON.parse(readFileSync(join(single, 'sweep.json'), 'utf8'));
    expect(json.chosen.testAccuracy).toBeGreaterThan(0.3);
  });
});

describe("--head: the app's heads on the same split", () => {
  it("probe --head attention: the map as tokens (grid8), result.json as for the linear probe, the head's JSON", async () => {
    const out = join(dir, 'probe-attention');
    const args = ['probe', ...base, '--blocks', 'up1_0', '--t', '10', '--n-train', '60', '--n-test', '30'];
    const r = await cli([...args, '--head', 'attention', '--epochs', '2', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /^attention head \(2 epochs, epoch [12] chosen\) on up1_0 at t = 10 \(3136 features/,
    );
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(Object.keys(result)).toEqual(
      expect.arrayContaining([
        'trainAccuracy',
        'validationAccuracy',
        'testAccuracy',
        'confusion',
        'iterations',
      ]),
    );
    expect(result).toMatchObject({
      d: 3136,
      iterations: 2,
      solver: 'tfjs-wasm',
      head: { kind: 'attention' },
    });
    const head = JSON.parse(readFileSync(join(out, 'probe.json'), 'utf8'));
    expect(head).toMatchObject({ format: 'diffprobe-head', spec: { pooling: { kind: 'grid', size: 8 } } });
    expect(head.testAccuracy).toBe(result.testAccuracy);
    expect(readFileSync(join(out, 'curve.csv'), 'utf8').split('\n')[0]).toBe(
      'epoch,loss,train_accuracy,validation_accuracy',
    );
    // The same settings give the same numbers.
    const again = join(dir, 'probe-attention-again');
    expect((await cli([...args, '--head', 'attention', '--epochs', '2', '--out', again])).code).toBe(0);
    expect(readFileSync(join(again, 'probe.json'), 'utf8')).toBe(
      readFileSync(join(out, 'probe.json'), 'utf8'),
    );
  });

  it('sweep --head mlp: every cell an MLP, the chosen one tested once, and what the head adds', async () => {
    const out = join(dir, 'sweep-mlp');
    const r = await cli([
      'sweep',
      ...base,
      '--blocks',
      'mid,up1_0',
      '--t',
      '10',
      '--n-train',
      '60',
      '--n-test',
      '30',
      '--head',
      'mlp',
      '--epochs',
      '3',
      '--out',
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /The MLP head (adds|loses) [\d.]+ points at (mid|up1_0), t = 10: [\d.]+% against [\d.]+% for the linear probe|The MLP head adds nothing/,
    );
    const json = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
    expect(json.head).toMatchObject({ kind: 'mlp', training: { maxEpochs: 3 } });
    expect(json.chosen.linearTestAccuracy).toBeGreaterThan(0);
  });
});

describe('data sources give the bundled features for the same pixels', () => {
  let reference: Float32Array;
  const args = ['--count', '6', '--t', '25', '--blocks', 'up1_0', '--no-cache'];
  beforeAll(async () => {
    const r = await cli(['extract', ...base, ...args, '--out', join(dir, 'ref.npy')]);
    expect(r.code, r.err).toBe(0);
    reference = readNpy(readFileSync(join(dir, 'ref.npy'))).data as Float32Array;
  });

  it('IDX (gzipped, labels found beside the images)', async () => {
    const images = (await testImages()).subarray(0, 6 * 784);
    const header = Buffer.alloc(16);
    header.writeUInt32BE(0x803, 0);
    header.writeUInt32BE(6, 4);
    header.writeUInt32BE(28, 8);
    header.writeUInt32BE(28, 12);
    const lh = Buffer.alloc(8);
    lh.writeUInt32BE(0x801, 0);
    lh.writeUInt32BE(6, 4);
    mkdirSync(join(dir, 'idx'), { recursive: true });
    writeFileSync(join(dir, 'idx', 'x-images-idx3-ubyte.gz'), gzipSync(Buffer.concat([header, images])));
    writeFileSync(
      join(dir, 'idx', 'x-labels-idx1-ubyte.gz'),
      gzipSync(Buffer.concat([lh, readFileSync(TEST_LABELS).subarray(0, 6)])),
    );
    const out = join(dir, 'idx.npy');
    const r = await cli([
      'extract',
      ...base,
      ...args,
      '--data',
      join(dir, 'idx', 'x-images-idx3-ubyte.gz'),
      '--out',
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    expect(readNpy(readFileSync(out)).data).toEqual(reference);
    expect(readNpy(readFileSync(join(dir, 'idx.labels.npy'))).data).toEqual(
      new Uint8Array(readFileSync(TEST_LABELS).subarray(0, 6)),
    );
  });

  it('a .npy of uint8 images with --labels', async () => {
    const images = new Uint8Array((await testImages()).subarray(0, 6 * 784));
    writeFileSync(join(dir, 'imgs.npy'), writeNpy(images, [6, 28, 28]));
    writeFileSync(
      join(dir, 'labs.npy'),
      writeNpy(Int32Array.from(readFileSync(TEST_LABELS).subarray(0, 6)), [6]),
    );
    const out = join(dir, 'npy.npy');
    const r = await cli([
      'extract',
      ...base,
      ...args,
      '--data',
      join(dir, 'imgs.npy'),
      '--labels',
      join(dir, 'labs.npy'),
      '--out',
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    expect(readNpy(readFileSync(out)).data).toEqual(reference);
  });

  it('an ImageFolder of PNG and JPEG files in both polarities (decoded in Node, converted like uploads)', async () => {
    const root = join(dir, 'folder');
    const images = await testImages();
    for (const [cls, i] of [
      ['bag', 0],
      ['bag', 1],
      ['shoe', 2],
    ] as const) {
      mkdirSync(join(root, cls), { recursive: true });
      const rgba = Buffer.alloc(28 * 28 * 4);
      for (let p = 0; p < 784; p++) {
        // Dark on light, as a photo: the manifest's invert turns it back into the data set's polarity.
        const v = 255 - images[i * 784 + p];
        rgba.set([v, v, v, 255], p * 4);
      }
      const png = new pngjs.PNG({ width: 28, height: 28 });
      rgba.copy(png.data);
      writeFileSync(join(root, cls, `${i}.png`), pngjs.PNG.sync.write(png));
      writeFileSync(join(root, cls, `${i}.jpg`), jpeg.encode({ data: rgba, width: 28, height: 28 }, 95).data);
      // …and the data set's own polarity, light on dark, as a researcher exports it: never inverted.
      const own = new pngjs.PNG({ width: 28, height: 28, colorType: 0, inputColorType: 0 });
      for (let p = 0; p < 784; p++)
        own.data.set([images[i * 784 + p], images[i * 784 + p], images[i * 784 + p], 255], p * 4);
      writeFileSync(join(root, cls, `${i}-own.png`), pngjs.PNG.sync.write(own));
    }
    const out = join(dir, 'folder-out');
    const r = await cli(['extract', ...base, '--t', '25', '--blocks', 'up1_0', '--data', root, '--out', out]);
    expect(r.code, r.err).toBe(0);
    const ids = readFileSync(join(out, 'ids.txt'), 'utf8').trim().split('\n');
    expect(ids).toEqual([
      'bag/0-own.png',
      'bag/0.jpg',
      'bag/0.png',
      'bag/1-own.png',
      'bag/1.jpg',
      'bag/1.png',
      'shoe/2-own.png',
      'shoe/2.jpg',
      'shoe/2.png',
    ]);
    expect(readNpy(readFileSync(join(out, 'labels.npy'))).data).toEqual(
      Uint8Array.of(0, 0, 0, 0, 0, 0, 1, 1, 1),
    );
    const feats = readNpy(readFileSync(join(out, 'up1_0.npy'))).data as Float32Array;
    // PNG is lossless: the same x_0 as the data set's bytes in either polarity, hence the same features.
    expect(feats.slice(0, 64)).toEqual(reference.slice(0, 64));
    expect(feats.slice(128, 192)).toEqual(reference.slice(0, 64));
    expect(feats.slice(384, 448)).toEqual(reference.slice(128, 192));
    // The decisions: printed in one line, per image beside ids.txt and in run.json.
    expect(r.out).toContain('inverted 6 of 9 images (light background); 3 kept (dark background)');
    const table = readFileSync(join(out, 'polarity.tsv'), 'utf8').trim().split('\n');
    expect(table[0]).toBe('id\tinverted\treason\tbackground\tnear_tie\tframe');
    expect(table.slice(1).map((l) => l.split('\t').slice(0, 3))).toEqual(
      ids.map((id) => [
        id,
        id.includes('own') ? '0' : '1',
        id.includes('own') ? 'dark-background' : 'light-background',
      ]),
    );
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.images.invert).toBe('auto');
    expect(run.images.polarity).toMatchObject({
      mode: 'auto',
      invertedCount: 6,
      inverted: ids.filter((id) => !id.includes('own')),
      reasons: { 'dark-background': 3, 'light-background': 6 },
    });
    expect(run.images.files).toHaveLength(9);
    expect(run.images.files[2]).toMatchObject({
      file: join('bag', '0.png'),
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('--invert overrides the polarity of your images, never of the bundled data', async () => {
    const root = join(dir, 'folder');
    const out = join(dir, 'folder-never');
    const r = await cli(['extract', ...base, ...args, '--data', root, '--invert', 'never', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('inverted 0 of 6 images (invert: never)');
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).images.polarity.reasons).toEqual({
      never: 6,
    });
    const bundled = await cli(['extract', ...base, ...args, '--invert', 'always', '--out', join(dir, 'x')]);
    expect(bundled.code).toBe(2);
    expect(bundled.err).toMatch(/--invert applies to your images.*never inverted/);
    const bad = await cli([
      'extract',
      ...base,
      ...args,
      '--data',
      root,
      '--invert',
      'yes',
      '--out',
      join(dir, 'y'),
    ]);
    expect(bad.err).toMatch(/--invert must be auto, always or never, got "yes"/);
  });

  it('pca of an extract directory: coordinates, CSV and SVG', async () => {
    const feats = join(dir, 'one-dir');
    const out = join(dir, 'pca');
    const r = await cli(['pca', '--features', feats, '--blocks', 'mid,up1_0', '--out', out, '--quiet']);
    expect(r.code, r.err).toBe(0);
    expect(readNpy(readFileSync(join(out, 'coords.npy'))).shape).toEqual([12, 2]);
    expect(readFileSync(join(out, 'embedding.csv'), 'utf8').split('\n')[1]).toMatch(/^test:0,Ankle boot,/);
    const svg = readFileSync(join(out, 'embedding.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns/);
    expect(svg.match(/<circle /g)).toHaveLength(12);
  });
});

describe('bad input: one line, a non-zero exit, nothing that looks complete', () => {
  const cases: [string, string[], number, RegExp][] = [
    [
      'missing manifest',
      ['extract', '--manifest', '/nope/m.json', '--out', 'x'],
      1,
      /could not be read.*\/nope\/m\.json/,
    ],
    [
      'unknown option',
      ['extract', '--manifest', MANIFEST, '--colour', 'red', '--out', 'x'],
      2,
      /unknown option --colour/,
    ],
    [
      't out of range',
      ['extract', ...base, '--t', '1000', '--out', 'x'],
      2,
      /--t must be an integer in 0…999, got "1000"/,
    ],
    [
      'a block that does not exist',
      ['extract', ...base, '--blocks', 'mid,up9_9', '--out', 'x'],
      2,
      /no block "up9_9"/,
    ],
    [
      '--shard 3/2',
      ['extract', ...base, '--shard', '3/2', '--out', 'x'],
      2,
      /--shard 3\/2: the index must be below N/,
    ],
    [
      'an unknown head',
      ['probe', ...base, '--head', 'svm', '--out', 'x'],
      2,
      /--head must be one of linear, mlp, attention, got "svm"/,
    ],
    [
      'a head setting for the linear probe',
      ['probe', ...base, '--lr', '0.1', '--out', 'x'],
      2,
      /--lr is a setting of --head mlp or attention/,
    ],
    [
      'the attention head on a global pooling',
      ['probe', ...base, '--head', 'attention', '--pooling', 'avg', '--out', 'x'],
      2,
      /--head attention reads the map as tokens: --pooling must be grid4, grid8 or grid16, not "avg"/,
    ],
    [
      '--device cuda without its provider',
      ['extract', ...base, '--device', 'cuda', '--out', 'x'],
      1,
      /device.*CUDA/i,
    ],
  ];
  it.each(cases)('%s', async (_name, argv, code, message) => {
    const args = argv.map((a) => (a === 'x' ? join(dir, 'bad-out') : a));
    const r = await cli(args);
    expect(r.code).toBe(code);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(message);
    expect(existsSync(join(dir, 'bad-out'))).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('an unreadable model file next to a good manifest', async () => {
    const m = JSON.parse(readFileSync(MANIFEST, 'utf8'));
    mkdirSync(join(dir, 'nomodel'), { recursive: true });
    writeFileSync(join(dir, 'nomodel', 'manifest.json'), JSON.stringify({ ...m, dataset: undefined }));
    const r = await cli([
      'extract',
      '--manifest',
      join(dir, 'nomodel', 'manifest.json'),
      '--out',
      join(dir, 'bad-out'),
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot read the model .*model\.onnx: ENOENT/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('an empty image folder', async () => {
    mkdirSync(join(dir, 'empty', 'cls'), { recursive: true });
    const r = await cli(['extract', ...base, '--data', join(dir, 'empty'), '--out', join(dir, 'bad-out')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no usable PNG or JPEG images in .*empty/);
    expect(existsSync(join(dir, 'bad-out'))).toBe(false);
  });

  it('a folder with bad files: each is named with its reason, the rest loads', async () => {
    const fixtures = join(ROOT, 'e2e/fixtures/images');
    const root = join(dir, 'mixed');
    mkdirSync(root, { recursive: true });
    for (const f of readdirSync(join(fixtures, 'bad')))
      writeFileSync(join(root, f), readFileSync(join(fixtures, 'bad', f)));
    writeFileSync(join(root, 'good.png'), readFileSync(join(fixtures, 'odd', 'rgb.png')));
    writeFileSync(join(root, 'anim.gif'), Buffer.from('GIF89a'));
    const out = join(dir, 'mixed-out');
    const r = await cli(['extract', ...base, '--t', '0', '--blocks', 'mid', '--data', root, '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(out, 'ids.txt'), 'utf8').trim().split('\n')).toEqual([
      'corrupt-exif.jpg',
      'good.png',
      'orientation-9.jpg',
    ]);
    expect(r.err).toContain('note: skipped truncated.jpg: "truncated.jpg" is truncated');
    expect(r.err).toMatch(/note: skipped huge-30000.jpg: .*30000×30000 pixels/);
    expect(r.err).toMatch(/note: skipped bomb.png: .*100000×100000 pixels/);
    expect(r.err).toMatch(/note: skipped inflate-bomb.png: .*inflates to more than/);
    expect(r.err).toMatch(/note: skipped anim.gif: a GIF file: only a browser decodes it.*bit for bit/);
    expect(r.err).toContain('note: corrupt-exif.jpg: the EXIF block is corrupt');
    expect(r.err).toContain('note: orientation-9.jpg: its EXIF orientation 9 is not 1–8');
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.images.skipped.map((s: { file: string }) => s.file).sort()).toEqual([
      'anim.gif',
      'bomb.png',
      'huge-30000.jpg',
      'inflate-bomb.png',
      'truncated.jpg',
    ]);
  });

  it('merging shards of different runs, a missing shard, a shard twice', async () => {
    const a = join(dir, 'mix-a');
    const b = join(dir, 'mix-b');
    const args = ['extract', ...base, '--count', '4', '--blocks', 'mid'];
    expect((await cli([...args, '--t', '10', '--shard', '0/2', '--out', a])).code).toBe(0);
    expect((await cli([...args, '--t', '20', '--shard', '1/2', '--out', b])).code).toBe(0);
    const out = join(dir, 'bad-out');
    const mixed = await cli(['merge', a, b, '--out', out]);
    expect(mixed.code).toBe(2);
    expect(mixed.err).toMatch(/shards of different runs: .* differ in settings/);
    const missing = await cli(['merge', a, '--out', out]);
    expect(missing.err).toMatch(/shard 1 of 2 missing/);
    const twice = await cli(['merge', a, join(a, 'shard-0000-of-0002'), '--out', out]);
    expect(twice.err).toMatch(/shard 0 of 2 is given twice/);
    expect(existsSync(out)).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('an existing output is kept unless --force', async () => {
    const out = join(dir, 'one-dir');
    const r = await cli(['extract', ...base, '--count', '2', '--blocks', 'mid', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/already exists; remove it or pass --force/);
    expect(existsSync(join(out, 'up1_0.npy'))).toBe(true);
  });
});
