/**
 * A class-conditional U-Net opened bare (the adm12 fixture: ADM-style names, its class label `y`
 * an embedding of 10 rows): the page asks what its float timestep means, says what `y` is fed,
 * says why "Train probe" is disabled and offers the bundled data with one button, and warns on
 * the probe and the sweep once `y` is fed each image's own label (and Generate says why it cannot).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, openBareModel, test } from './support/app';

const ADM = readFileSync(join(import.meta.dirname, 'fixtures/models/adm12/model-with-attention.onnx'));

test('a class-conditional model: its inputs are shown and chosen, disabled actions say why', async ({
  app,
}) => {
  test.setTimeout(180_000);
  const { page } = app;
  await openBareModel(page, 'adm12.onnx', ADM);
  const choice = page.getByRole('region', { name: /What does adm12\.onnx’s timestep mean\?/ });
  await expect(choice).toBeVisible({ timeout: 90_000 });

  await test.step('the float timestep is a visible choice; applying index states it', async () => {
    await choice.getByRole('button', { name: 'Apply this convention' }).click();
    await expect(choice).toBeHidden({ timeout: 60_000 });
    await expect(page.getByTestId('conditioning')).toHaveText('Also fed: y: class 0 for every image.');
  });

  const probe = page.locator('#probe');
  await test.step('"Train probe" says why it is disabled, and one button feeds the bundled data', async () => {
    const train = probe.getByRole('button', { name: 'Train probe' });
    await expect(train).toBeDisabled();
    await expect(train).toHaveAccessibleDescription(/not fed to this model: see the note above/);
    const note = probe.getByRole('note').filter({ hasText: 'This model was not trained on the bundled' });
    await expect(note).toContainText('tick “Use the bundled Fashion-MNIST” in Images');
    await note.getByRole('button', { name: 'Use the bundled Fashion-MNIST' }).click();
    await expect(train).toBeEnabled();
    await expect(
      page.getByRole('checkbox', { name: /^Use the bundled Fashion-MNIST with this model/ }),
    ).toBeChecked();
  });

  await test.step('y fed each image’s own label: the explorer says so, the probe and sweep warn', async () => {
    await page.getByRole('button', { name: 'Model…', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Model' });
    await dialog.getByLabel('y is fed').selectOption('label');
    await dialog.getByRole('button', { name: 'Apply', exact: true }).click();
    await expect(dialog).toBeHidden({ timeout: 60_000 });
    await expect(page.getByTestId('conditioning')).toHaveText("Also fed: y: each image's own label.");
    await expect(
      probe.getByRole('note').filter({ hasText: 'The label leaks into the features.' }),
    ).toBeVisible();
    await expect(
      page.locator('#sweep').getByRole('note').filter({ hasText: 'The label leaks' }),
    ).toBeVisible();
    // Samples have no label to feed: Generate says so.
    const generate = page.getByRole('button', { name: 'Generate', exact: true });
    await expect(generate).toBeDisabled();
    await expect(generate).toHaveAccessibleDescription(
      /samples have none: choose a fixed class or the null class/,
    );
    // The explorer runs with the selected image's label.
    await page.getByRole('button', { name: /^Test image 0: / }).click();
    await expect(page.getByRole('img', { name: /channel maps of block .* at t = \d+/ })).toBeVisible({
      timeout: 60_000,
    });
  });
  expect(app.consoleErrors).toEqual([]);
});
