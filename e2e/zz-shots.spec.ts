import { expect, openApp, test } from './support/app';
import { useBackend } from './support/backend';

test('screens', async ({ app }) => {
  test.setTimeout(400_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  await page.setViewportSize({ width: 1440, height: 900 });
  await openApp(page, '?block=mid&block=up1_0');
  const cka = page.locator('#cka');
  await cka.getByLabel('CKA images').fill('100');
  await cka.getByRole('button', { name: 'Compute CKA' }).click();
  await expect(cka.getByText(/Done in/)).toBeVisible({ timeout: 120_000 });
  await cka.locator('.cell').nth(20).hover();
  await cka.screenshot({ path: '/tmp/shot-cka-1440.png' });
  for (const [w, h] of [
    [1024, 768],
    [1920, 1080],
  ]) {
    await page.setViewportSize({ width: w, height: h });
    await cka.screenshot({ path: `/tmp/shot-cka-${w}.png` });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
  const sweep = page.locator('#sweep');
  await sweep.getByLabel('Sweep timesteps').fill('0, 10, 100');
  await sweep.getByLabel('Sweep training images').fill('100');
  await sweep.getByLabel('Sweep test images').fill('50');
  await sweep.getByLabel(/Then sweep its random-weights twin/).check();
  await sweep.getByRole('button', { name: 'Run sweep' }).click();
  await expect(sweep.getByText('The twin’s sweep is done (same images, split and settings).')).toBeVisible({
    timeout: 300_000,
  });
  await sweep.screenshot({ path: '/tmp/shot-sweep-1440.png' });
  await page.setViewportSize({ width: 1024, height: 768 });
  await sweep.screenshot({ path: '/tmp/shot-sweep-1024.png' });
});
