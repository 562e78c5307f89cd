/**
 * The blocks × timesteps sweep: runs to the end on a small set with a heatmap, best cell and CSV;
 * and Stop keeps the cells already computed.
 */
import { expect, openApp, test } from './support/app';
import { useBackend } from './support/backend';
import { download } from './support/download';

test('a small sweep runs to the end, marks the best cell and exports CSV', async ({ app }) => {
  test.setTimeout(300_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page, '?blocks=mid,up1_0');
  await page.getByLabel('Sweep blocks').selectOption('selected');
  await page.getByLabel('Sweep timesteps').fill('0, 100');
  await page.getByLabel('Sweep training images').fill('200');
  await page.getByLabel('Sweep test images').fill('100');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(page.getByRole('progressbar', { name: /Sweep: 2 blocks × 2 timesteps/ })).toBeVisible();
  await expect(page.getByText('Done.')).toBeVisible({ timeout: 240_000 });
  await expect(
    page.getByRole('img', {
      name: /Sweep heatmap of test accuracy; best: (mid|up1_0) at t = (0|100), \d+\.\d%/,
    }),
  ).toBeVisible();
  await expect(page.getByRole('img', { name: 'Test accuracy against t for mid, up1_0' })).toBeVisible();
  const csv = (await download(page, page.getByRole('button', { name: 'Sweep CSV' })))
    .toString('utf8')
    .trim()
    .split('\n');
  expect(csv[0]).toBe('block,t,test_accuracy,train_accuracy');
  expect(csv.length).toBe(5);
  const svg = await download(page, page.getByRole('button', { name: 'Heatmap SVG' }));
  expect(svg.toString('utf8')).toContain('<svg');
  const png = await download(page, page.getByRole('button', { name: 'Heatmap PNG' }));
  expect(png.subarray(1, 4).toString()).toBe('PNG');
});

test('stopping a sweep keeps the cells computed so far', async ({ app }) => {
  test.setTimeout(300_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page);
  await page.getByLabel('Sweep timesteps').fill('0, 100');
  await page.getByLabel('Sweep training images').fill('200');
  await page.getByLabel('Sweep test images').fill('100');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(page.getByRole('img', { name: /Sweep heatmap of test accuracy; best:/ })).toBeVisible({
    timeout: 110_000,
  });
  await page.getByRole('button', { name: 'Stop sweep', exact: true }).click();
  await expect(page.getByText('Stopped; the cells computed so far are kept.')).toBeVisible();
  const csv = await download(page, page.getByRole('button', { name: 'Sweep CSV' }));
  const rows = csv.toString('utf8').trim().split('\n').length - 1;
  expect(rows).toBeGreaterThan(0);
  expect(rows).toBeLessThan(32);
});
