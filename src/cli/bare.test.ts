/**
 * The CLI on a bare ONNX (no manifest): `inspect`, every command with --model, the timestep
 * convention never assumed for a float timestep, class inputs, and the bad inputs of #21 for it,
 * each one line and a non-zero exit.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '../core/npy';
import { DataType, encodeModel } from '../core/onnx/model';
import { scheduleFromManifest } from '../core/schedule';
import { runCli } from '../testing/run-cli';
import { fractionWrapped, sigmaWrapped } from '../testing/timestep-wrappers';

const ROOT = resolve(import.meta.dirname, '../..');
const DEFAULT = join(ROOT, 'public/models/fashion-mnist-ddpm/model.onnx');
const ADM = join(ROOT, 'e2e/fixtures/models/adm12/model-with-attention.onnx');
let dir: string;
let frac: string;
let sigma: string;

const cli = (argv: string[]) => runCli(argv, join(dir, 'cache'));

const quiet = ['--quiet', '--threads', '1'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diffprobe-bare-'));
  const bytes = new Uint8Array(readFileSync(DEFAULT));
  const manifest = JSON.parse(
    readFileSync(join(ROOT, 'public/models/fashion-mnist-ddpm/manifest.json'), 'utf8'),
  );
  frac = join(dir, 'frac.onnx');
  sigma = join(dir, 'edm.onnx');
  writeFileSync(frac, fractionWrapped(bytes));
  writeFileSync(sigma, sigmaWrapped(bytes, scheduleFromManifest(manifest.schedule).alphasCumprod));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('inspect', () => {
  it('prints the roles, every candidate block and the manifest; --save-manifest writes one validate accepts', async () => {
    const r = await cli(['inspect', DEFAULT]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^ {2}image {6}x_t {2}float32 \[N, 1, 28, 28\]$/m);
    expect(r.out).toMatch(/timestep {3}t {2}float32 \[N\] — convention NOT stated/);
    expect(r.out).toMatch(/^candidate blocks \(30; ● = in the manifest, 7\):$/m);
    expect(r.out).toMatch(/^ {2}● \/net\/mid2\/Add_1 +mid 2 +7×7 +64 +residual, skip-input$/m);
    expect(r.out).toContain('"format": "diffprobe-manifest"');
    const path = join(dir, 'default.manifest.json');
    // A float timestep's meaning is not written down unstated.
    const unstated = await cli(['inspect', DEFAULT, '--save-manifest', path]);
    expect(unstated.code).toBe(2);
    expect(unstated.err).toMatch(
      /--timestep-convention, one of index \(t: .*\); fraction \(t\/T: .*\); scaled .*; sigma /,
    );
    const saved = await cli(['inspect', DEFAULT, '--timestep-convention', 'index', '--save-manifest', path]);
    expect(saved.code, saved.err).toBe(0);
    const manifest = JSON.parse(readFileSync(path, 'utf8'));
    expect(manifest.timestep).toEqual({ name: 't', dtype: 'float32', convention: 'index' });
    const valid = await cli(['validate', path]);
    expect(valid.code, valid.err).toBe(0);
  }, 60_000);

  it('--check finds the convention: index on the default model, σ behind an EDM front end', async () => {
    const plain = await cli(['inspect', DEFAULT, '--check', ...quiet]);
    expect(plain.code, plain.err).toBe(0);
    expect(plain.out).toMatch(/^Clearly index = scaled: fraction has \d+× its error\.$/m);
    const edm = await cli(['inspect', sigma, '--check', ...quiet]);
    expect(edm.out).toMatch(/^ {2}sigma \(sample\) /m);
    expect(edm.out).toMatch(/^Clearly sigma: /m);
    // Opened as index (the bare default), the check says it is wrong and how to fix it.
    expect(edm.out).toMatch(
      /^The model is fed under index now, but it denoises under sigma, \d+× lower error than under index: features computed under index are at the wrong noise level\. Pass --timestep-convention sigma\.$/m,
    );
    expect(plain.out).not.toContain('wrong noise level');
  }, 120_000);
});

describe('every command on a bare --model', () => {
  it('extract: the same features as the same network behind t/T under fraction; run.json has the sha256 and the manifest', async () => {
    const args = [
      '--data',
      'bundled:test',
      '--count',
      '6',
      '--t',
      '100',
      '--blocks',
      '/net/mid2/Add_1',
      ...quiet,
    ];
    const a = await cli([
      'extract',
      '--model',
      DEFAULT,
      '--timestep-convention',
      'index',
      ...args,
      '--out',
      join(dir, 'a.npy'),
    ]);
    const b = await cli([
      'extract',
      '--model',
      frac,
      '--timestep-convention',
      'fraction',
      ...args,
      '--out',
      join(dir, 'b.npy'),
    ]);
    expect(a.code, a.err).toBe(0);
    expect(b.code, b.err).toBe(0);
    const fa = readNpy(readFileSync(join(dir, 'a.npy')));
    const fb = readNpy(readFileSync(join(dir, 'b.npy')));
    expect(fa.shape).toEqual([6, 64]);
    expect(Array.from(fb.data as Float32Array)).toEqual(Array.from(fa.data as Float32Array));
    const run = JSON.parse(readFileSync(join(dir, 'b.run.json'), 'utf8'));
    expect(run.model).toMatchObject({ origin: 'discovered', manifestPath: null, modelPath: frac });
    expect(run.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(run.model.manifest.timestep).toEqual({ name: 't_frac', dtype: 'float32', convention: 'fraction' });
    // The convention is in the numbers key, so the cache never serves one convention's features for another.
    const c = await cli([
      'extract',
      '--model',
      frac,
      '--timestep-convention',
      'index',
      ...args,
      '--out',
      join(dir, 'c.npy'),
    ]);
    expect(c.code, c.err).toBe(0);
    const cr = JSON.parse(readFileSync(join(dir, 'c.run.json'), 'utf8'));
    expect(cr.model.numbersKey).not.toBe(run.model.numbersKey);
    expect(Array.from(readNpy(readFileSync(join(dir, 'c.npy'))).data as Float32Array)).not.toEqual(
      Array.from(fa.data as Float32Array),
    );
  }, 120_000);

  it('features, probe, sweep and pca run on it with --data', async () => {
    const m = ['--model', DEFAULT, '--timestep-convention', 'index', ...quiet];
    const blocks = ['--blocks', '/net/mid2/Add_1'];
    const f = await cli([
      'features',
      ...m,
      '--data',
      'bundled:test',
      '--count',
      '4',
      '--t',
      '0,100',
      ...blocks,
      '--out',
      join(dir, 'grid'),
    ]);
    expect(f.code, f.err).toBe(0);
    const split = ['--train', 'bundled:train', '--test', 'bundled:test', '--n-train', '60', '--n-test', '30'];
    const fit = [...m, ...split, ...blocks, '--t', '25', '--max-iter', '20'];
    const p = await cli(['probe', ...fit, '--out', join(dir, 'probe')]);
    expect(p.code, p.err).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'probe', 'run.json'), 'utf8')).model.origin).toBe('discovered');
    const s = await cli(['sweep', ...fit, '--out', join(dir, 'sweep')]);
    expect(s.code, s.err).toBe(0);
    const e = await cli([
      'pca',
      ...m,
      '--data',
      'bundled:test',
      '--count',
      '20',
      ...blocks,
      '--out',
      join(dir, 'pca'),
    ]);
    expect(e.code, e.err).toBe(0);
  }, 240_000);

  it('a class-conditional model: its images resized to 12×12, y fed a class or each image’s label', async () => {
    const m = [
      '--model',
      ADM,
      '--timestep-convention',
      'index',
      '--data',
      'bundled:test',
      '--count',
      '4',
      ...quiet,
    ];
    const fixed = await cli(['extract', ...m, '--condition', 'y=3', '--out', join(dir, 'y3.npy')]);
    expect(fixed.code, fixed.err).toBe(0);
    const own = await cli(['extract', ...m, '--condition', 'y=label', '--out', join(dir, 'ylabel.npy')]);
    expect(own.code, own.err).toBe(0);
    expect(
      JSON.parse(readFileSync(join(dir, 'ylabel.run.json'), 'utf8')).model.manifest.extraInputs[0].class,
    ).toEqual({
      encoding: 'index',
      count: 10,
      feed: 'label',
    });
    expect(readNpy(readFileSync(join(dir, 'y3.npy'))).shape[0]).toBe(4);
    const probe = await cli([
      'probe',
      '--model',
      ADM,
      '--timestep-convention',
      'index',
      '--train',
      'bundled:train',
      '--test',
      'bundled:test',
      '--n-train',
      '40',
      '--n-test',
      '20',
      '--max-iter',
      '5',
      '--condition',
      'y=label',
      '--out',
      join(dir, 'leak'),
      ...quiet,
    ]);
    expect(probe.code, probe.err).toBe(0);
    expect(probe.err).toMatch(
      /^diffprobe probe: warning: The class input “y” is fed each image’s own label, so the label leaks/,
    );
  }, 120_000);
});

describe('bad inputs: one line each, and a non-zero exit', () => {
  it('a float timestep with no convention lists the choices', async () => {
    const r = await cli([
      'extract',
      '--model',
      frac,
      '--data',
      'bundled:test',
      '--count',
      '2',
      '--out',
      join(dir, 'x'),
      ...quiet,
    ]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(
      /^diffprobe extract: the timestep input "t_frac" is float32: say what it means with --timestep-convention, one of index .*fraction .*scaled .*sigma /,
    );
  });

  it('a bare model is not fed the bundled data unasked; a bare-only option with a manifest; --timestep-convention on an int input', async () => {
    const data = await cli([
      'extract',
      '--model',
      frac,
      '--timestep-convention',
      'fraction',
      '--out',
      join(dir, 'y'),
      ...quiet,
    ]);
    expect(data.code).toBe(2);
    expect(data.err).toMatch(
      /frac has no data set of its own: give --data .* or --data bundled:test for DiffProbe's Fashion-MNIST/,
    );
    const manifest = join(ROOT, 'public/models/fashion-mnist-ddpm/manifest.json');
    const both = await cli([
      'extract',
      '--manifest',
      manifest,
      '--timestep-convention',
      'fraction',
      '--out',
      join(dir, 'z'),
      ...quiet,
    ]);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/--timestep-convention is for a bare --model; .* says it itself/);
    const rgb = join(ROOT, 'e2e/fixtures/models/rgb32/model.onnx');
    const int = await cli(['inspect', rgb, '--timestep-convention', 'sigma']);
    expect(int.code).toBe(2);
    expect(int.err).toMatch(
      /the timestep input "timestep" is int64, so it takes only integer steps \(index\)/,
    );
  }, 60_000);

  it('a class out of range, and a timestep of rank 3', async () => {
    const y12 = await cli(['inspect', ADM, '--timestep-convention', 'index', '--condition', 'y=12']);
    expect(y12.code).toBe(1);
    expect(y12.err).toMatch(
      /extraInputs\[0\]\.value: got 12, expected a class in 0…9 \(the model takes 10 classes\)/,
    );
    const rank3 = join(dir, 'rank3.onnx');
    writeFileSync(
      rank3,
      encodeModel({
        name: 'rank3',
        opset: 17,
        nodes: [
          { op: 'Unsqueeze', inputs: ['t', 'axes'], outputs: ['t4'] },
          { op: 'Add', inputs: ['x', 't4'], outputs: ['h'] },
          { op: 'Add', inputs: ['h', 'x'], outputs: ['out'] },
        ],
        inputs: [
          { name: 'x', type: DataType.FLOAT, dims: ['N', 1, 8, 8] },
          { name: 't', type: DataType.FLOAT, dims: ['N', 1, 1] },
        ],
        outputs: [{ name: 'out', type: DataType.FLOAT, dims: ['N', 1, 8, 8] }],
        initializers: [{ name: 'axes', type: DataType.INT64, dims: [1], data: BigInt64Array.of(3n) }],
      }),
    );
    const r = await cli(['inspect', rank3]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /the timestep input "t" has rank 3, \[N, 1, 1\]; DiffProbe feeds a timestep as a scalar, \[N\], \[N, 1\] or \[N, 1, 1, 1\]/,
    );
  });
});
