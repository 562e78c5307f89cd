/**
 * The layout from 1024 to 2560 px wide: no sideways scrolling, and no field, button or chart that
 * sticks out of its panel — with the explorer alone, and with a t-SNE map, a probe and a sweep on
 * the page. The screenshots at the four sizes are this test's artifacts (test-results/…).
 */
import { expect, openApp, test } from './support/app';
import { useBackend } from './support/backend';
import { layoutProblems } from './support/layout';

const SIZES = [
  { width: 1024, height: 768 },
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
  { width: 2560, height: 1440 },
] as const;

test('every panel fits at 1024×768, 1280×800, 1920×1080 and 2560×1440, before and after results', async ({
  app,
}, info) => {
  test.setTimeout(420_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  await page.setViewportSize(SIZES[2]);
  await openApp(page, '?img=test:0&block=up1_0&t=25');
  await expect(page.getByRole('img', { name: /64 channel maps of block up1_0 at t = 25/ })).toBeVisible();
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await page.waitForTimeout(300);
    expect(await layoutProblems(page), `${size.width}×${size.height}, explorer only`).toEqual([]);
  }

  // Results in every analysis panel: small sets, so that this stays quick on WASM.
  await page.setViewportSize(SIZES[2]);
  await page.getByLabel('Points', { exact: true }).fill('200');
  await page.getByLabel('Iterations', { exact: true }).fill('250');
  await page.getByRole('button', { name: 'Run t-SNE' }).click();
  await expect(page.getByText(/10-NN accuracy: [\d.]+% in the 2-D layout/).first()).toBeVisible({
    timeout: 120_000,
  });
  await page.getByLabel('Training images', { exact: true }).fill('200');
  await page.getByLabel('Test images', { exact: true }).fill('100');
  await page.getByRole('button', { name: 'Train probe' }).click();
  await expect(page.getByRole('region', { name: 'Probe results' })).toBeVisible({ timeout: 120_000 });
  await page.getByLabel('Sweep timesteps').fill('25, 250');
  await page.getByLabel('Sweep training images').fill('200');
  await page.getByLabel('Sweep test images').fill('100');
  await expect(page.getByRole('button', { name: 'Run sweep' })).toBeEnabled({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(page.getByText('Done.')).toBeVisible({ timeout: 240_000 });

  for (const size of SIZES) {
    await page.setViewportSize(size);
    await page.waitForTimeout(400);
    expect(await layoutProblems(page), `${size.width}×${size.height}, with results`).toEqual([]);
    // The charts grow with their panels: the t-SNE map and the heatmap use most of their column.
    const plot = await page.locator('.embedding-plot').first().boundingBox();
    const column = await page.locator('#embedding .analysis-figures').boundingBox();
    expect(plot!.width / column!.width).toBeGreaterThan(size.width >= 1920 ? 0.55 : 0.75);
    const path = info.outputPath(`layout-${size.width}x${size.height}.png`);
    await page.screenshot({ path, fullPage: true });
    await info.attach(`layout ${size.width}×${size.height}`, { path, contentType: 'image/png' });
  }
  expect(app.consoleErrors).toEqual([]);
});
