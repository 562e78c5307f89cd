/**
 * The heads beside the linear probe, from the UI: an attention head on a block's map as tokens,
 * trained in the worker on TensorFlow.js's WASM backend (fetched on first use, under the app's
 * CSP), with its curves by epoch, its results and what it adds over the linear probe.
 * Tiny counts: this checks the journey, not the accuracy.
 */

import { expect, openApp, test } from './support/app';
import { useBackend } from './support/backend';
import { download } from './support/download';

test('probe with the attention head', async ({ app }) => {
  test.setTimeout(240_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page, '?blocks=up1_0&t=10');
  const started = Date.now();
  await page.getByLabel('Probe classifier').selectOption('attention');
  await expect(page.getByText('pooling: map average-pooled to at most 8×8')).toBeVisible();
  await page.getByLabel('Training images', { exact: true }).fill('100');
  await page.getByLabel('Test images', { exact: true }).fill('50');
  await page.getByLabel('Max epochs').fill('2');
  await page.getByRole('button', { name: 'Train attention head' }).click();
  const results = page.getByRole('region', { name: 'Probe results' });
  await expect(results).toBeVisible({ timeout: 180_000 });
  const text = (await results.textContent())!;
  expect(text).toMatch(/attention head \(d 64, 4 heads/);
  expect(text).toMatch(/2 epochs, epoch \d kept/);
  expect(text).toContain('float32 on TensorFlow.js (WASM)');
  expect(text).toContain('3136 features from up1_0 at t = 10, map average-pooled to at most 8×8 pooling');
  await expect(
    page.getByRole('img', { name: /Probe training curves: epoch 2, .*validation accuracy/ }),
  ).toBeVisible();
  const head = JSON.parse(
    (await download(page, page.getByRole('button', { name: 'Download head (JSON)' }))).toString('utf8'),
  );
  expect(head).toMatchObject({
    format: 'diffprobe-head',
    head: { kind: 'attention', attention: { dim: 64, heads: 4 } },
    layout: { d: 3136, k: 10, groups: [{ channels: 64, height: 7, width: 7 }] },
    spec: { blocks: ['up1_0'], timesteps: [10], pooling: { kind: 'grid', size: 8 } },
  });
  expect(head.weights['proj0.weight'].shape).toEqual([64, 64]);
  // What the head adds: the linear probe on the same block, t and images, said in words.
  await expect(page.locator('.finding')).toContainText(
    /The attention head (adds [\d.]+ points|loses [\d.]+ points|adds nothing) at up1_0, t = 10: [\d.]+% against [\d.]+% for the linear probe/,
    { timeout: 120_000 },
  );
  console.log(`attention head journey: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // tfjs's chunk and .wasm loaded under the CSP: no violation, nothing fetched from elsewhere.
  expect(app.consoleErrors).toEqual([]);
  expect(app.remoteRequests).toEqual([]);
});
