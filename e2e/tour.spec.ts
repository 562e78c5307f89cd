/**
 * The guided tour on WASM: every step by Next / the arrow keys, each one's card beside the part of
 * the page it is about, the heavy steps' results arriving (timed: each must take well under a
 * minute), Back, Esc; and presenter mode at 1920×1080.
 */
import { expect, openApp, test } from './support/app';
import { axeViolations, isSerious, summarise } from './support/axe';
import { useBackend } from './support/backend';
import { layoutProblems } from './support/layout';

const STEPS = [
  { title: 'What noise does at t', target: '[data-part="triptych"]' },
  { title: 'What a block sees', target: '#feature-maps .featuremaps-main' },
  { title: 'Encoder vs decoder', target: '#feature-maps' },
  { title: 'Pooling: one vector per image', target: '[data-part="pooling"]' },
  { title: 't-SNE of a shallow block (down0_0)', target: '[data-part="embedding-main"]' },
  { title: 't-SNE of a mid-decoder block (up1_0)', target: '[data-part="embedding-compare"]' },
  { title: 'A linear probe', target: '#probe' },
  { title: 'The sweep: where the information lives', target: '#sweep' },
];

test('the tour walks through the experiment, step by step', async ({ app }, info) => {
  test.setTimeout(480_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  await page.setViewportSize({ width: 1440, height: 900 });
  await openApp(page);
  await page.getByRole('button', { name: 'Tour' }).click();
  const card = page.getByRole('complementary', { name: /./ }).filter({ hasText: 'Tour · step' });
  const times: string[] = [];
  const started = Date.now();
  for (const [i, step] of STEPS.entries()) {
    const t0 = Date.now();
    await expect(card.getByText(`Tour · step ${i + 1} of ${STEPS.length}`)).toBeVisible();
    await expect(card.getByRole('heading', { name: step.title })).toBeVisible();
    // The step's own results, as the card says them.
    if (i === 0) {
      await expect(page).toHaveURL(/t=200/);
      await expect(card).toContainText(/At t = 200, √ᾱt = 0\.\d\d/);
    }
    if (i === 2)
      await expect(
        page.getByRole('img', { name: /channel maps of block up1_0 at t = 25 \(comparison\)/ }),
      ).toBeVisible();
    if (i === 4)
      await expect(card).toContainText(/10-NN accuracy: [\d.]+% in the 2-D layout/, { timeout: 120_000 });
    if (i === 5)
      await expect(card).toContainText(/10-NN accuracy: [\d.]+% in the 2-D layout/, { timeout: 120_000 });
    if (i === 6)
      await expect(card).toContainText(
        /up1_0 at t = 25 classifies [\d.]+% of \d+ test images correctly: [\d.]+ points (above|below) raw pixels/,
        {
          timeout: 120_000,
        },
      );
    if (i === 7)
      await expect(card).toContainText(/Of 16 blocks × 2 timesteps, \S+ at t = \d+ is best/, {
        timeout: 120_000,
      });
    // The card stands beside its target: to its right, overlapping it vertically when it can.
    const target = await page.locator(step.target).first().boundingBox();
    const box = await card.boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(target!.x + target!.width - 1);
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    times.push(`${i + 1}: ${seconds} s`);
    if (i === 4 || i === 7) {
      const path = info.outputPath(`tour-step-${i + 1}.png`);
      await page.screenshot({ path });
      await info.attach(`tour step ${i + 1}`, { path, contentType: 'image/png' });
    }
    // Next by button on even steps, by the arrow key on odd ones.
    if (i < STEPS.length - 1) {
      if (i % 2 === 0) await card.getByRole('button', { name: 'Next →' }).click();
      else await page.keyboard.press('ArrowRight');
    }
  }
  console.log(
    `tour on WASM: ${((Date.now() - started) / 1000).toFixed(0)} s in all; per step ${times.join(', ')}`,
  );
  // Results on screen after the tour: nothing serious for axe.
  const violations = await axeViolations(page);
  expect(violations.filter(isSerious), summarise(violations)).toEqual([]);
  // Back goes one step back (←), Esc ends the tour and keeps its state.
  await page.keyboard.press('ArrowLeft');
  await expect(card.getByText(`Tour · step 7 of ${STEPS.length}`)).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(card).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Probe results' })).toBeVisible();
  expect(app.consoleErrors).toEqual([]);
});

test('presenter mode at 1920×1080: large type, large thumbnails, only what the step needs', async ({
  app,
}, info) => {
  const { page } = app;
  await useBackend(page, 'wasm');
  await page.setViewportSize({ width: 1920, height: 1080 });
  await openApp(page);
  const bodyPx = async (sel: string) =>
    Number.parseFloat(
      await page
        .locator(sel)
        .first()
        .evaluate((el) => getComputedStyle(el).fontSize),
    );
  const normal = await bodyPx('.panel-body');
  await page.getByRole('button', { name: 'Presenter mode' }).click();
  await expect(page.getByRole('button', { name: 'Presenter mode' })).toHaveAttribute('aria-pressed', 'true');
  expect(await bodyPx('.panel-body')).toBeGreaterThanOrEqual(normal * 1.3);
  await expect(page.getByLabel('Backend')).toBeHidden();
  await expect(page.getByRole('button', { name: 'Generate' })).toBeHidden();
  await page.getByRole('button', { name: 'Tour' }).click();
  const card = page.locator('.tour-card');
  await expect(card).toContainText('Tour · step 1 of 8');
  // Step 1 needs the timestep and the three images; the rest of the page is out of the way.
  await expect(page.getByLabel('Timestep', { exact: true })).toBeVisible();
  await expect(page.getByRole('img', { name: /^Noisy image x_t/ })).toBeVisible();
  for (const hidden of [
    '#images',
    '#embedding',
    '#probe',
    '#sweep',
    '[data-part="unet"]',
    '[data-part="tiles"]',
  ])
    await expect(page.locator(hidden).first()).toBeHidden();
  const thumb = await page.getByRole('img', { name: /^Noisy image x_t/ }).boundingBox();
  expect(thumb!.width).toBeGreaterThanOrEqual(120);
  expect(await bodyPx('.tour-body')).toBeGreaterThanOrEqual(24);
  expect(await layoutProblems(page)).toEqual([]);
  const path = info.outputPath('presenter-1920x1080.png');
  await page.screenshot({ path });
  await info.attach('presenter 1920×1080', { path, contentType: 'image/png' });
  await page.keyboard.press('ArrowRight');
  await expect(card).toContainText('Tour · step 2 of 8');
  await expect(page.locator('[data-part="unet"]')).toBeVisible();
  await expect(page.locator('#feature-maps [data-part="tiles"]').first()).toBeVisible();
  await expect(page.locator('[data-part="triptych"]')).toBeHidden();
  const violations = await axeViolations(page);
  expect(violations.filter(isSerious), summarise(violations)).toEqual([]);
  await page.keyboard.press('Escape');
  await expect(card).toHaveCount(0);
  expect(app.consoleErrors).toEqual([]);
});
