/**
 * Representational similarity and the random-weights control, on tiny counts: a CKA heatmap with
 * values on hover, its table and exports (and too few images said, not computed); the default
 * model's random-weights twin swept beside it, with "trained − random" per cell; the twin opened
 * as a model of its own with its report, and back.
 */
import { expect, openApp, test } from './support/app';
import { axeViolations, isSerious, summarise } from './support/axe';
import { useBackend } from './support/backend';
import { download } from './support/download';

test('a CKA heatmap; the random twin swept beside the trained model, compared by CKA, opened and back', async ({
  app,
}) => {
  test.setTimeout(420_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page, '?block=mid&block=up1_0');
  const cka = page.locator('#cka');
  const started = Date.now();

  await test.step('a CKA heatmap: blocks × blocks with values on hover, a table, CSV / JSON / SVG / PNG', async () => {
    await cka.getByLabel('CKA blocks').selectOption('selected');
    await cka.getByLabel('CKA timestep').fill('10');
    // Too few images: said, nothing computed.
    await cka.getByLabel('CKA images').fill('5');
    await cka.getByRole('button', { name: 'Compute CKA' }).click();
    await expect(
      page.getByText(/CKA needs at least 10 images to compare representations; it got 5/),
    ).toBeVisible();
    await cka.getByLabel('CKA images').fill('30');
    await cka.getByRole('button', { name: 'Compute CKA' }).click();
    await expect(cka.getByText(/Done in [\d.]+ s after extraction/)).toBeVisible({ timeout: 60_000 });
    const heatmap = cka.getByRole('grid', {
      name: /Heatmap: linear CKA between blocks at t = 10 \(global average pooling, 30 images\)/,
    });
    // A representation is identical to itself; the value under the pointer is read out.
    await expect(
      heatmap.getByRole('gridcell', { name: 'mid at t = 10 × mid at t = 10: CKA 1.0000' }),
    ).toBeVisible();
    const pair = /^mid at t = 10 × up1_0 at t = 10: CKA 0\.\d{4}$/;
    await heatmap.getByRole('gridcell', { name: pair }).hover();
    await expect(cka.locator('.matrix-readout')).toHaveText(pair);
    const csv = (await download(page, cka.getByRole('button', { name: 'CKA CSV' })))
      .toString('utf8')
      .trim()
      .split('\n');
    expect(csv.map((l) => l.split(',')[0])).toEqual(['block', 'mid', 'up1_0']);
    expect(csv[0]).toBe('block,mid,up1_0');
    expect(Number(csv[1].split(',')[1])).toBeCloseTo(1, 9);
    const json = JSON.parse(
      (await download(page, cka.getByRole('button', { name: 'CKA JSON' }))).toString('utf8'),
    );
    expect(json).toMatchObject({ format: 'diffprobe-cka', status: 'done', rows: ['mid', 'up1_0'] });
    expect(json.spec).toMatchObject({ view: 'blocks', estimator: 'biased', features: 'pooled', seed: 0 });
    expect(json.spec.images.ids).toHaveLength(30);
    const [modelId] = Object.keys(json.spec.models);
    expect(json.spec.models[modelId].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(json.spec.models[modelId].manifest.blocks).toHaveLength(16);
    expect((await download(page, cka.getByRole('button', { name: 'CKA heatmap SVG' }))).toString()).toContain(
      '<svg',
    );
    const png = await download(page, cka.getByRole('button', { name: 'CKA heatmap PNG' }));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    await cka.getByText('CKA values as a table').click();
    await expect(cka.getByRole('table')).toContainText('1.0000');
  });

  const sweep = page.locator('#sweep');
  await test.step('a random twin swept beside the trained model: trained − random per cell', async () => {
    await sweep.getByLabel('Sweep blocks').selectOption('selected');
    await sweep.getByLabel('Sweep timesteps').fill('10');
    await sweep.getByLabel('Sweep training images').fill('100');
    await sweep.getByLabel('Sweep test images').fill('50');
    await sweep.getByLabel(/Then sweep its random-weights twin/).check();
    await sweep.getByRole('button', { name: 'Run sweep' }).click();
    await expect(sweep.getByText('The twin’s sweep is done (same images, split and settings).')).toBeVisible({
      timeout: 120_000,
    });
    await expect(sweep.getByRole('grid', { name: /Trained minus random-weights twin/ })).toBeVisible();
    await expect(
      sweep.getByText(/Training adds the most at (mid|up1_0), t = 10: [+-]?\d+\.\d points/),
    ).toBeVisible();
    const diff = (await download(page, sweep.getByRole('button', { name: 'Trained − random CSV' })))
      .toString('utf8')
      .trim()
      .split('\n');
    expect(diff[0]).toBe('block,t,trained_validation_accuracy,random_validation_accuracy,difference_points');
    expect(diff).toHaveLength(3);
    const specs = await page.evaluate(() => {
      const s = window.diffprobe.state();
      return {
        trained: s.sweep!.grid.spec,
        twin: s.twinSweep!.grid.spec,
        report: s.twinSweep!.twin.twin!.report,
      };
    });
    // The same images and settings, another model.
    expect(specs.twin.data.ids).toEqual(specs.trained.data.ids);
    expect(specs.twin.model).not.toBe(specs.trained.model);
    expect(specs.report).toMatchObject({ redrawn: 162, reset: 82, kept: 1 });
  });

  await test.step('CKA between the model’s blocks and its twin’s', async () => {
    await cka.getByLabel('Compare').selectOption('models');
    await cka.getByLabel('CKA images').fill('20');
    await cka.getByRole('button', { name: 'Compute CKA' }).click();
    await expect(cka.getByText(/Done in [\d.]+ s after extraction/)).toBeVisible({ timeout: 60_000 });
    await expect(
      cka.getByRole('grid', {
        name: /between the blocks of .* \(rows\) and .*random weights \(init seed 0\) \(columns\)/,
      }),
    ).toBeVisible();
  });

  await test.step('axe finds nothing serious with the CKA heatmap and the twin’s figures; the grid works by keyboard', async () => {
    const violations = await axeViolations(page);
    expect(violations.filter(isSerious), summarise(violations)).toEqual([]);
    const grid = cka.getByRole('grid');
    const first = grid.locator('[role="gridcell"][tabindex="0"]');
    await first.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    await expect(grid.locator('[role="gridcell"]:focus')).toHaveAttribute(
      'aria-label',
      /^up1_0 at t = 10 \(.*\) × up1_0 at t = 10 \(.*random weights.*\): CKA /,
    );
    await expect(cka.locator('.matrix-readout')).toHaveText(/^up1_0 at t = 10 \(.*\) × up1_0 at t = 10/);
  });

  await test.step('the twin as a model of its own, with its report; then back to the trained model', async () => {
    await page.getByRole('button', { name: 'Random twin…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Random-weights twin' });
    await dialog.getByRole('button', { name: 'Open the twin' }).click();
    await expect(page.getByRole('status')).toContainText('random weights (init seed 0)', { timeout: 60_000 });
    await expect(dialog.getByText(/162 tensors re-drawn, 82 reset, 1 kept/)).toBeVisible();
    await expect(dialog.getByText('Kept: sinusoids (timestep table).')).toBeVisible();
    await dialog.getByRole('button', { name: /^Back to / }).click();
    await expect(page.getByRole('status')).not.toContainText('random weights', { timeout: 60_000 });
    await dialog.getByRole('button', { name: 'Close' }).click();
    // The trained model's sweep and its twin's came back with it.
    await expect(sweep.getByRole('grid', { name: /Trained minus random-weights twin/ })).toBeVisible();
  });
  console.log(`cka-twin journey: ${((Date.now() - started) / 1000).toFixed(1)} s after the app opened`);
  expect(app.consoleErrors).toEqual([]);
  expect(app.remoteRequests).toEqual([]);
});
