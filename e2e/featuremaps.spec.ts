/**
 * The feature-map explorer: pick an image, move t with the keyboard, pick a block in the U-Net
 * drawing; one tile per channel; enlarge a channel; save PNG; and Generate runs to the end.
 */
import { expect, openApp, test } from './support/app';
import { useBackend } from './support/backend';
import { download } from './support/download';

test('pick an image, move t, pick a block: one tile per channel', async ({ app }) => {
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page, '?t=100&blocks=mid');
  await page.getByRole('button', { name: /^Test image 5: / }).click();
  await expect(page.getByRole('button', { name: /^Test image 5: / })).toHaveAttribute('aria-pressed', 'true');
  // Arrow keys on the page move t (when no field has focus).
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Shift+ArrowRight');
  await expect(page.getByLabel('Timestep', { exact: true })).toHaveValue('111');
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('button', { name: /^Test image 6: / })).toHaveAttribute('aria-pressed', 'true');

  await page.getByRole('button', { name: 'down0_1', exact: true }).click();
  const tiles = page.getByRole('img', { name: '32 channel maps of block down0_1 at t = 111' });
  await expect(tiles).toBeVisible({ timeout: 60_000 });
  expect(await tiles.getAttribute('data-channels')).toBe('32');
  await page.getByRole('button', { name: 'up1_0', exact: true }).click();
  await expect(page.getByRole('img', { name: '64 channel maps of block up1_0 at t = 111' })).toBeVisible();

  await page.getByLabel('Sort').selectOption('variance');
  await page.getByLabel('Normalisation').selectOption('channel');
  await page.getByLabel('Enlarge channel').fill('3');
  await expect(page.getByRole('img', { name: 'Channel 3 of up1_0, enlarged over the input' })).toBeVisible();
  await expect(page.getByRole('img', { name: /Colour bar from -?\d/ })).toBeVisible();

  const png = await download(page, page.getByRole('button', { name: 'Save PNG', exact: true }));
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  expect(png.readUInt32BE(16)).toBeGreaterThan(14 * 8); // a grid of 14×14 tiles, not one tile
  expect(app.consoleErrors).toEqual([]);
});

// Compare and Generate on one page: Generate does not depend on the explorer's view.
test('compare mode shows a second (block, t) pair beside the first; Generate runs to the end', async ({
  app,
}) => {
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page, '?t=50&blocks=up1_0');
  await expect(page.getByRole('img', { name: '64 channel maps of block up1_0 at t = 50' })).toBeVisible({
    timeout: 60_000,
  });
  await page.getByLabel('Compare with another block and timestep').check();
  await page.getByLabel('Compare block').selectOption('down0_0');
  await page.getByLabel('Compare timestep').fill('400');
  await expect(
    page.getByRole('img', { name: '32 channel maps of block down0_0 at t = 400 (comparison)' }),
  ).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('img', { name: '64 channel maps of block up1_0 at t = 50' })).toBeVisible();

  // Generate samples images with live progress, to the end.
  await page.getByLabel('Steps', { exact: true }).fill('6');
  await page.getByLabel('Number of images').fill('4');
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(page.getByText('Done: 6 DDIM steps.')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('list', { name: 'Generated images' }).getByRole('img')).toHaveCount(4);
});
