/**
 * Accessibility, layout and results in words, on one page (the t-SNE, probe and sweep are computed
 * once for all of it): axe-core finds nothing serious on the loaded page nor after a t-SNE, a probe
 * and a sweep have run; every canvas says what it shows; the heatmap is a keyboard grid whose cells
 * open in the explorer; the probe and the sweep each end in one sentence that sets them against raw
 * pixels and the shallowest block; "Copy link" copies the view's URL.
 *
 * The layout from 1024 to 2560 px wide: no sideways scrolling, and no field, button or chart that
 * sticks out of its panel — with the explorer alone, and with a t-SNE map, a probe and a sweep on
 * the page. The screenshots at the four sizes are this test's artifacts (test-results/…).
 */
import type { Page, TestInfo } from '@playwright/test';
import { expect, openApp, test } from './support/app';
import { axeViolations, isSerious, summarise } from './support/axe';
import { useBackend } from './support/backend';
import { layoutProblems } from './support/layout';

const SIZES = [
  { width: 1024, height: 768 },
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
  { width: 2560, height: 1440 },
] as const;
/** Where the accessibility checks run. */
const A11Y_SIZE = { width: 1280, height: 800 };

/** The layout at every size: with results, the charts fill their columns and a screenshot is kept. */
async function expectLayoutFits(page: Page, info: TestInfo, withResults: boolean): Promise<void> {
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await page.waitForTimeout(withResults ? 400 : 300);
    const what = withResults ? 'with results' : 'explorer only';
    expect(await layoutProblems(page), `${size.width}×${size.height}, ${what}`).toEqual([]);
    if (!withResults) continue;
    // The charts grow with their panels: the t-SNE map and the heatmap use most of their column.
    const plot = await page.locator('.embedding-plot').first().boundingBox();
    const column = await page.locator('#embedding .analysis-figures').boundingBox();
    expect(plot!.width / column!.width).toBeGreaterThan(size.width >= 1920 ? 0.55 : 0.75);
    const path = info.outputPath(`layout-${size.width}x${size.height}.png`);
    await page.screenshot({ path, fullPage: true });
    await info.attach(`layout ${size.width}×${size.height}`, { path, contentType: 'image/png' });
  }
  await page.setViewportSize(A11Y_SIZE);
}

test('axe and the layout at 1024–2560 px before and after results; keyboard heatmap; findings; copy link', async ({
  app,
  context,
  baseURL,
}, info) => {
  test.setTimeout(480_000);
  const { page } = app;
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await useBackend(page, 'wasm');
  await page.setViewportSize(A11Y_SIZE);
  await openApp(page, '?img=test:3&block=up1_0&t=25');
  await expect(
    page.getByRole('img', { name: /64 channel maps of block up1_0 at t = 25, for test image 3 \(/ }),
  ).toBeVisible();

  const loaded = await axeViolations(page);
  console.log(`axe on the loaded page: ${summarise(loaded)}`);
  expect(loaded.filter(isSerious), summarise(loaded)).toEqual([]);

  // Every canvas is either named (role img) or decorative inside a named control.
  const unnamed = await page.evaluate(() =>
    [...document.querySelectorAll('canvas')]
      .filter((c) => c.getAttribute('aria-hidden') !== 'true')
      .filter((c) => c.getAttribute('role') !== 'img' || !c.getAttribute('aria-label')?.trim())
      .map((c) => c.outerHTML.slice(0, 120)),
  );
  expect(unnamed).toEqual([]);
  await expect(
    page.getByRole('img', { name: /^Noisy image x_t: test image 3 \(.+\) at t = 25 \(ε from seed 0\)$/ }),
  ).toBeVisible();

  // Copy link: the URL that reopens this view.
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByText('Link copied')).toBeVisible();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(`${baseURL}/?img=test%3A3&t=25`);

  await expectLayoutFits(page, info, false);

  // A t-SNE, a probe and a sweep, small.
  await page.getByLabel('Points', { exact: true }).fill('200');
  await page.getByLabel('Iterations', { exact: true }).fill('250');
  await page.getByRole('button', { name: 'Run t-SNE' }).click();
  await expect(page.getByText(/10-NN accuracy: [\d.]+% in the 2-D layout/).first()).toBeVisible({
    timeout: 120_000,
  });
  await page.getByLabel('Training images', { exact: true }).fill('200');
  await page.getByLabel('Test images', { exact: true }).fill('100');
  await page.getByRole('button', { name: 'Train probe' }).click();
  const probeFinding = page.locator('#probe .finding');
  await expect(probeFinding).toHaveText(
    /^up1_0 at t = 25 classifies [\d.]+% of 100 test images correctly: [\d.]+ points (above|below) raw pixels of the same images \([\d.]+%\) and [\d.]+ points (above|below) the shallowest block, down0_0, at the same t \([\d.]+%\)\.$/,
    { timeout: 180_000 },
  );
  console.log(`probe: ${await probeFinding.textContent()}`);
  await page.getByText('Confusion matrix as a table').click();
  await expect(page.getByRole('table', { name: /true class \(rows\)/ }).getByRole('row')).toHaveCount(11);
  // Closed again: the layout after results is checked as the page opens them.
  await page.getByText('Confusion matrix as a table').click();
  await expect(page.getByRole('table', { name: /true class \(rows\)/ })).toBeHidden();

  await page.getByLabel('Sweep blocks').selectOption('all');
  await page.getByLabel('Sweep timesteps').fill('25, 250');
  await page.getByLabel('Sweep training images').fill('200');
  await page.getByLabel('Sweep test images').fill('100');
  await expect(page.getByRole('button', { name: 'Run sweep' })).toBeEnabled({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Run sweep' }).click();
  const sweepFinding = page.locator('#sweep .finding');
  await expect(sweepFinding).toHaveText(
    /^Of 16 blocks × 2 timesteps, \S+ at t = (25|250) is best on the validation images \([\d.]+%\); on 100 test images it scores [\d.]+%: [\d.]+ points (above|below) raw pixels of the same images \([\d.]+%\)( and [\d.]+ points (above|below) the shallowest block, down0_0, at t = \d+ \([\d.]+%\))?\.$/,
    { timeout: 240_000 },
  );
  console.log(`sweep: ${await sweepFinding.textContent()}`);
  await expect(page.getByText('Done.')).toBeVisible();

  const after = await axeViolations(page);
  console.log(`axe after t-SNE, probe and sweep: ${summarise(after)}`);
  expect(after.filter(isSerious), summarise(after)).toEqual([]);

  await expectLayoutFits(page, info, true);

  // The heatmap from the keyboard: one Tab stop on the chosen cell, arrows move, Enter opens.
  const grid = page.getByRole('grid', { name: /Sweep heatmap of validation accuracy/ });
  const cell = grid.locator('[role="gridcell"][tabindex="0"]');
  await expect(cell).toHaveAttribute('aria-label', /\(the chosen cell\)$/);
  await cell.focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowUp');
  for (let i = 0; i < 20; i++) await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowDown');
  const focused = page.locator('[role="gridcell"]:focus');
  await expect(focused).toHaveAttribute('aria-label', /^down0_1, t = 25: [\d.]+% validation accuracy/);
  await page.keyboard.press('End');
  await expect(focused).toHaveAttribute('aria-label', /^down0_1, t = 250: /);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/t=250/);
  await expect(page.getByLabel('Timestep', { exact: true })).toHaveValue('250');
  await expect(page.getByRole('button', { name: 'down0_1', exact: true })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await expect(page.getByRole('img', { name: /32 channel maps of block down0_1 at t = 250/ })).toBeVisible();
  // And by mouse.
  await grid.getByRole('gridcell', { name: /^mid, t = 25: / }).click();
  await expect(page.getByRole('img', { name: /64 channel maps of block mid at t = 25/ })).toBeVisible();
  expect(app.consoleErrors).toEqual([]);
});
