/**
 * The blocks × timesteps sweep: runs to the end on a small set with a heatmap, the cell chosen by
 * validation accuracy, its one test accuracy, and CSV; Stop keeps the cells already computed; and
 * opening another model during a sweep is the user's choice, with no cell mixing two models.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
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
    page.getByRole('grid', {
      name: /Sweep heatmap of validation accuracy; best: (mid|up1_0) at t = (0|100), \d+\.\d% validation accuracy/,
    }),
  ).toBeVisible();
  await expect(page.getByRole('img', { name: 'Validation accuracy against t for mid, up1_0' })).toBeVisible();
  await expect(
    page.getByText(/Its test accuracy, evaluated once on 100 held-out images: \d+\.\d%\./),
  ).toBeVisible();
  const csv = (await download(page, page.getByRole('button', { name: 'Sweep CSV' })))
    .toString('utf8')
    .trim()
    .split('\n');
  expect(csv[0]).toBe('block,t,validation_accuracy,train_accuracy,model,chosen,test_accuracy_of_chosen');
  expect(csv.length).toBe(5);
  // One cell is chosen, and only it has a test accuracy.
  expect(csv.filter((line) => /,yes,0\.\d+$/.test(line))).toHaveLength(1);
  const json = JSON.parse(
    (await download(page, page.getByRole('button', { name: 'Sweep JSON' }))).toString('utf8'),
  );
  expect(json).toMatchObject({ version: 2, C: 1, maxIter: 100, splitSeed: 0 });
  expect(json.spec).toMatchObject({
    blocks: ['mid', 'up1_0'],
    timesteps: [0, 100],
    pooling: { kind: 'avg' },
  });
  expect(json.spec.data.sizes).toEqual({ train: 160, validation: 40, test: 100 });
  expect(json.chosen.testAccuracy).toBeGreaterThan(0.3);
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
  await expect(page.getByRole('grid', { name: /Sweep heatmap of validation accuracy; best:/ })).toBeVisible({
    timeout: 110_000,
  });
  await page.getByRole('button', { name: 'Stop sweep', exact: true }).click();
  await expect(page.getByText('Stopped; the cells computed so far are kept.')).toBeVisible();
  const csv = await download(page, page.getByRole('button', { name: 'Sweep CSV' }));
  const rows = csv.toString('utf8').trim().split('\n').length - 1;
  expect(rows).toBeGreaterThan(0);
  expect(rows).toBeLessThan(32);
  // The finding speaks of the cells computed, and the JSON says the grid is partial.
  await expect(
    page.getByText(
      new RegExp(`^Of ${rows} of 32 cells \\(16 blocks × 2 timesteps; the sweep was stopped\\), `),
    ),
  ).toBeVisible();
  const json = JSON.parse(
    (await download(page, page.getByRole('button', { name: 'Sweep JSON' }))).toString('utf8'),
  );
  expect(json).toMatchObject({ complete: false, cells: { computed: rows, total: 32 } });
  // No comparison runs on a partial grid as if it were the whole one.
  await expect(page.locator('#sweep .finding')).not.toContainText('raw pixels');
  await expect(page.getByRole('progressbar', { name: /comparison/i })).toHaveCount(0);
});

const RGB32 = readFileSync(join(import.meta.dirname, 'fixtures/models/rgb32/model.onnx'));

async function openRgb32(page: Page) {
  await page
    .getByLabel('Open model…')
    .setInputFiles([{ name: 'rgb32.onnx', mimeType: 'application/octet-stream', buffer: RGB32 }]);
}

/** Every computed cell of a sweep and the model it says it was computed with. */
async function cellModels(page: Page, where: 'live' | 'stash'): Promise<string[]> {
  return page.evaluate((where) => {
    const s = window.diffprobe.state();
    const sweeps = where === 'live' ? [s.sweep] : s.modelStash.map((e) => e.results.sweep);
    return sweeps.flatMap((sw) => (sw ? sw.grid.cells.flat().flatMap((c) => (c ? [c.model] : [])) : []));
  }, where);
}

test('opening another model during a sweep: keep, stop or let it finish; no cell mixes two models', async ({
  app,
}) => {
  test.setTimeout(240_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page, '?block=mid&block=up1_0');
  const defaultId = await page.evaluate(() => window.diffprobe.state().model!.id);
  await page.getByLabel('Sweep blocks').selectOption('selected');
  await page.getByLabel('Sweep timesteps').fill('0, 100, 200');
  await page.getByLabel('Sweep training images').fill('100');
  await page.getByLabel('Sweep test images').fill('50');
  const dialog = page.getByRole('dialog', { name: 'A sweep is running' });
  const status = page.getByRole('status');

  await test.step('keep the current model: the sweep goes on', async () => {
    await page.getByRole('button', { name: 'Run sweep' }).click();
    const heatmap = page.getByRole('grid', { name: /Sweep heatmap of validation accuracy; best:/ });
    await expect(heatmap).toBeVisible({ timeout: 60_000 });
    await openRgb32(page);
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole('button', { name: 'Stop it and open the model' })).toBeFocused();
    await dialog.getByRole('button', { name: 'Keep the current model' }).click();
    await expect(dialog).toBeHidden();
    await expect(status).toContainText('Fashion-MNIST');
    await expect(page.getByText('Done.')).toBeVisible({ timeout: 120_000 });
    expect(await cellModels(page, 'live')).toEqual(Array(6).fill(defaultId));
  });

  await test.step('stop it and open the model: the cells so far stay with the default model', async () => {
    await page.getByLabel('Sweep timesteps').fill('0, 100, 300, 400, 500');
    await page.getByRole('button', { name: 'Run sweep' }).click();
    const heatmap = page.getByRole('grid', { name: /Sweep heatmap of validation accuracy; best:/ });
    await expect(heatmap).toBeVisible({ timeout: 60_000 });
    await openRgb32(page);
    await dialog.getByRole('button', { name: 'Stop it and open the model' }).press('Enter');
    await expect(status).toContainText(/rgb32/, { timeout: 90_000 });
    // The new model has no sweep; the default model's, stopped, is set aside with its cells.
    expect(await page.evaluate(() => window.diffprobe.state().sweep)).toBeNull();
    const stashed = await cellModels(page, 'stash');
    expect(stashed.length).toBeGreaterThan(0);
    expect(new Set(stashed)).toEqual(new Set([defaultId]));
    await expect(page.getByRole('progressbar', { name: /Sweep/ })).toHaveCount(0);
  });

  await test.step('back on the default model, let a sweep finish, then open the model', async () => {
    await page.getByRole('button', { name: 'Default model' }).click();
    await expect(status).toContainText('Fashion-MNIST', { timeout: 90_000 });
    await page.getByLabel('Sweep timesteps').fill('0, 50');
    await page.getByRole('button', { name: 'Run sweep' }).click();
    await expect(page.getByText('Running…')).toBeVisible();
    await openRgb32(page);
    await dialog.getByRole('button', { name: 'Let it finish, then open the model' }).click();
    await expect(status).toContainText(/rgb32/, { timeout: 120_000 });
    const stashed = await page.evaluate(() =>
      window.diffprobe.state().modelStash.flatMap((e) => (e.results.sweep ? [e.results.sweep] : [])),
    );
    expect(stashed).toHaveLength(1);
    expect(stashed[0].status).toBe('done');
    // Every cell computed (the view now selects up1_0 alone: 1 block × 2 timesteps), all on the default model.
    const cells = stashed[0].grid.cells.flat();
    expect(cells).toHaveLength(stashed[0].grid.spec.blocks.length * 2);
    expect(cells.map((c) => c?.model)).toEqual(Array(cells.length).fill(defaultId));
  });
  expect(app.consoleErrors).toEqual([]);
});
