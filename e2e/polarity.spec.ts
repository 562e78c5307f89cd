/**
 * The same image gives the same features whichever way it arrives (#25): Fashion-MNIST test images
 * exported as an ImageFolder of PNG files (light on dark, the data set's own pixels) and added with
 * "Add folder" are not inverted; their x₀ is the bundled data's bit for bit, their features match
 * the CLI's on the same folder, and a probe on them matches the CLI's probe; the Polarity choice
 * overrides the whole folder.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pngjs from 'pngjs';
import { loadNodeDataset } from '../src/cli/load';
import { datasetToModelInput } from '../src/core/dataset/index-file';
import { validateManifest } from '../src/core/manifest/validate';
import { readNpy } from '../src/core/npy';
import { maxAbsDiff } from '../src/testing/fixtures';
import { expect, openApp, test } from './support/app';
import { useBackend } from './support/backend';
import { ensureCli, runCli } from './support/cli';
import { download } from './support/download';
import { uploadsAndFeatures } from './support/uploads';

const ROOT = resolve(import.meta.dirname, '..');
const MANIFEST = join(ROOT, 'public/models/fashion-mnist-ddpm/manifest.json');
const PER_CLASS = 4;

const cli = (args: string[]) => runCli([...args, '--manifest', MANIFEST]);
test.beforeAll(ensureCli);

test('Fashion-MNIST as PNG files: not inverted, the bundled x₀ and the CLI’s features and probe', async ({
  app,
}) => {
  test.setTimeout(180_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  const dir = mkdtempSync(join(tmpdir(), 'diffprobe-polarity-'));
  try {
    // The folder, from the bundled data: <dir>/fmnist/<label>-<class>/<row>.png.
    const manifest = validateManifest(JSON.parse(readFileSync(MANIFEST, 'utf8')));
    const { index, split } = await loadNodeDataset(manifest, MANIFEST, 'test');
    const root = join(dir, 'fmnist');
    const rowOf = new Map<string, number>();
    const taken = new Map<number, number>();
    for (let r = 0; r < split.count && rowOf.size < 10 * PER_CLASS; r++) {
      const label = split.labels[r];
      if ((taken.get(label) ?? 0) >= PER_CLASS) continue;
      taken.set(label, (taken.get(label) ?? 0) + 1);
      const cls = `${label}-${index.classes[label].replace(/[^A-Za-z]+/g, '-')}`;
      const png = new pngjs.PNG({ width: 28, height: 28 });
      for (let p = 0; p < 784; p++) {
        const v = split.images[r * 784 + p];
        png.data.set([v, v, v, 255], p * 4);
      }
      mkdirSync(join(root, cls), { recursive: true });
      const name = `${String(r).padStart(5, '0')}.png`;
      writeFileSync(join(root, cls, name), pngjs.PNG.sync.write(png, { colorType: 0 }));
      rowOf.set(name, r);
    }
    const n = rowOf.size;

    const t0 = Date.now();
    const phase = (what: string) => console.log(`${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await openApp(page, '?blocks=up1_0&t=0');
    phase('app open');
    await page.getByLabel('Add folder').setInputFiles(root);
    await expect(page.getByRole('note').filter({ hasText: `Added ${n} images` })).toContainText(
      `Inverted 0 of ${n} images (light-on-dark already)`,
    );
    const batches = page.getByRole('list', { name: 'Polarity of your images' });
    await expect(batches).toContainText(`fmnist/ inverted 0 of ${n} images (light-on-dark already)`);

    // x₀ of every upload is the bundled data's, bit for bit; then their features in the worker.
    const browser = await uploadsAndFeatures(page);
    phase('folder added, features extracted');
    expect(browser.inverted.filter(Boolean)).toHaveLength(0);
    const x0 = browser.x0;
    const bundled = new Float32Array(n * 784);
    for (const [i, name] of browser.names.entries())
      bundled.set(datasetToModelInput(split, index, rowOf.get(name)!, 1, manifest.preprocessing), i * 784);
    expect(x0).toEqual(bundled);

    // The CLI on the same folder: the same decisions, the same features (another ORT build: ≤ 1e-5).
    const out = cli([
      'extract',
      '--data',
      root,
      '--t',
      '0',
      '--blocks',
      'up1_0',
      '--out',
      join(dir, 'f.npy'),
    ]);
    expect(out).toContain(`inverted 0 of ${n} images (light-on-dark already)`);
    const ids = readFileSync(join(dir, 'f.ids.txt'), 'utf8').trim().split('\n');
    const cliFeatures = readNpy(readFileSync(join(dir, 'f.npy'))).data as Float32Array;
    const mine = browser.features;
    const aligned = new Float32Array(mine.length);
    for (const [i, name] of browser.names.entries()) {
      const k = ids.findIndex((id) => id.endsWith(`/${name}`));
      aligned.set(cliFeatures.subarray(k * 64, (k + 1) * 64), i * 64);
    }
    const err = maxAbsDiff(mine, aligned);
    console.log(
      `up1_0 at t=0, ${n} PNG files: browser upload vs CLI folder max abs difference ${err.toExponential(2)}`,
    );
    expect(err).toBeLessThanOrEqual(1e-5);

    phase('CLI extract');
    // The same probe: the browser's "Your labelled images" (30% held out) and the CLI's --data.
    await page.getByLabel('Probe data').selectOption('uploads');
    await page.getByLabel('Probe timesteps').fill('0');
    await page.getByRole('button', { name: 'Train probe' }).click();
    await expect(page.getByRole('region', { name: 'Probe results' })).toBeVisible({ timeout: 90_000 });
    const probe = JSON.parse(
      (await download(page, page.getByRole('button', { name: 'Download probe (JSON)' }))).toString('utf8'),
    );
    cli([
      'probe',
      '--data',
      root,
      '--test-fraction',
      '0.3',
      '--blocks',
      'up1_0',
      '--t',
      '0',
      '--out',
      join(dir, 'probe'),
    ]);
    const cliProbe = JSON.parse(readFileSync(join(dir, 'probe', 'probe.json'), 'utf8'));
    console.log(`probe on ${n} PNG files: browser ${probe.testAccuracy}, CLI ${cliProbe.testAccuracy}`);
    expect(probe.spec.data.inverted).toEqual([]);
    expect(cliProbe.spec.data.inverted).toEqual([]);
    expect(cliProbe.spec.data.sizes).toEqual(probe.spec.data.sizes);
    expect(cliProbe.testAccuracy).toBe(probe.testAccuracy);
    expect(cliProbe.validationAccuracy).toBe(probe.validationAccuracy);

    phase('probes');
    // The whole folder's override: every image inverted, then back to the model's setting.
    const choice = page.getByLabel('Polarity of fmnist/');
    await choice.selectOption('always');
    await expect(batches).toContainText(`inverted ${n} of ${n} images (invert: always)`);
    await expect(page.getByRole('list', { name: 'Your images' }).getByText('not inverted')).toHaveCount(0);
    await choice.selectOption('auto');
    await expect(batches).toContainText(`inverted 0 of ${n} images (light-on-dark already)`);
    phase('overrides');
    expect(app.consoleErrors).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
