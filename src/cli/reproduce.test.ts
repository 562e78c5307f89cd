/**
 * `diffprobe reproduce`, in-process on the bundled model: a probe, a sweep and a head exported by
 * the CLI (the same pipeline and provenance record as the app's exports) are re-run from the file
 * alone and every number agrees; a tampered number, a tampered image and a missing model are
 * reported as such (exit 1 or 2, each difference printed). The browser's exports are reproduced
 * in e2e/reproduce.spec.ts.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetToModelInput } from '../core/dataset/index-file';
import { readNpy } from '../core/npy';
import { buildProvenance, modelRecord } from '../pipeline/provenance';
import { lightPng } from '../testing/light-png';
import { readDatasetSplit } from './load';
import { main } from './main';

const ROOT = resolve(import.meta.dirname, '../..');
// The bundled test images (PNG parts, data format v2), read as the CLI reads them.
const TEST_IMAGES = (await readDatasetSplit(join(ROOT, 'public/data/fashion-mnist/dataset.json'), 'test'))
  .split.images;
const MANIFEST = join(ROOT, 'public/models/fashion-mnist-ddpm/manifest.json');
let dir: string;

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (s) => out.push(s),
    err: { write: (s: string) => err.push(s), isTTY: false },
    env: { DIFFPROBE_CACHE_DIR: join(dir, 'cache') },
  });
  return { code, out: out.join('\n'), err: err.join('') };
}
const base = ['--quiet', '--threads', '1'];
const small = ['--n-train', '60', '--n-test', '30', '--split-seed', '3'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diffprobe-reproduce-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reproduce', () => {
  it('re-runs a probe from its export alone: every number within tolerance, the record complete', async () => {
    const made = await cli([
      'probe',
      '--manifest',
      MANIFEST,
      ...base,
      ...small,
      '--blocks',
      'mid',
      '--t',
      '10',
      '--out',
      join(dir, 'p'),
    ]);
    expect(made.code, made.err).toBe(0);
    const exported = JSON.parse(readFileSync(join(dir, 'p', 'probe.json'), 'utf8'));
    // The provenance record: every model file in full, the whole manifest, the engine, the images.
    const p = exported.provenance;
    expect(p.model.files[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(p.model.manifest.schedule).toEqual(JSON.parse(readFileSync(MANIFEST, 'utf8')).schedule);
    expect(p.engine).toMatchObject({ runtime: 'onnxruntime-node', backend: 'cpu', threads: 1 });
    expect(p.engine.runtimeVersion).toMatch(/^\d+\.\d+/);
    expect(p.pipelineVersion).toBeGreaterThan(0);
    expect(p.images.ids).toHaveLength(90);
    expect(p.images.x0).toHaveLength(90);
    expect(p.settings).toMatchObject({ kind: 'probe', C: 1, maxIter: 200, head: null });

    const r = await cli(['reproduce', join(dir, 'p', 'probe.json'), ...base, '--out', join(dir, 'p-again')]);
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toContain('reproduced 3 of 3 numbers within tolerance');
    const again = JSON.parse(readFileSync(join(dir, 'p-again', 'probe.json'), 'utf8'));
    expect(again.testAccuracy).toBe(exported.testAccuracy);

    // A number that was not computed from this record is found and printed; exit 1.
    writeFileSync(
      join(dir, 'tampered.json'),
      JSON.stringify({ ...exported, testAccuracy: exported.testAccuracy - 0.02 }),
    );
    const bad = await cli(['reproduce', join(dir, 'tampered.json'), ...base, '--out', join(dir, 't-again')]);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/DIFF test accuracy: export/);
    expect(bad.out).toContain('reproduced 2 of 3 numbers within tolerance');

    // An image whose x₀ is not the one recorded.
    const x0 = [...p.images.x0];
    x0[5] = '0000000000000000';
    writeFileSync(
      join(dir, 'img.json'),
      JSON.stringify({ ...exported, provenance: { ...p, images: { ...p.images, x0 } } }),
    );
    const img = await cli(['reproduce', join(dir, 'img.json'), ...base, '--out', join(dir, 'i-again')]);
    expect(img.code).toBe(1);
    expect(img.out).toContain(`DIFF image ${p.images.ids[5]}: x₀ differs`);

    // A model that is not bundled: named, with what to do.
    const files = [{ ...p.model.files[0], sha256: 'f'.repeat(64) }];
    writeFileSync(
      join(dir, 'model.json'),
      JSON.stringify({ ...exported, provenance: { ...p, model: { ...p.model, files } } }),
    );
    const m = await cli(['reproduce', join(dir, 'model.json'), ...base, '--out', join(dir, 'm-again')]);
    expect(m.code).toBe(1);
    expect(m.err).toMatch(/not a bundled model: give its \.onnx with --model/);

    // Not an export with a record.
    writeFileSync(join(dir, 'old.json'), JSON.stringify({ format: 'diffprobe-probe', version: 2 }));
    const old = await cli(['reproduce', join(dir, 'old.json'), ...base, '--out', join(dir, 'o-again')]);
    expect(old.code).toBe(2);
    expect(old.err).toMatch(/has no provenance record/);
  }, 120_000);

  it('re-runs a sweep cell by cell, and the user’s images from a folder matched by content', async () => {
    // Your images: a labelled folder; reproduce finds them by content in another folder, renamed.
    const data = join(dir, 'mine');
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    const raw = TEST_IMAGES;
    const labels = readFileSync(join(ROOT, 'public/data/fashion-mnist/test-labels.u8'));
    let n = 0;
    for (let i = 0; n < 24; i++) {
      if (labels[i] > 1) continue;
      // Light background: "auto" inverts these, and reproduce must apply the record's decisions.
      const bytes = lightPng(raw, i);
      mkdirSync(join(data, `c${labels[i]}`), { recursive: true });
      writeFileSync(join(data, `c${labels[i]}`, `${n}.png`), bytes);
      writeFileSync(join(elsewhere, `renamed-${n}.png`), bytes);
      n++;
    }
    const made = await cli([
      'sweep',
      '--manifest',
      MANIFEST,
      ...base,
      '--data',
      data,
      '--blocks',
      'mid,up1_0',
      '--t',
      '0,50',
      '--out',
      join(dir, 's'),
    ]);
    expect(made.code, made.err).toBe(0);
    const sweep = JSON.parse(readFileSync(join(dir, 's', 'sweep.json'), 'utf8'));
    expect(sweep).toMatchObject({ complete: true, cells: { computed: 4, total: 4 } });
    expect(sweep.provenance.settings.spec.data.inverted.length).toBeGreaterThan(0);

    const missing = await cli(['reproduce', join(dir, 's', 'sweep.json'), ...base, '--out', join(dir, 's1')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/give the folder that holds them with --images/);

    const r = await cli([
      'reproduce',
      join(dir, 's', 'sweep.json'),
      ...base,
      '--images',
      elsewhere,
      '--out',
      join(dir, 's2'),
    ]);
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toContain('reproduced 9 of 9 numbers within tolerance');
  }, 120_000);

  it('re-runs a feature set value by value (±1e-4), and finds a value that is off', async () => {
    const made = await cli([
      'extract',
      '--manifest',
      MANIFEST,
      ...base,
      '--count',
      '8',
      '--t',
      '10',
      '--blocks',
      'mid',
      '--out',
      join(dir, 'f'),
    ]);
    expect(made.code, made.err).toBe(0);
    const mid = readNpy(readFileSync(join(dir, 'f', 'mid.npy'))).data as Float32Array;
    const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
    const bytes = readFileSync(join(ROOT, 'public/models/fashion-mnist-ddpm/model.onnx'));
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update(bytes).digest('hex');
    const ids = Array.from({ length: 8 }, (_, i) => `test:${i}`);
    const x0 = datasetToModelInput(
      {
        images: TEST_IMAGES,
        labels: new Uint8Array(0),
        count: 10000,
      },
      { channels: 1, height: 28, width: 28 },
      0,
      8,
      manifest.preprocessing,
    );
    const provenance = await buildProvenance(
      {
        model: modelRecord(sha, manifest, [{ name: 'model.onnx', bytes: bytes.length, sha256: sha }]),
        engine: {
          runtime: 'onnxruntime-web',
          runtimeVersion: '1.30.0',
          backend: 'wasm',
          adapter: null,
          threads: 1,
        },
      },
      { ids, x0 },
      { kind: 'features', blocks: ['mid'], t: 10, seed: 0, pooling: { kind: 'avg' } },
    );
    const d = mid.length / 8;
    const rows = ids.map((_, i) => Array.from(mid.subarray(i * d, (i + 1) * d)));
    writeFileSync(
      join(dir, 'features.json'),
      JSON.stringify({ format: 'diffprobe-features', features: { mid: rows }, provenance }),
    );
    const r = await cli(['reproduce', join(dir, 'features.json'), ...base, '--out', join(dir, 'f-again')]);
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toContain(`reproduced ${8 * d} of ${8 * d} numbers within tolerance`);

    rows[3][7] += 1e-3;
    writeFileSync(
      join(dir, 'features-off.json'),
      JSON.stringify({ format: 'diffprobe-features', features: { mid: rows }, provenance }),
    );
    const off = await cli([
      'reproduce',
      join(dir, 'features-off.json'),
      ...base,
      '--out',
      join(dir, 'f-off'),
    ]);
    expect(off.code).toBe(1);
    expect(off.out).toMatch(/DIFF test:3 mid\[7\]: export/);
    expect(off.out).toContain(`reproduced ${8 * d - 1} of ${8 * d} numbers within tolerance`);
  }, 120_000);
});
