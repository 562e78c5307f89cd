/**
 * Browser = CLI: the app (worker on onnxruntime-web WASM) and the built command-line tool
 * (dist-cli/diffprobe.js on onnxruntime-node, spawned) give the same pooled features (≤ 1e-5) for
 * the same images, t and seed, and the same probe — the same training, validation and test images
 * for the same sizes and split seed, and the same accuracies.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readDatasetSplit } from '../src/cli/load';
import { datasetToModelInput } from '../src/core/dataset/index-file';
import { readNpy } from '../src/core/npy';
import { maxAbsDiff } from '../src/testing/fixtures';
import { expect, openApp, test } from './support/app';
import { decodeFloat32, useBackend } from './support/backend';
import { ensureCli, runCli } from './support/cli';
import { download } from './support/download';

const ROOT = resolve(import.meta.dirname, '..');
const MANIFEST = join(ROOT, 'public/models/fashion-mnist-ddpm/manifest.json');
let dir: string;

test.beforeAll(() => {
  // The CLI of this working tree, built again only when a source file is newer (npm ci builds it).
  ensureCli();
  dir = mkdtempSync(join(tmpdir(), 'diffprobe-cli-parity-'));
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the app and the CLI give the same features and the same probe', async ({ app }) => {
  test.setTimeout(300_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page, '?blocks=up1_0&t=25');

  // Features of the first 64 test images at t = 25, two blocks, in the page's worker…
  const count = 64;
  const blocks = ['mid', 'up1_0'];
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  const { split: testSplit } = await readDatasetSplit(
    join(ROOT, 'public/data/fashion-mnist/dataset.json'),
    'test',
  );
  const x0 = datasetToModelInput(
    testSplit,
    { channels: 1, height: 28, width: 28 },
    0,
    count,
    manifest.preprocessing,
  );
  const browser = await page.evaluate(
    async ({ x0, count, blocks }) => {
      const rows: Record<string, Float32Array> = {};
      const dims: Record<string, number> = {};
      const model = window.diffprobe.state().model!.id;
      await window.diffprobe.runWithPartials(
        'extractFeatures',
        {
          images: { data: new Float32Array(x0), count },
          t: 25,
          seed: 0,
          blocks,
          pooling: { kind: 'avg' },
          batchSize: 32,
          cache: false,
          model,
        },
        (chunk) => {
          for (const b of blocks) {
            const d = chunk.dims[b];
            dims[b] = d;
            rows[b] ??= new Float32Array(count * d);
            for (const [i, r] of chunk.rows.entries())
              rows[b].set(chunk.features[b].subarray(i * d, (i + 1) * d), r * d);
          }
        },
      );
      const enc = window.toBase64;
      return Object.fromEntries(blocks.map((b) => [b, enc(rows[b])]));
    },
    { x0: Array.from(x0), count, blocks },
  );
  // … and by the CLI.
  runCli([
    'extract',
    '--manifest',
    MANIFEST,
    '--count',
    String(count),
    '--t',
    '25',
    '--blocks',
    blocks.join(','),
    '--out',
    join(dir, 'feats'),
  ]);
  for (const b of blocks) {
    const mine = readNpy(readFileSync(join(dir, 'feats', `${b}.npy`))).data as Float32Array;
    const err = maxAbsDiff(mine, decodeFloat32(browser[b]));
    console.log(
      `features ${b} at t=25, ${count} images: browser WASM vs CLI max abs difference ${err.toExponential(2)}`,
    );
    expect(mine.length).toBe(count * 64);
    expect(err).toBeLessThanOrEqual(1e-5);
  }

  // The Probe panel: 300 training and 200 test images, split seed 0, up1_0 at t = 25.
  await page.getByLabel('Training images', { exact: true }).fill('300');
  await page.getByLabel('Test images', { exact: true }).fill('200');
  await page.getByLabel('Probe timesteps').fill('25');
  await page.getByRole('button', { name: 'Train probe' }).click();
  await expect(page.getByRole('region', { name: 'Probe results' })).toBeVisible({ timeout: 240_000 });
  const app_ = JSON.parse(
    (await download(page, page.getByRole('button', { name: 'Download probe (JSON)' }))).toString('utf8'),
  );
  const out = runCli([
    'probe',
    '--manifest',
    MANIFEST,
    '--blocks',
    'up1_0',
    '--t',
    '25',
    '--n-train',
    '300',
    '--n-test',
    '200',
    '--split-seed',
    '0',
    '--out',
    join(dir, 'probe'),
  ]);
  console.log(
    `app: test accuracy ${app_.testAccuracy}, validation ${app_.validationAccuracy}\nCLI: ${out.trim()}`,
  );
  const cliProbe = JSON.parse(readFileSync(join(dir, 'probe', 'probe.json'), 'utf8'));
  // The same images in each part, in the same order, the same model and features spec…
  expect(cliProbe.spec.data.ids).toEqual(app_.spec.data.ids);
  expect(cliProbe.spec).toEqual(app_.spec);
  // … and the same probe.
  expect(cliProbe.testAccuracy).toBe(app_.testAccuracy);
  expect(cliProbe.validationAccuracy).toBe(app_.validationAccuracy);
  expect(cliProbe.trainAccuracy).toBe(app_.trainAccuracy);
  // L-BFGS stops on a relative change of the loss; features that differ in the 6th digit may stop
  // it a few iterations apart without changing a single prediction.
  console.log(`iterations: app ${app_.iterations}, CLI ${cliProbe.iterations}`);
  expect(app.consoleErrors).toEqual([]);
});
