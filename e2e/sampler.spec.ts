/**
 * Generate as the reference samplers do, as one user journey (what needs no browser is in vitest:
 * the 25-step split on 8 images in src/pipeline/needs-clip-samples.test.ts, the values against
 * PyTorch in sampler-parity.test.ts, the default model's samples in default-samples.test.ts, the
 * messages in core/sampler/options.test.ts and worker/handlers/generate.test.ts).
 *
 * The explorer's one-step x̂₀ says it is not clipped; every bad setting gets its message and disables
 * Generate; a model that needs clipping (e2e/fixtures/models/needs-clip, trained briefly by
 * tools/model/make_needs_clip_model.py) gives shapes when x̂₀ is clipped (the default) and flat squares
 * or pixel noise when it is not, and the gallery says how far x̂₀ left the data range; the export
 * records the settings; a model that turns NaN part-way names the step and keeps the samples so far.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { imageStructure } from '../src/testing/image-structure';
import { expect, openApp, test } from './support/app';
import { useBackend } from './support/backend';
import { download } from './support/download';
import * as odd from './support/odd-models';

const DIR = join(import.meta.dirname, 'fixtures/models/needs-clip');
const file = (name: string, buffer: Buffer, mimeType = 'application/octet-stream') => ({
  name,
  mimeType,
  buffer,
});

/** What each image in the gallery is, by src/testing/image-structure.ts, from its canvas pixels. */
async function galleryKinds(page: Page): Promise<string[]> {
  const images = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLCanvasElement>('ul[aria-label="Generated images"] canvas')].map((c) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      return { width: c.width, height: c.height, gray: Array.from(data.filter((_, i) => i % 4 === 0)) };
    }),
  );
  return images.map((im) => imageStructure(im.gray, im.width, im.height).kind);
}

async function generate(page: Page, steps: number) {
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(page.getByText(`Done: ${steps} DDIM steps.`)).toBeVisible({ timeout: 60_000 });
}

test('sampler: x̂₀ unclipped in the explorer, bad settings refused, a model that needs clipping, a NaN part-way', async ({
  app,
}) => {
  // One journey (what were two tests): ~25 CPU-seconds, but a loaded machine takes over 2 minutes.
  test.setTimeout(180_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page, '?t=999');

  // The explorer's one-step x̂₀ (the default model's, t = 999) is the model's own, not clipped, and says so.
  await page.getByRole('button', { name: /^Test image 0: / }).click();
  await expect(page.getByText('x̂₀ (predicted, not clipped)')).toBeVisible({ timeout: 60_000 });
  await expect(
    page.getByText(/^x̂₀ runs from −\d.* to \d.*; shown clamped to \[−1, 1\]\. Only sampling clips x̂₀\.$/),
  ).toBeVisible();

  // Every bad setting: its message, and Generate disabled until it is fixed.
  const steps = page.getByLabel('Steps', { exact: true });
  const x0 = page.getByLabel('x̂₀ at each step', { exact: true });
  const generateButton = page.getByRole('button', { name: 'Generate', exact: true });
  const expectRefused = async (message: string) => {
    await expect(page.getByText(message, { exact: true })).toBeVisible();
    await expect(generateButton).toBeDisabled();
  };
  // Clipping is on by default, and shown.
  await expect(x0).toHaveValue('clip');
  await expect(steps).toHaveValue('25');
  await steps.fill('0');
  await expectRefused('steps 0: the sampler needs at least 1 step');
  await steps.fill('1001');
  await expectRefused("steps 1001: the model's schedule has only 1000 timesteps, so at most 1000 steps");
  await steps.fill('10');
  await page.getByLabel('η (eta)').fill('-0.1');
  await expectRefused('η -0.1: η cannot be negative (0 is deterministic DDIM)');
  await page.getByLabel('η (eta)').fill('0');
  await x0.selectOption('threshold');
  await page.getByLabel('Percentile').fill('0');
  await expectRefused('percentile 0: expected a number in (0, 100]');
  await page.getByLabel('Percentile').fill('100.5');
  await expectRefused('percentile 100.5: expected a number in (0, 100]');
  await page.getByLabel('Percentile').fill('99.5');
  await expect(generateButton).toBeEnabled();
  await x0.selectOption('clip');

  // A model that needs clipping, 4 images, 10 steps: shapes with clipping (x_T's first 4 images are
  // those of 8, so these are the first 4 of needs-clip-samples.test.ts's split at 10 steps).
  await page
    .getByLabel('Open model…')
    .setInputFiles([
      file('manifest.json', readFileSync(join(DIR, 'manifest.json')), 'application/json'),
      file('model.onnx', readFileSync(join(DIR, 'model.onnx'))),
    ]);
  await expect(page.getByRole('status')).toContainText(/WASM.*needs clipping/, { timeout: 60_000 });
  await expect(steps).toHaveValue('10');
  await page.getByLabel('Number of images').fill('4');
  await generate(page, 10);
  const clipped = await galleryKinds(page);
  expect(clipped).toHaveLength(4);
  expect(clipped.filter((k) => k === 'structured').length, clipped.join()).toBe(4);
  await expect(
    page.getByText(/^x̂₀ left the data range \[−1, 1\] at \d+ of 10 steps \(−\d.*\); clipped at/),
  ).toBeVisible();
  await expect(page.getByRole('img', { name: /^Range of x̂₀ at each step before clipping/ })).toBeVisible();

  // The same seed without clipping: flat squares or pixel noise, and the gallery says why.
  await x0.selectOption('none');
  await generate(page, 10);
  const raw = await galleryKinds(page);
  expect(raw.filter((k) => k === 'structured').length, raw.join()).toBeLessThanOrEqual(1);
  await expect(page.getByText(/at \d+ of 10 steps .* and was not clipped/)).toBeVisible();
  await expect(
    page.getByText(/^The samples run from −\d+(\.\d)? to \d+(\.\d)?; shown clamped to \[−1, 1\]\.$/),
  ).toBeVisible();

  // The export records what made the samples.
  const saved = JSON.parse(
    (await download(page, page.getByRole('button', { name: 'Save samples (JSON)' }))).toString(),
  );
  expect(saved.format).toBe('diffprobe-samples');
  expect(saved.options).toMatchObject({ method: 'ddim', steps: 10, x0: 'none', eta: 0, spacing: 'linspace' });
  expect(saved.seed).toBe(0);
  expect(saved.model.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(saved.manifest.name).toContain('needs clipping');
  expect(saved.timesteps).toHaveLength(10);
  expect(saved.x0PerStep).toHaveLength(10);
  expect(saved.samples).toHaveLength(4 * 28 * 28);

  // NaN for 200 < t < 400: linspace over 10 steps runs 999, 888, …, 444, then 333 fails.
  await page.getByLabel('Open model…').setInputFiles([file('nan-band.onnx', odd.nanBetween200And400())]);
  await expect(page.getByRole('status')).toContainText(/WASM.*nan-band/, { timeout: 60_000 });
  await page.getByLabel('Number of images').fill('2');
  await generateButton.click();
  const alert = page.getByRole('alert').filter({ hasText: 'NaN' });
  await expect(alert).toContainText('at step 7 of 10 (t = 333)', { timeout: 60_000 });
  await expect(alert).toContainText('the x̂₀ of step 6 stays in the gallery');
  await expect(page.getByRole('list', { name: 'Generated images' }).getByRole('img')).toHaveCount(2);
  await expect(page.getByText(/^Step 6 of 10 \(t = 444\).*Stopped at step 7/)).toBeVisible();
  expect(app.consoleErrors).toEqual([]);
  expect(app.remoteRequests).toEqual([]);
});
