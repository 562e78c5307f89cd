/**
 * The linear probe from the UI: train on a small seeded split, watch the curves, read the results;
 * and too little data is explained before training starts.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, openApp, test } from './support/app';
import { useBackend } from './support/backend';
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
  console.log(`probe on up1_0 at t=25, 300 train / 200 test: test accuracy ${acc}%`);
  expect(acc).toBeGreaterThan(50); // 10 classes: chance is 10%
  await expect(page.getByRole('img', { name: /Probe training curves/ })).toBeVisible();
  await expect(page.getByRole('img', { name: /Confusion matrix/ })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Per-class test accuracy' }).getByRole('row')).toHaveCount(10);
  await expect(
    page.getByRole('list', { name: 'Misclassified test images' }).getByRole('img').first(),
  ).toHaveAttribute('aria-label', /predicted .+ \(\d+\.\d%\), true .+/);
  expect(app.consoleErrors).toEqual([]);
});

test('too few training images: the problem is explained before training', async ({ app }) => {
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
});

test('invalid probe timesteps are flagged and block training', async ({ app }) => {
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page);
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
  await expect(page.getByRole('note').filter({ hasText: 'Added 10 images' })).toBeVisible();
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
});
