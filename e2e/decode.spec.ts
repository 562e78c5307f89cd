/**
 * One decoder (#26): a folder of odd JPEG and PNG files (EXIF orientations 3, 6, 8, an ICC
 * profile, progressive, CMYK; 8-bit grey, RGB, RGBA, 16-bit, palette, gAMA) added in the browser
 * gives x₀ bit for bit equal to the CLI's for every file, and the same features; the bad files in
 * the same folder (truncated, corrupt EXIF, orientation 9, 30,000², PNG bombs) each get a message
 * naming them, and the rest loads. Fixtures: tools/images/make_fixtures.py.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readNpy } from '../src/core/npy';
import { maxAbsDiff } from '../src/testing/fixtures';
import { expect, openApp, test } from './support/app';
import { useBackend } from './support/backend';
import { ensureCli, runCli } from './support/cli';
import { uploadsAndFeatures } from './support/uploads';

const ROOT = resolve(import.meta.dirname, '..');
const MANIFEST = join(ROOT, 'public/models/fashion-mnist-ddpm/manifest.json');
const FIXTURES = join(ROOT, 'e2e/fixtures/images');
test.beforeAll(ensureCli);

test('odd JPEG and PNG files: browser x₀ = CLI x₀ bit for bit; bad files named, the rest loads', async ({
  app,
}) => {
  test.setTimeout(180_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  const dir = mkdtempSync(join(tmpdir(), 'diffprobe-decode-'));
  try {
    const folder = join(dir, 'odd');
    mkdirSync(folder);
    const odd = readdirSync(join(FIXTURES, 'odd')).sort();
    const bad = readdirSync(join(FIXTURES, 'bad')).sort();
    for (const f of odd) copyFileSync(join(FIXTURES, 'odd', f), join(folder, f));
    for (const f of bad) copyFileSync(join(FIXTURES, 'bad', f), join(folder, f));

    await openApp(page, '?blocks=up1_0&t=0');
    await page.getByLabel('Add folder').setInputFiles(folder);
    const errors = page.getByRole('alert').filter({ hasText: 'Could not add 4 of 18 files' });
    await expect(errors).toBeVisible({ timeout: 60_000 });
    await expect(errors).toContainText(
      'truncated.jpg: this file could not be read as an image — "truncated.jpg" is truncated',
    );
    await expect(errors).toContainText('huge-30000.jpg: this image is too large');
    await expect(errors).toContainText('30000×30000');
    await expect(errors).toContainText('bomb.png: this image is too large');
    await expect(errors).toContainText('inflate-bomb.png: this file could not be read as an image');
    const added = page.getByRole('note').filter({ hasText: 'Added 14 images' });
    await expect(added).toContainText('corrupt-exif.jpg: the EXIF block is corrupt');
    await expect(added).toContainText('orientation-9.jpg: its EXIF orientation 9 is not 1–8');

    const browser = await uploadsAndFeatures(page);
    expect(browser.decoders.every((d) => d === 'diffprobe')).toBe(true);

    // The CLI on the same folder: it skips the same four, and writes its x₀ beside the features.
    const out = join(dir, 'cli');
    runCli([
      'extract',
      '--manifest',
      MANIFEST,
      '--data',
      folder,
      '--t',
      '0',
      '--blocks',
      'up1_0',
      '--save-x0',
      '--out',
      out,
    ]);
    const ids = readFileSync(join(out, 'ids.txt'), 'utf8').trim().split('\n');
    expect([...ids].sort()).toEqual([...browser.names].sort());
    const cliX0 = readNpy(readFileSync(join(out, 'x0.npy')));
    expect(cliX0.shape).toEqual([14, 1, 28, 28]);
    const cliFeatures = readNpy(readFileSync(join(out, 'up1_0.npy'))).data as Float32Array;
    const { x0, features } = browser;
    let worst = 0;
    for (const [i, name] of browser.names.entries()) {
      const k = ids.indexOf(name);
      const mine = x0.subarray(i * 784, (i + 1) * 784);
      const theirs = (cliX0.data as Float32Array).subarray(k * 784, (k + 1) * 784);
      expect(
        Buffer.from(mine.buffer, mine.byteOffset, mine.byteLength).equals(
          Buffer.from(theirs.buffer, theirs.byteOffset, theirs.byteLength),
        ),
        `${name}: x₀ bit for bit`,
      ).toBe(true);
      worst = Math.max(
        worst,
        maxAbsDiff(features.subarray(i * 64, (i + 1) * 64), cliFeatures.subarray(k * 64, (k + 1) * 64)),
      );
    }
    // The same x₀, hence the same noise; the U-Net runs on two ONNX Runtime builds (WASM, native).
    console.log(
      `${ids.length} odd files: x₀ bit-identical; up1_0 at t=0 max abs difference ${worst.toExponential(2)}`,
    );
    expect(worst).toBeLessThanOrEqual(1e-5);
    expect(app.consoleErrors).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
