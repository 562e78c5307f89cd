/**
 * `diffprobe cka` and `--random-weights`, in-process on the bundled model and data: the files and
 * their format, the three views, the twin as a model of its own (its sha256, cache and report),
 * and a one-line message for each bad input.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '../core/npy';
import { DataType, encodeModel } from '../core/onnx/model';
import { imageHashes } from '../pipeline/cache-key';
import { PIPELINE_VERSION } from '../pipeline/version';
import { runCli } from '../testing/run-cli';
import { openImageSet } from './images';
import { loadManifestFile } from './load';

const ROOT = resolve(import.meta.dirname, '../..');
const MANIFEST = join(ROOT, 'public/models/fashion-mnist-ddpm/manifest.json');
let dir: string;

const cli = (argv: string[]) => runCli(argv, join(dir, 'cache'));

const base = ['--manifest', MANIFEST, '--quiet', '--threads', '1'];
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diffprobe-cka-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two blocks at t = 10 on 16 images. */
const twoBlocks = [...base, '--t', '10', '--blocks', 'mid,up1_0', '--count', '16'];

describe('diffprobe cka', () => {
  it('blocks × blocks at one t: cka.csv (header of block names, one row per block, name first), cka.json, cka.svg', async () => {
    const out = join(dir, 'blocks');
    const r = await cli([
      'cka',
      ...base,
      '--t',
      '10',
      '--count',
      '24',
      '--blocks',
      'down0_0,mid,up1_0',
      '--out',
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /linear CKA between blocks at t = 10 \(global average pooling, 24 images\): 3 × 3 values/,
    );
    const csv = readFileSync(join(out, 'cka.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('block,down0_0,mid,up1_0');
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['down0_0', 'mid', 'up1_0']);
    const values = csv.slice(1).map((l) => l.split(',').slice(1).map(Number));
    for (let i = 0; i < 3; i++) {
      expect(values[i][i]).toBeCloseTo(1, 9);
      for (let j = 0; j < 3; j++) {
        expect(values[i][j]).toBe(values[j][i]);
        expect(values[i][j]).toBeGreaterThan(0);
        expect(values[i][j]).toBeLessThanOrEqual(1 + 1e-9);
      }
    }
    const doc = json(join(out, 'cka.json'));
    expect(doc).toMatchObject({ format: 'diffprobe-cka', status: 'done', rows: ['down0_0', 'mid', 'up1_0'] });
    expect(doc.spec).toMatchObject({
      view: 'blocks',
      estimator: 'biased',
      features: 'pooled',
      pooling: { kind: 'avg' },
    });
    expect(doc.spec.images.ids.slice(0, 2)).toEqual(['test:0', 'test:1']);
    expect(readFileSync(join(out, 'cka.svg'), 'utf8')).toMatch(
      /^<svg[^>]*aria-label="Heatmap: linear CKA between blocks/,
    );
    const run = json(join(out, 'run.json'));
    expect(run).toMatchObject({ command: 'cka', settings: { view: 'blocks', t: [10], estimator: 'biased' } });
    expect(run.model.sha256).toBe(doc.spec.models[Object.keys(doc.spec.models)[0]].sha256);
    // The provenance record: the images in row order with the x₀ hashes of what the U-Net was fed
    // (computed here independently), the model, and every setting.
    const p = doc.provenance;
    expect(p).toMatchObject({
      format: 'diffprobe-provenance',
      version: 1,
      pipelineVersion: PIPELINE_VERSION,
    });
    expect(p.images.ids).toEqual(Array.from({ length: 24 }, (_, i) => `test:${i}`));
    const manifest = await loadManifestFile(MANIFEST);
    const x0 = await (await openImageSet('bundled:test', null, manifest, MANIFEST)).modelInput(
      Array.from({ length: 24 }, (_, i) => i),
      manifest,
    );
    expect(p.images.x0).toEqual(await imageHashes(x0, 24, x0.length / 24));
    expect(new Set(p.images.x0).size).toBe(24);
    expect(p.model.files[0].sha256).toBe(run.model.sha256);
    expect(p.model.manifest.name).toBe(manifest.name);
    expect(p.engine).toMatchObject({ runtime: 'onnxruntime-node', backend: 'cpu', threads: 1 });
    const rep = (block: string) => ({ model: p.model.id, block, t: 10 });
    expect(p.settings).toEqual({
      kind: 'cka',
      view: 'blocks',
      rows: ['down0_0', 'mid', 'up1_0'].map(rep),
      cols: ['down0_0', 'mid', 'up1_0'].map(rep),
      estimator: 'biased',
      features: 'pooled',
      pooling: { kind: 'avg' },
      seed: 0,
      twin: null,
      versus: null,
    });
  });

  it('several --t: t × t of one block; full maps through Gram matrices with the debiased estimator', async () => {
    const out = join(dir, 'timesteps');
    const r = await cli(['cka', ...base, '--t', '0,100', '--blocks', 'up1_0', '--count', '16', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(out, 'cka.csv'), 'utf8').split('\n')[0]).toBe('t,0,100');
    const maps = join(dir, 'maps');
    const m = await cli(['cka', ...twoBlocks, '--maps', '--estimator', 'debiased', '--out', maps]);
    expect(m.code, m.err).toBe(0);
    expect(m.out).toContain('debiased CKA between blocks at t = 10 (full maps, 16 images)');
    expect(json(join(maps, 'cka.json'))).toMatchObject({
      route: 'gram',
      spec: { features: 'maps', pooling: null },
    });
  });

  it('--versus random-weights: this model’s blocks × its twin’s, both models in run.json', async () => {
    const out = join(dir, 'versus');
    const r = await cli(['cka', ...twoBlocks, '--versus', 'random-weights', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const doc = json(join(out, 'cka.json'));
    expect(doc.spec.view).toBe('models');
    expect(doc.values).toHaveLength(2);
    const run = json(join(out, 'run.json'));
    expect(run.versus.name).toContain('random weights (init seed 0)');
    expect(run.versus.randomWeights).toMatchObject({
      of: run.model.sha256,
      initSeed: 0,
      report: { redrawn: 162 },
    });
    // Both models in the record: the trained one (rows), the twin (columns) with its seed.
    const p = doc.provenance;
    expect(p.model.files[0].sha256).toBe(run.model.sha256);
    expect(p.settings.twin).toBeNull();
    expect(p.settings.versus.model.files[0].sha256).toBe(run.versus.sha256);
    expect(p.settings.versus.model.id).not.toBe(p.model.id);
    expect(p.settings.versus.twin).toEqual({ of: run.model.sha256, seed: 0 });
    expect(p.settings.versus.engine).toMatchObject({ runtime: 'onnxruntime-node' });
    // The twin keeps the trained model's preprocessing: the same x₀.
    expect(p.settings.versus.x0).toEqual(p.images.x0);
    expect(p.settings.rows.map((r: { model: string }) => r.model)).toEqual([p.model.id, p.model.id]);
    expect(p.settings.cols.map((r: { model: string }) => r.model)).toEqual([
      p.settings.versus.model.id,
      p.settings.versus.model.id,
    ]);
    // `reproduce` re-runs such a record, the twin made again from its seed: reproduce-more.test.ts.
    // Training makes the blocks unlike their untrained counterparts.
    expect(doc.values[0][0]).toBeLessThan(0.99);
  });

  it('bad input: too few images, --init-seed alone, --maps with --pooling: one line each, nothing written', async () => {
    const few = await cli(['cka', ...base, '--count', '5', '--out', join(dir, 'few')]);
    expect(few.code).toBe(1);
    expect(few.err).toMatch(
      /^diffprobe cka: CKA cannot be computed on this data: CKA needs at least 10 images to compare representations; it got 5\./,
    );
    const seed = await cli(['cka', ...base, '--init-seed', '3', '--out', join(dir, 'seed')]);
    expect(seed.code).toBe(2);
    expect(seed.err).toContain('--init-seed seeds the twin of --random-weights');
    const maps = await cli(['cka', ...base, '--maps', '--pooling', 'avg2', '--out', join(dir, 'mp')]);
    expect(maps.code).toBe(2);
    for (const d of ['few', 'seed', 'mp']) expect(existsSync(join(dir, d))).toBe(false);
  });
});

describe('--random-weights', () => {
  it('extract on the twin: other features, its own sha256 and cache, the report in run.json; seeded', async () => {
    const run = async (name: string, extra: string[]) => {
      const out = join(dir, name, 'f.npy');
      const r = await cli([
        'extract',
        ...base,
        '--count',
        '8',
        '--t',
        '10',
        '--blocks',
        'mid',
        ...extra,
        '--out',
        out,
      ]);
      expect(r.code, r.err).toBe(0);
      return { x: readNpy(readFileSync(out)).data as Float32Array, run: json(join(dir, name, 'f.run.json')) };
    };
    const trained = await run('trained', []);
    const twin = await run('twin', ['--random-weights']);
    const again = await run('twin-again', ['--random-weights', '--init-seed', '0']);
    const other = await run('twin-1', ['--random-weights', '--init-seed', '1']);
    expect(twin.run.model.sha256).not.toBe(trained.run.model.sha256);
    expect(twin.run.model.randomWeights).toMatchObject({ of: trained.run.model.sha256, initSeed: 0 });
    const kept = twin.run.model.randomWeights.report.entries.filter(
      (e: { action: string }) => e.action === 'kept',
    );
    expect(kept.map((e: { name: string }) => e.name)).toEqual(['sinusoids']);
    expect(Array.from(again.x)).toEqual(Array.from(twin.x));
    expect(again.run.model.sha256).toBe(twin.run.model.sha256);
    expect(other.run.model.sha256).not.toBe(twin.run.model.sha256);
    expect(Array.from(twin.x)).not.toEqual(Array.from(trained.x));
  });

  it('a model whose initializers are all constants has no twin: one line, exit 1', async () => {
    const onnx = encodeModel({
      name: 'constants',
      opset: 17,
      nodes: [{ op: 'Mul', inputs: ['x_t', 'two'], outputs: ['eps'] }],
      inputs: [
        { name: 'x_t', type: DataType.FLOAT, dims: ['N', 1, 28, 28] },
        { name: 't', type: DataType.FLOAT, dims: ['N'] },
      ],
      outputs: [{ name: 'eps', type: DataType.FLOAT, dims: ['N', 1, 28, 28] }],
      initializers: [{ name: 'two', type: DataType.FLOAT, dims: [], data: Float32Array.of(2) }],
    });
    const manifest = json(MANIFEST);
    writeFileSync(join(dir, 'constants.onnx'), onnx);
    manifest.model = {
      file: 'constants.onnx',
      bytes: onnx.length,
      sha256: createHash('sha256').update(onnx).digest('hex'),
    };
    delete manifest.dataset;
    writeFileSync(join(dir, 'constants.json'), JSON.stringify(manifest));
    const r = await cli([
      'extract',
      '--manifest',
      join(dir, 'constants.json'),
      '--random-weights',
      '--data',
      join(ROOT, 'e2e/fixtures/none.npy'),
      '--out',
      join(dir, 'c.npy'),
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^diffprobe extract: This model has no weights to re-draw: none of the graph's 1 constant tensors is a learned weight/,
    );
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});
