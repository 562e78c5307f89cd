/**
 * Backend choice with Chromium's software WebGPU adapter exposed (--enable-unsafe-webgpu gives
 * SwiftShader): "Auto" must not take it (it is 40–85× slower than WASM) and must say why. WebGPU
 * chosen by hand still runs there: parity.spec.ts and model-errors.spec.ts open it so, and
 * parity.spec.ts checks extraction's sub-graph pooled on the GPU against PyTorch.
 */
import { expect, openApp, test } from './support/app';

test('Auto with a software WebGPU adapter: WASM, the reason in the status, and a small probe finishes', async ({
  app,
}) => {
  test.setTimeout(180_000);
  const { page } = app;
  await openApp(page, '?blocks=mid&t=25'); // no stored preference: Auto
  const status = page.getByRole('status');
  await expect(status).toContainText('WASM');
  await expect(status).toContainText(
    /Auto: WASM; the WebGPU adapter \([^)]*swiftshader[^)]*\) renders in software/i,
  );
  // Not measured, so nothing to remember.
  expect(await page.evaluate(() => localStorage.getItem('diffprobe.autoBackend.v1'))).toBeNull();
  await page.getByLabel('Training images', { exact: true }).fill('200');
  await page.getByLabel('Test images', { exact: true }).fill('100');
  await page.getByRole('button', { name: 'Train probe' }).click();
  await expect(page.getByRole('region', { name: 'Probe results' })).toBeVisible({ timeout: 150_000 });
  expect(app.consoleErrors).toEqual([]);
});
