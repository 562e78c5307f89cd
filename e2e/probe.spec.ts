/**
 * The linear probe from the UI: train on a small seeded split, watch the curves, read the results;
 * and too little data is explained before training starts.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, openApp, test } from './support/app';
import { useBackend } from './support/backend';
import { download } from './support/download';
import { encodeInPage } from './support/images';

test('train a probe on one block and read its results', async ({ app }) => {
  test.setTimeout(300_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page, '?blocks=up1_0&t=25');
  await page.getByLabel('Training images', { exact: true }).fill('300');
  await page.getByLabel('Test images', { exact: true }).fill('200');
  await page.getByRole('button', { name: 'Train probe' }).click();
  const results = page.getByRole('region', { name: 'Probe results' });
  await expect(results).toBeVisible({ timeout: 240_000 });
  const text = (await results.textContent())!;
  const acc = Number(/Test accuracy ([\d.]+)%/.exec(text)![1]);
  // The test accuracy is said to be looked at once; the curves show the validation images.
  expect(text).toMatch(/Test accuracy [\d.]+% \(held-out test images, 200, evaluated once after training\)/);
  expect(text).toMatch(/validation accuracy [\d.]+% \(60 images, what the curves showed\)/);
  expect(text).toContain('global average pooling, noise seed 0');
  // 300 × 64 × 10 is below ORT_OBJECTIVE_MIN_WORK: the float64 loop ran, and the results say so.
  expect(text).toMatch(/iterations \(converged: [^)]+\) in [\d.]+ s, float64 in JavaScript/);
  console.log(`probe on up1_0 at t=25, 300 train / 200 test: test accuracy ${acc}%`);
  expect(acc).toBeGreaterThan(50); // 10 classes: chance is 10%
  await expect(page.getByRole('img', { name: /Probe training curves: .*validation accuracy/ })).toBeVisible();
  const probe = JSON.parse(
    (await download(page, page.getByRole('button', { name: 'Download probe (JSON)' }))).toString('utf8'),
  );
  expect(probe).toMatchObject({ version: 2, C: 1, maxIter: 200, splitSeed: 0 });
  expect(probe.appVersion).toMatch(/^\d+\.\d+\.\d+/);
  expect(probe.spec).toMatchObject({
    blocks: ['up1_0'],
    timesteps: [25],
    seed: 0,
    pooling: { kind: 'avg' },
    data: { source: 'bundled', sizes: { train: 240, validation: 60, test: 200 } },
  });
  expect(probe.spec.model).toBe(await page.evaluate(() => window.diffprobe.state().model!.id));
  expect(probe.testAccuracy * 100).toBeCloseTo(acc, 1);
  const svg = (await download(page, page.getByRole('button', { name: 'Curves SVG' }))).toString('utf8');
  expect(svg).toContain('<svg');
  expect(svg).toContain('stroke="#2f5fd0"'); // colours travel with the file, not in CSS
  const png = await download(page, page.getByRole('button', { name: 'Curves PNG' }));
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  await expect(page.getByRole('img', { name: /Confusion matrix/ })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Per-class test accuracy' }).getByRole('row')).toHaveCount(10);
  await expect(
    page.getByRole('list', { name: 'Misclassified test images' }).getByRole('img').first(),
  ).toHaveAttribute('aria-label', /predicted .+ \(\d+\.\d%\), true .+/);
  expect(app.consoleErrors).toEqual([]);
});

test('too few training images: explained before training; invalid probe timesteps block training', async ({
  app,
}) => {
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page, '?blocks=mid&t=0');
  await page.getByLabel('Training images', { exact: true }).fill('10');
  await page.getByLabel('Test images', { exact: true }).fill('10');
  await page.getByRole('button', { name: 'Train probe' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'The probe cannot be trained on this data' });
  await expect(alert).toBeVisible({ timeout: 60_000 });
  await expect(alert).toContainText(/class|images/);
  await expect(page.getByRole('region', { name: 'Probe results' })).toHaveCount(0);
  await expect(page.getByRole('progressbar', { name: /Training the probe/ })).toHaveCount(0);

  // Invalid probe timesteps are flagged and block training (same page: a check of the field alone).
  await page.getByLabel('Probe timesteps').fill('25, 5000');
  await expect(page.getByText(/Timesteps must be whole numbers from 0 to 999/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Train probe' })).toBeDisabled();
  await page.getByLabel('Probe timesteps').fill('25, 100');
  await expect(page.getByText('Features at t = 25, 100, concatenated.')).toBeVisible();
});

test('a probe on your own labelled folder, then Try it on one image', async ({ app }) => {
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page, '?blocks=mid&t=0');
  const root = mkdtempSync(join(tmpdir(), 'diffprobe-probe-'));
  // Two visibly different classes: tall dark bars and wide light blocks.
  for (const [cls, w, h, shade] of [
    ['tall', 30, 80, 10],
    ['wide', 90, 30, 140],
  ] as const) {
    mkdirSync(join(root, 'set', cls), { recursive: true });
    for (let i = 0; i < 5; i++)
      writeFileSync(
        join(root, 'set', cls, `${i}.png`),
        await encodeInPage(page, 'image/png', w + 3 * i, h + 2 * i, shade + 5 * i),
      );
  }
  await page.getByLabel('Add folder').setInputFiles(join(root, 'set'));
  // Dark shapes on a light ground, as photos: every one inverted, as before per-image polarity.
  await expect(page.getByRole('note').filter({ hasText: 'Added 10 images' })).toContainText(
    'Inverted 10 of 10 images (light background)',
  );
  await page.getByLabel('Probe data').selectOption('uploads');
  await page.getByRole('button', { name: 'Train probe' }).click();
  const results = page.getByRole('region', { name: 'Probe results' });
  await expect(results).toBeVisible({ timeout: 60_000 });
  await expect(results).toContainText(/Test accuracy \d+\.\d%/);
  await expect(page.getByRole('table', { name: 'Per-class test accuracy' }).getByRole('row')).toHaveCount(2);
  await page
    .getByRole('list', { name: 'Your images' })
    .getByRole('button', { name: /\(wide\)$/ })
    .first()
    .click();
  await page.getByRole('button', { name: 'Classify the selected image' }).click();
  const proba = page.getByRole('table', { name: /Class probabilities for / });
  await expect(proba).toBeVisible({ timeout: 30_000 });
  await expect(proba.getByRole('row')).toHaveCount(2);
  // The probe was trained on average-pooled features: with the view on max pooling, Try it still
  // computes the probe's features, so the probabilities do not change.
  const before = await proba.textContent();
  await page.getByLabel('Pooling', { exact: true }).selectOption('max');
  await page.evaluate(() => window.diffprobe.state().setProbeTry(null));
  await expect(proba).toHaveCount(0);
  await page.getByRole('button', { name: 'Classify the selected image' }).click();
  await expect(proba).toBeVisible({ timeout: 30_000 });
  expect(await proba.textContent()).toBe(before);
});
