/**
 * A bare tutorial-style U-Net (conv blocks without residual additions, ConvTranspose up-sampling,
 * skip concatenations: e2e/fixtures/models/tutorial28, made by tools/export/make_e2e_model.py)
 * opened without a manifest: discovery suggests every decoder block, the diagram draws the decoder
 * in order with its skips, and Model… shows the candidates on the graph (keyboard, screenshots at
 * 1024×768 and 1920×1080, with few candidates and with the ADM-like fixture's many).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import { readModel } from '../src/core/onnx/reader';
import { encoderOnly } from '../src/core/onnx/test-models';
import { expect, openApp, test } from './support/app';
import { axeViolations } from './support/axe';
import { useBackend } from './support/backend';

const FIXTURES = join(import.meta.dirname, 'fixtures/models');
const tutorial = readFileSync(join(FIXTURES, 'tutorial28/model.onnx'));
const adm = readFileSync(join(FIXTURES, 'adm12/model-with-attention.onnx'));

async function openBare(page: Page, name: string, buffer: Buffer) {
  await page
    .getByLabel('Open model…')
    .setInputFiles([{ name, mimeType: 'application/octet-stream', buffer }]);
  await expect(page.getByRole('status')).toContainText(new RegExp(`WASM.*${name.replace('.onnx', '')}`), {
    timeout: 90_000,
  });
}

async function shoot(page: Page, info: TestInfo, name: string) {
  const path = info.outputPath(`${name}.png`);
  await page.screenshot({ path });
  await info.attach(name, { path, contentType: 'image/png' });
}

/** The graph's facts the rule is about, read from the ONNX itself. */
function tutorialGraph() {
  const graph = readModel(new Uint8Array(tutorial));
  const producer = new Map(graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  // The tensor entering each up-sampling module (/up1, /up2, /up3): what its nodes take from outside it.
  const entering = ['/up1/', '/up2/', '/up3/'].map((prefix) => {
    const inside = graph.nodes.filter((n) => n.name.startsWith(prefix));
    const from = inside.flatMap((n) =>
      n.inputs.filter((i) => producer.has(i) && !producer.get(i)!.name.startsWith(prefix)),
    );
    expect(new Set(from).size, prefix).toBe(1);
    return from[0];
  });
  const head = graph.nodes.find((n) => n.outputs.includes('eps'))!;
  return { producer, entering, lastBlock: head.inputs[0] };
}

test('a bare tutorial-style U-Net: every decoder block is suggested, drawn in order, and shown on the graph', async ({
  app,
}, info) => {
  test.setTimeout(180_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  await page.setViewportSize({ width: 1024, height: 768 });
  await openApp(page);
  await openBare(page, 'tutorial-ddpm.onnx', tutorial);

  await test.step('the suggested set: the tensor entering every up-sampling op and the last block’s output', async () => {
    const { producer, entering, lastBlock } = tutorialGraph();
    const model = await page.evaluate(() => window.diffprobe.state().model!);
    const suggested = model.discovery!.candidates.filter((c) => c.preselected);
    const outputs = suggested.map((c) => c.output);
    for (const t of [...entering, lastBlock]) expect(outputs).toContain(t);
    // No suggested decoder tensor is an up-sampling op's own output (a block follows each one here).
    for (const c of suggested.filter((s) => s.stage === 'up'))
      expect(['ConvTranspose', 'Resize'], c.name).not.toContain(producer.get(c.output)!.opType);
    expect(model.manifest.blocks.map((b) => b.output)).toEqual(outputs);
    expect(model.discovery!.blockNotes).toEqual([]);
  });

  await test.step('the diagram: the decoder on the right, in order upwards, with its three skips', async () => {
    const box = async (name: string) =>
      (await page.getByRole('button', { name, exact: true }).boundingBox())!;
    const [b3, b4, b5, out] = await Promise.all(
      ['/b3/b3.1/Mul_1', '/b4/b4.1/Mul_1', '/b5/b5.1/Mul_1', '/b_out/b_out.1/Mul_1'].map(box),
    );
    expect(b4.x).toBeGreaterThan(b3.x);
    expect(b4.y).toBe(b3.y); // same band: 7×7
    expect(b5.y).toBeLessThan(b4.y);
    expect(out.y).toBeLessThan(b5.y);
    await expect(page.locator('[data-part="unet"] path.unet-skip')).toHaveCount(3);
    await page.locator('[data-part="unet"]').scrollIntoViewIfNeeded();
    await shoot(page, info, 'diagram 1024×768');
  });

  await test.step('Model…: the candidates on the graph, by keyboard', async () => {
    await page.getByRole('button', { name: 'Model…', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Model' });
    await dialog.getByLabel('On the graph').check();
    const graph = dialog.getByRole('region', { name: 'Candidates on the graph' });
    await expect(graph).toBeVisible();
    // b4's row: the ops before it end with its SiLU, and the op after it is the ConvTranspose.
    const b4 = graph.locator('.cg-tensor', { has: page.getByLabel('Use block /b4/b4.1/Mul_1') });
    await expect(b4).toContainText('→ ConvTranspose');
    await expect(b4).toContainText('7×7×16 · up 2 · suggested');
    await expect(graph.locator('.cg-skip')).toHaveCount(3);
    await shoot(page, info, 'graph tutorial 1024×768');
    await b4.scrollIntoViewIfNeeded();
    await shoot(page, info, 'graph tutorial decoder 1024×768');

    const first = graph.getByRole('checkbox').first();
    await first.focus();
    await page.keyboard.press('ArrowDown');
    const second = graph.getByRole('checkbox').nth(1);
    await expect(second).toBeFocused();
    const before = await second.isChecked();
    await page.keyboard.press('Space');
    await expect(second).toBeChecked({ checked: !before });
    await page.keyboard.press('Space');
    const serious = (await axeViolations(page)).filter(
      (v) => v.impact === 'serious' || v.impact === 'critical',
    );
    expect(serious).toEqual([]);
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  await test.step('an encoder without a decoder: the app says so', async () => {
    await openBare(page, 'encoder-only.onnx', Buffer.from(encoderOnly()));
    await expect(page.getByRole('note').filter({ hasText: 'The blocks of encoder-only.onnx' })).toContainText(
      'No decoder: after the lowest resolution (4×4) no block follows the up-sampling',
    );
  });

  await test.step('many candidates: the ADM-like fixture at 1024×768 and 1920×1080', async () => {
    await openBare(page, 'adm12.onnx', adm);
    const n = await page.evaluate(() => window.diffprobe.state().model!.discovery!.candidates.length);
    expect(n).toBeGreaterThanOrEqual(10);
    await page.getByRole('button', { name: 'Model…', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Model' });
    await dialog.getByLabel('On the graph').check();
    const graph = dialog.getByRole('region', { name: 'Candidates on the graph' });
    await expect(graph.locator('.cg-tensor')).toHaveCount(n);
    await shoot(page, info, 'graph adm12 1024×768');
    await page.setViewportSize({ width: 1920, height: 1080 });
    await shoot(page, info, 'graph adm12 1920×1080');
    await dialog.getByLabel('As a table').check();
    await shoot(page, info, 'table adm12 1920×1080');
    // Nothing in the dialog sticks out sideways.
    const sideways = await dialog.evaluate((d) => d.scrollWidth - d.clientWidth);
    expect(sideways).toBeLessThanOrEqual(1);
  });
  expect(app.consoleErrors).toEqual([]);
});
