/**
 * The embedding view: a small t-SNE runs with its progress, plot, legend, quality readout and
 * exports; Stop keeps the layout and Resume finishes it; box selection feeds the feature maps;
 * too few points for the perplexity is explained; PCA and UMAP run on the same features; and a
 * comparison view embeds the same points for another block and t.
 */
import type { Locator } from '@playwright/test';
import { expect, openApp, test } from './support/app';
import { useBackend } from './support/backend';
import { download } from './support/download';

async function pointsAndIterations(panel: Locator, points: string, iterations: string): Promise<void> {
  await panel.getByLabel('Points', { exact: true }).fill(points);
  await panel.getByLabel('Iterations', { exact: true }).fill(iterations);
}

// One page for the whole journey: each step's features (up1_0 at t = 100) come from the cache the
// first step filled, so no step opens the app or extracts again.
test('the embedding view: t-SNE, Stop and Resume, too few points, PCA, UMAP, Compare', async ({ app }) => {
  test.setTimeout(360_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page, '?blocks=up1_0&t=100');
  const panel = page.getByRole('region', { name: 'Embedding' });

  await test.step('a t-SNE of 300 points: plot, progress, legend, quality, CSV/SVG/PNG, box selection', async () => {
    await pointsAndIterations(panel, '300', '300');
    const started = Date.now();
    await panel.getByRole('button', { name: 'Run t-SNE', exact: true }).click();
    const plot = panel.getByRole('img', { name: 't-SNE of up1_0 at t = 100: 300 points, 10 classes' });
    await expect(plot).toBeVisible({ timeout: 90_000 });
    const finished = panel.getByText(
      /t-SNE finished in [\d.]+ s: iteration 300 of 300 · KL divergence \d+\.\d{3}\./,
    );
    await expect(finished).toBeVisible({ timeout: 90_000 });
    console.log(
      `t-SNE of 300 points (extraction + 300 iterations, WASM): ${Date.now() - started} ms; ${await finished.textContent()}`,
    );

    const quality = panel.getByText(
      /10-NN accuracy: [\d.]+% in the 2-D layout, [\d.]+% in the original features/,
    );
    await expect(quality).toBeVisible();
    const [layoutAcc, featureAcc] = [...(await quality.textContent())!.matchAll(/([\d.]+)%/g)].map((m) =>
      Number(m[1]),
    );
    console.log(`10-NN accuracy: layout ${layoutAcc}%, features ${featureAcc}%`);
    expect(layoutAcc).toBeGreaterThan(20); // 10 classes: chance is 10%
    expect(featureAcc).toBeGreaterThan(20);

    // The legend's toggles hide and show a class.
    const trouser = panel.getByRole('button', { name: /^Trouser/ });
    await expect(trouser).toHaveAttribute('aria-pressed', 'true');
    await trouser.click();
    await expect(trouser).toHaveAttribute('aria-pressed', 'false');
    await expect(panel.getByRole('img', { name: /300 points, 10 classes, 1 hidden/ })).toBeVisible();
    await trouser.press('Enter');
    await expect(trouser).toHaveAttribute('aria-pressed', 'true');

    const csv = (await download(page, panel.getByRole('button', { name: 'Save CSV' })))
      .toString('utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('id,label,x,y');
    expect(csv).toHaveLength(301);
    expect(csv[1]).toMatch(/^test:0,[^,]+,-?[\d.e-]+,-?[\d.e-]+$/);
    const svg = (await download(page, panel.getByRole('button', { name: 'Save SVG' }))).toString('utf8');
    expect(svg.match(/<circle/g)?.length).toBeGreaterThan(250);
    expect(svg).toContain('Ankle boot');
    const png = await download(page, panel.getByRole('button', { name: 'Save PNG' }));
    expect(png.subarray(1, 4).toString()).toBe('PNG');

    // Hovering a point shows its image, label and 5 nearest neighbours in the features.
    await plot.scrollIntoViewIfNeeded();
    let box = (await plot.boundingBox())!;
    const tooltip = panel.getByRole('tooltip');
    for (let k = 0; k < 400 && !(await tooltip.isVisible()); k++) {
      const fx = 0.15 + 0.8 * ((k * 0.618) % 1);
      const fy = 0.05 + 0.85 * ((k * 0.382 + (k % 7) / 7) % 1);
      await page.mouse.move(box.x + fx * box.width, box.y + fy * box.height);
      await page.waitForTimeout(25);
    }
    await expect(tooltip).toBeVisible();
    await expect(
      tooltip.getByRole('list', { name: 'Nearest neighbours in the original features' }).getByRole('img'),
    ).toHaveCount(5);

    // Box selection (Select mode) shows the images and sends them to the feature maps.
    await panel.getByRole('button', { name: 'Select', exact: true }).click();
    await plot.scrollIntoViewIfNeeded();
    box = (await plot.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.02);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.6, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.99, box.y + box.height * 0.92, { steps: 5 });
    await page.mouse.up();
    const selection = panel.getByRole('region', { name: 'Selected points' });
    await expect(selection).toContainText(/\d+ points selected/);
    await selection.getByRole('button', { name: 'Show in feature maps' }).click();
    await expect(page).toHaveURL(/img=test/);
    await panel.getByRole('button', { name: 'Reset zoom', exact: true }).click();
  });

  await test.step('Stop keeps the layout and Resume continues from the same iteration', async () => {
    await pointsAndIterations(panel, '300', '4000');
    await panel.getByRole('button', { name: 'Run t-SNE', exact: true }).click();
    // Stop as soon as the layout moves, checked every frame: 300 points take well under 1 ms per
    // iteration, and t-SNE may converge by itself from iteration 550 on. The shared jobs bar shows
    // the same run meanwhile.
    await page.waitForFunction(
      () =>
        /Iteration \d+ of 4000/.test(document.querySelector('#embedding')?.textContent ?? '') &&
        document.querySelector('progress[aria-label="t-SNE of up1_0 at t = 100 (300 points)"]') !== null,
      null,
      { polling: 'raf', timeout: 90_000 },
    );
    await panel.getByRole('button', { name: 'Stop embedding', exact: true }).click();
    const stopped = panel.getByText(
      /Stopped at iteration (\d+) of 4000( · KL divergence \d+\.\d{3})?\. Resume continues from here\./,
    );
    await expect(stopped).toBeVisible();
    const stoppedAt = Number(/iteration (\d+)/.exec((await stopped.textContent())!)![1]);
    expect(stoppedAt).toBeLessThan(4000);
    await expect(panel.getByText(/10-NN accuracy/)).toBeVisible();
    await expect(panel.getByRole('img', { name: /t-SNE of up1_0 at t = 100: 300 points/ })).toBeVisible();
    await panel.getByRole('button', { name: 'Resume embedding', exact: true }).click();
    // t-SNE may converge (no KL progress for 300 iterations) before the last iteration.
    const finished = panel.getByText(/t-SNE finished in [\d.]+ s: (converged at )?iteration (\d+) of 4000/);
    await expect(finished).toBeVisible({ timeout: 100_000 });
    const finishedAt = Number(/iteration (\d+)/.exec((await finished.textContent())!)![1]);
    expect(finishedAt).toBeGreaterThan(stoppedAt);
  });

  await test.step('too few points for the perplexity: clamped with a message; PCA and UMAP run too', async () => {
    await pointsAndIterations(panel, '20', '300');
    await panel.getByLabel('Perplexity').fill('30');
    await panel.getByRole('button', { name: 'Run t-SNE', exact: true }).click();
    // The plot of 20 points first: until it shows, "finished" may still be the last step's run.
    await expect(
      panel.getByRole('img', { name: 't-SNE of up1_0 at t = 100: 20 points, 10 classes' }),
    ).toBeVisible({ timeout: 90_000 });
    await expect(panel.getByText(/t-SNE finished/)).toBeVisible({ timeout: 90_000 });
    await expect(
      panel
        .getByRole('list', { name: 'Embedding messages' })
        .getByText('Perplexity 30 is too large for 20 points; using 6.333.'),
    ).toBeVisible();
    // The same (cached) features through PCA and UMAP.
    await panel.getByLabel('Embedding method').selectOption('pca');
    await panel.getByRole('button', { name: 'Run PCA', exact: true }).click();
    await expect(panel.getByText(/^PCA finished in [\d.]+ s\.$/)).toBeVisible({ timeout: 60_000 });
    await expect(
      panel.getByText(/PCA: the two axes explain [\d.]+% and [\d.]+% of the variance/),
    ).toBeVisible();
    await panel.getByLabel('Embedding method').selectOption('umap');
    await expect(panel.getByLabel('Epochs', { exact: true })).toHaveValue('300');
    await panel.getByRole('button', { name: 'Run UMAP', exact: true }).click();
    await expect(panel.getByText(/UMAP finished in [\d.]+ s: epoch 300 of 300\./)).toBeVisible({
      timeout: 60_000,
    });
    await expect(
      panel.getByRole('img', { name: 'UMAP of up1_0 at t = 100: 20 points, 10 classes' }),
    ).toBeVisible();
  });

  await test.step('Compare: a second embedding of the same points for another block and t', async () => {
    await panel.getByLabel('Embedding method').selectOption('tsne');
    await pointsAndIterations(panel, '100', '300');
    await panel.getByRole('button', { name: 'Compare', exact: true }).click();
    await expect(panel.getByRole('button', { name: 'Compare', exact: true })).toHaveAttribute(
      'aria-pressed',
      'true',
    );
    await panel.getByLabel('Compare block').selectOption('mid');
    await panel.getByLabel('Compare t').fill('500');
    await panel.getByRole('button', { name: 'Run t-SNE', exact: true }).click();
    await expect(
      panel.getByRole('img', { name: 't-SNE of up1_0 at t = 100: 100 points, 10 classes' }),
    ).toBeVisible({
      timeout: 90_000,
    });
    const second = panel.getByRole('img', { name: 't-SNE of mid at t = 500: 100 points, 10 classes' });
    await expect(second).toBeVisible({ timeout: 90_000 });
    await expect(panel.getByText(/10-NN accuracy/)).toHaveCount(2, { timeout: 60_000 });
    // Shift-drag in the comparison selects points; the strip shows them (linked to the first view).
    await second.scrollIntoViewIfNeeded();
    const box = (await second.boundingBox())!;
    await page.keyboard.down('Shift');
    await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.02);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.99, box.y + box.height * 0.92, { steps: 6 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    await expect(panel.getByRole('region', { name: 'Selected points' })).toContainText(
      /\d+ points? selected/,
    );
    await panel.getByRole('button', { name: 'Reset zoom of the comparison' }).click();
  });
  expect(app.consoleErrors).toEqual([]);
});
