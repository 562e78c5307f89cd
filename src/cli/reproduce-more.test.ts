/**
 * `diffprobe reproduce` of CKA matrices and embeddings, in-process on the bundled model: each is
 * exported by the CLI command that shares the app's code path (pipeline/cka-run.ts and ckaToJson;
 * the worker's embed handler and embeddingToJson), re-run from the file alone, and every number
 * agrees; a tampered number makes it exit 1 with the difference printed.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64ToFloat32, float32ToBase64 } from '../core/float32-base64';
import { lightPng } from '../testing/light-png';
import { runCli } from '../testing/run-cli';
import { readDatasetSplit } from './load';

const ROOT = resolve(import.meta.dirname, '../..');
const MANIFEST = join(ROOT, 'public/models/fashion-mnist-ddpm/manifest.json');
let dir: string;

const cli = (argv: string[]) => runCli(argv, join(dir, 'cache'));
const base = ['--quiet', '--threads', '1'];
/** `diffprobe cka` of the bundled model on `count` images at `t` ("0,50": t × t). */
const cka = (count: number, t: string, blocks: string, out: string, extra: string[] = []) =>
  cli([
    'cka',
    '--manifest',
    MANIFEST,
    ...base,
    '--count',
    String(count),
    '--t',
    t,
    '--blocks',
    blocks,
    ...extra,
    '--out',
    join(dir, out),
  ]);
/** `diffprobe <method>` of the bundled model's first `count` test images, one block at t = 10. */
const embedding = (method: string, count: number, block: string, out: string, extra: string[] = []) =>
  cli([
    method,
    '--manifest',
    MANIFEST,
    ...base,
    '--count',
    String(count),
    '--blocks',
    block,
    '--t',
    '10',
    ...extra,
    '--out',
    join(dir, out),
  ]);
const read = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const reproduce = (file: string, out: string) => cli(['reproduce', file, ...base, '--out', join(dir, out)]);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diffprobe-reproduce-more-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reproduce: CKA', () => {
  it('re-runs blocks × the random-weights twin’s blocks, and a twin’s own blocks, each twin made again from its seed', async () => {
    const made = await cka(24, '10', 'mid,up1_0', 'twin', [
      '--versus',
      'random-weights',
      '--versus-init-seed',
      '3',
    ]);
    expect(made.code, made.err).toBe(0);
    const exported = read(join(dir, 'twin', 'cka.json'));
    const p = exported.provenance;
    expect(p.settings).toMatchObject({
      kind: 'cka',
      view: 'models',
      estimator: 'biased',
      features: 'pooled',
    });
    expect(p.settings.versus.twin.seed).toBe(3);
    expect(p.settings.versus.model.files[0].sha256).not.toBe(p.model.files[0].sha256);

    const r = await reproduce(join(dir, 'twin', 'cka.json'), 'twin-again');
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toContain('reproduced 4 of 4 numbers within tolerance');
    expect(r.out).toMatch(/ok {3}mid × up1_0 \(.*init seed 3.*\) at t = 10/);

    // One entry off by 1e-3: found, printed, exit 1.
    const values = exported.values.map((row: number[]) => [...row]);
    values[1][0] += 1e-3;
    writeFileSync(join(dir, 'cka-off.json'), JSON.stringify({ ...exported, values }));
    const off = await reproduce(join(dir, 'cka-off.json'), 'cka-off');
    expect(off.code).toBe(1);
    expect(off.out).toMatch(/DIFF up1_0 × mid .* \(difference 1\.00e-3, tolerance 0\.0001\)/);
    expect(off.out).toContain('reproduced 3 of 4 numbers within tolerance');

    // Another init seed than the twin's bytes: said, not guessed.
    const settings = {
      ...p.settings,
      versus: { ...p.settings.versus, twin: { ...p.settings.versus.twin, seed: 4 } },
    };
    writeFileSync(
      join(dir, 'cka-seed.json'),
      JSON.stringify({ ...exported, provenance: { ...p, settings } }),
    );
    const seed = await reproduce(join(dir, 'cka-seed.json'), 'cka-seed');
    expect(seed.code).toBe(1);
    expect(seed.err).toMatch(/twin made again \(init seed 4\) has sha256 .*; the export's has/);

    // The rows' model a twin itself (--random-weights): made again from the bundled model.
    const rows = await cka(12, '10', 'mid,up1_0', 'rows-twin', ['--random-weights', '--init-seed', '2']);
    expect(rows.code, rows.err).toBe(0);
    expect(read(join(dir, 'rows-twin', 'cka.json')).provenance.settings.twin).toMatchObject({ seed: 2 });
    const again = await reproduce(join(dir, 'rows-twin', 'cka.json'), 'rows-twin-again');
    expect(again.code, again.err + again.out).toBe(0);
    expect(again.out).toContain('reproduced 4 of 4 numbers within tolerance');
  }, 120_000);

  it('re-runs a matrix of your own images: found by content in --images, inverted as they were', async () => {
    // Light-background PNGs: --invert auto inverts them, and the record must say so.
    const raw = (await readDatasetSplit(join(ROOT, 'public/data/fashion-mnist/dataset.json'), 'test')).split
      .images;
    const data = join(dir, 'mine');
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(join(data, 'all'), { recursive: true });
    mkdirSync(elsewhere);
    for (let n = 0; n < 12; n++) {
      const bytes = lightPng(raw, n);
      writeFileSync(join(data, 'all', `${n}.png`), bytes);
      writeFileSync(join(elsewhere, `renamed-${n}.png`), bytes);
    }
    const made = await cka(12, '10', 'mid,up1_0', 'own', ['--data', data]);
    expect(made.code, made.err).toBe(0);
    const images = read(join(dir, 'own', 'cka.json')).provenance.images;
    expect(images.files).toHaveLength(12);
    expect(images.files[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(images.inverted).toHaveLength(12);

    const missing = await reproduce(join(dir, 'own', 'cka.json'), 'own-missing');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/give the folder that holds them with --images/);
    const r = await cli([
      'reproduce',
      join(dir, 'own', 'cka.json'),
      ...base,
      '--images',
      elsewhere,
      '--out',
      join(dir, 'own-again'),
    ]);
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toContain('reproduced 4 of 4 numbers within tolerance');
  }, 120_000);

  it('re-runs full maps through Gram matrices with the debiased estimator, and t × t', async () => {
    const made = await cka(16, '10', 'down1_0,mid,up2_0', 'maps', ['--maps', '--estimator', 'debiased']);
    expect(made.code, made.err).toBe(0);
    const r = await reproduce(join(dir, 'maps', 'cka.json'), 'maps-again');
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toContain('reproduced 9 of 9 numbers within tolerance');
    expect(r.out).toContain('compared 9 CKA values (debiased, full maps)');

    const t = await cka(16, '0,50', 'mid', 'tt', ['--pooling', 'max']);
    expect(t.code, t.err).toBe(0);
    const rt = await reproduce(join(dir, 'tt', 'cka.json'), 'tt-again');
    expect(rt.code, rt.err + rt.out).toBe(0);
    expect(rt.out).toContain('reproduced 4 of 4 numbers within tolerance');
  }, 120_000);
});

describe('reproduce: embeddings', () => {
  it('PCA: features value by value, coordinates up to each component’s sign', async () => {
    const made = await embedding('pca', 40, 'mid', 'pca');
    expect(made.code, made.err).toBe(0);
    const exported = read(join(dir, 'pca', 'embedding.json'));
    const p = exported.provenance;
    expect(p.settings).toMatchObject({ kind: 'embedding', method: 'pca', blocks: ['mid'], t: 10, seed: 0 });
    expect(p.images.ids).toEqual(exported.ids);
    const [n, d] = exported.features.shape;
    expect(n).toBe(40);

    const r = await reproduce(join(dir, 'pca', 'embedding.json'), 'pca-again');
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toContain(`reproduced ${n * d + 2 * n} of ${n * d + 2 * n} numbers within tolerance`);
    expect(r.out).toMatch(/compared 80 coordinates up to each component's sign/);
    // The re-run's export carries its own record (this engine): it reproduces in turn.
    const twice = await reproduce(join(dir, 'pca-again', 'embedding.json'), 'pca-twice');
    expect(twice.code, twice.err + twice.out).toBe(0);

    // A component's sign is arbitrary: the export with the first one flipped still agrees.
    const flipped = exported.coords.map((v: number, i: number) => (i % 2 === 0 ? -v : v));
    writeFileSync(join(dir, 'pca-flip.json'), JSON.stringify({ ...exported, coords: flipped }));
    const flip = await reproduce(join(dir, 'pca-flip.json'), 'pca-flip');
    expect(flip.code, flip.out).toBe(0);
    expect(flip.out).toContain('component 1: flipped, component 2: same sign');

    // One feature off by 1e-3.
    const X = base64ToFloat32(exported.features.data);
    X[3 * d + 7] += 1e-3;
    writeFileSync(
      join(dir, 'pca-off.json'),
      JSON.stringify({ ...exported, features: { ...exported.features, data: float32ToBase64(X) } }),
    );
    const off = await reproduce(join(dir, 'pca-off.json'), 'pca-off');
    expect(off.code).toBe(1);
    expect(off.out).toMatch(/DIFF test:3 features\[7\]: export/);
    expect(off.out).toContain(`reproduced ${n * d + 2 * n - 1} of ${n * d + 2 * n} numbers`);
  }, 120_000);

  it('t-SNE and UMAP: features, then what the layout means (10-NN accuracy, trustworthiness)', async () => {
    const made = await embedding('tsne', 60, 'up1_0', 'tsne', ['--iterations', '300', '--perplexity', '10']);
    expect(made.code, made.err).toBe(0);
    const exported = read(join(dir, 'tsne', 'embedding.json'));
    expect(exported.provenance.settings.options).toMatchObject({ perplexity: 10, nIter: 300, seed: 0 });
    const [n, d] = exported.features.shape;
    const r = await reproduce(join(dir, 'tsne', 'embedding.json'), 'tsne-again');
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toContain(`reproduced ${n * d + 2} of ${n * d + 2} numbers within tolerance`);
    expect(r.out).toMatch(/ok {3}10-NN accuracy in 2-D \(60 rows\)/);
    expect(r.out).toMatch(/ok {3}trustworthiness \(k = 10, 60 rows\)/);
    expect(r.out).toMatch(/perplexity 10, nIter 300, .*seed 0/);

    // A layout that is not the one these features give: the points shuffled.
    const coords = [...exported.coords];
    for (let i = 0; i < n; i += 2) {
      const j = (i * 7 + 13) % n;
      [coords[2 * i], coords[2 * j]] = [coords[2 * j], coords[2 * i]];
      [coords[2 * i + 1], coords[2 * j + 1]] = [coords[2 * j + 1], coords[2 * i + 1]];
    }
    writeFileSync(join(dir, 'tsne-off.json'), JSON.stringify({ ...exported, coords }));
    const off = await reproduce(join(dir, 'tsne-off.json'), 'tsne-off');
    expect(off.code).toBe(1);
    expect(off.out).toMatch(/DIFF trustworthiness/);

    // UMAP, from the same features (cached): its seeded layout's meaning agrees too.
    const umap = await embedding('umap', 60, 'up1_0', 'umap', ['--iterations', '100']);
    expect(umap.code, umap.err).toBe(0);
    const u = await reproduce(join(dir, 'umap', 'embedding.json'), 'umap-again');
    expect(u.code, u.err + u.out).toBe(0);
    expect(u.out).toMatch(/UMAP with the export's settings \(nNeighbors 15, minDist 0\.1, nIter 100, seed 0/);
    expect(u.out).toMatch(/ok {3}trustworthiness/);
  }, 120_000);
});
