/**
 * Timestep conventions in the browser: the explorer says what the network is fed (the default model
 * integer steps, as its manifest says), and the default model behind an EDM front end (made by graph
 * surgery, src/testing/timestep-wrappers.ts), opened bare, is not silently fed integer steps: the
 * page asks, the denoising check says σ and draws its errors, and applying it changes what is fed.
 */
import { readFileSync } from 'node:fs';
import type { Manifest } from '../src/core/manifest/types';
import { scheduleFromManifest } from '../src/core/schedule';
import { sigmaWrapped } from '../src/testing/timestep-wrappers';
import { expect, openApp, test } from './support/app';
import { useBackend } from './support/backend';

const manifest: Manifest = JSON.parse(readFileSync('public/models/fashion-mnist-ddpm/manifest.json', 'utf8'));
const DEFAULT = new Uint8Array(readFileSync('public/models/fashion-mnist-ddpm/model.onnx'));

test('the denoising check finds each model’s timestep convention; a float timestep is never assumed silently', async ({
  app,
}) => {
  test.setTimeout(180_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page);

  await test.step('the default model: fed the integer step, as its manifest says', async () => {
    await expect(page.getByTestId('fed-as')).toHaveText(/^t = \d+ fed as the integer \d+ \(as float32\)$/);
    await page.getByRole('button', { name: 'Model…', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Model' });
    // (The check on the default model, which must say index, runs in src/pipeline/denoising-check.test.ts.)
    await expect(dialog.getByLabel('The timestep input takes')).toHaveValue('index');
    await expect(dialog.getByRole('button', { name: 'Check by denoising' })).toBeEnabled();
    await dialog.getByRole('button', { name: 'Close' }).last().click();
  });

  await test.step('the same network taking σ, opened bare: the page asks, the check says σ, Apply feeds σ', async () => {
    const sigma = sigmaWrapped(DEFAULT, scheduleFromManifest(manifest.schedule).alphasCumprod);
    await page
      .getByLabel('Open model…')
      .setInputFiles([
        { name: 'edm-sigma.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from(sigma) },
      ]);
    const choice = page.getByRole('region', { name: /What does edm-sigma\.onnx’s timestep mean\?/ });
    await expect(choice).toBeVisible({ timeout: 90_000 });
    await expect(page.getByTestId('fed-as')).toHaveText(/fed as the integer/);
    await choice.getByRole('button', { name: 'Check by denoising' }).click();
    await expect(choice.getByText(/^Clearly sigma: fraction has [\d.]+× its error\.$/)).toBeVisible({
      timeout: 60_000,
    });
    await expect(
      choice.getByText(
        /^The model is fed under index now, but it denoises under sigma, .*wrong noise level\.$/,
      ),
    ).toBeVisible();
    await expect(
      choice.getByRole('img', { name: /Denoising error relative to an all-zero output/ }),
    ).toBeVisible();
    await choice.getByRole('button', { name: 'Apply sigma' }).click();
    await expect(choice).toBeHidden({ timeout: 60_000 });
    await expect(page.getByTestId('fed-as')).toHaveText(/^t = \d+ fed as σ = [\d.]+ \(c_noise = ¼·ln σ = /);
    const m = await page.evaluate(() => window.diffprobe.state().model?.manifest);
    expect(m?.timestep).toMatchObject({ name: 'c_noise', convention: 'sigma' });
    expect(m?.prediction.type).toBe('sample');
  });
  expect(app.consoleErrors).toEqual([]);
});
