/**
 * Representational similarity and the random-weights control in the browser, on the smallest
 * counts that still exercise them: a CKA heatmap (values on hover and by keyboard, a table, the
 * JSON export with its spec); the default model's random-weights twin swept beside it, with
 * "trained − random" per cell; axe on both; the twin opened as a model of its own, and back. CKA
 * between two models runs the same pipeline (src/pipeline/cka-run.test.ts, 'model × model'; the
 * CLI's --versus random-weights in src/cli/cka.test.ts). What needs no browser — the CKA values against NumPy, the exports' contents,
 * the heatmap's layout and SVG, the arrow keys, the difference table, the twin's weights, the CLI —
 * is tested in vitest (src/pipeline/cka-run.test.ts, src/ui/matrix-heatmap.test.ts,
 * src/features/twin/difference.test.ts, src/core/twin/random-twin.test.ts, src/cli/cka.test.ts).
 */
import { expect, openApp, test } from './support/app';
import { axeViolations, isSerious, summarise } from './support/axe';
import { useBackend } from './support/backend';
import { processTreeCpuSeconds } from './support/cpu';
import { download } from './support/download';

test('a CKA heatmap; the random twin swept beside the trained model, opened and back', async ({ app }) => {
  test.setTimeout(300_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  // Wall and CPU seconds (the browser's, from /proc: what CI pays, whatever else runs here).
  const cpu0 = processTreeCpuSeconds();
  const started = Date.now();
  const lap = (what: string) => {
    const cpu = processTreeCpuSeconds();
    const used = cpu === null || cpu0 === null ? '' : `, ${(cpu - cpu0).toFixed(1)} CPU s`;
    console.log(`cka-twin: ${what} at ${((Date.now() - started) / 1000).toFixed(1)} s${used}`);
  };
  await openApp(page, '?block=mid&block=up1_0');
  lap('the app open');
  const cka = page.locator('#cka');
  const sweep = page.locator('#sweep');

  await test.step('a CKA heatmap: values on hover, a table, the JSON export with its spec', async () => {
    await cka.getByLabel('CKA blocks').selectOption('selected');
    await cka.getByLabel('CKA timestep').fill('10');
    await cka.getByLabel('CKA images').fill('10');
    await cka.getByRole('button', { name: 'Compute CKA' }).click();
    await expect(cka.getByText(/Done in [\d.]+ s after extraction/)).toBeVisible({ timeout: 60_000 });
    const heatmap = cka.getByRole('grid', {
      name: /Heatmap: linear CKA between blocks at t = 10 \(global average pooling, 10 images\)/,
    });
    // A representation is identical to itself.
    await expect(
      heatmap.getByRole('gridcell', { name: 'mid at t = 10 × mid at t = 10: CKA 1.0000' }),
    ).toBeVisible();
    // One Tab stop; the arrow keys move between cells and the readout follows.
    await heatmap.locator('[role="gridcell"][tabindex="0"]').focus();
    await page.keyboard.press('ArrowDown');
    await expect(heatmap.locator('[role="gridcell"]:focus')).toHaveAttribute(
      'aria-label',
      /^up1_0 at t = 10 × mid at t = 10: CKA 0\.\d{4}$/,
    );
    await expect(cka.locator('.matrix-readout')).toHaveText(/^up1_0 at t = 10 × mid at t = 10/);
    // The value under the pointer is read out.
    const pair = /^mid at t = 10 × up1_0 at t = 10: CKA 0\.\d{4}$/;
    await heatmap.getByRole('gridcell', { name: pair }).hover();
    await expect(cka.locator('.matrix-readout')).toHaveText(pair);
    const json = JSON.parse(
      (await download(page, cka.getByRole('button', { name: 'CKA JSON' }))).toString('utf8'),
    );
    expect(json).toMatchObject({ format: 'diffprobe-cka', status: 'done', rows: ['mid', 'up1_0'] });
    expect(json.spec).toMatchObject({ view: 'blocks', estimator: 'biased', features: 'pooled', seed: 0 });
    expect(json.spec.images.ids).toHaveLength(10);
    const [modelId] = Object.keys(json.spec.models);
    expect(json.spec.models[modelId].sha256).toMatch(/^[0-9a-f]{64}$/);
    await cka.getByText('CKA values as a table').click();
    await expect(cka.getByRole('table')).toContainText('1.0000');
    lap('CKA heatmap');
  });

  await test.step('a random twin swept beside the trained model: trained − random per cell', async () => {
    await sweep.getByLabel('Sweep blocks').selectOption('selected');
    await sweep.getByLabel('Sweep timesteps').fill('10');
    await sweep.getByLabel('Sweep training images').fill('40');
    await sweep.getByLabel('Sweep test images').fill('10');
    await sweep.getByLabel(/Then sweep its random-weights twin/).check();
    await sweep.getByRole('button', { name: 'Run sweep' }).click();
    await expect(sweep.getByText('The twin’s sweep is done (same images, split and settings).')).toBeVisible({
      timeout: 90_000,
    });
    await expect(sweep.getByRole('grid', { name: /Trained minus random-weights twin/ })).toBeVisible();
    await expect(
      sweep.getByText(/Training adds the most at (mid|up1_0), t = 10: [+-]?\d+\.\d points/),
    ).toBeVisible();
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
    // Nothing serious in the CKA panel (heatmap, table) and the sweep's twin figures.
    const violations = await axeViolations(page, ['#cka', '#sweep']);
    expect(violations.filter(isSerious), summarise(violations)).toEqual([]);
    lap('twin swept');
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
    lap('twin opened and back');
  });
  expect(app.consoleErrors).toEqual([]);
  expect(app.remoteRequests).toEqual([]);
});
