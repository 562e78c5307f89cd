/**
 * Bring your own U-Net: a third-party-style model (RGB 32×32, diffusers-like names, int64
 * timesteps, v-prediction) opened as a bare .onnx, with no manifest. Its blocks are found, its
 * features match PyTorch, every view runs on it, and switching models back and forth keeps every
 * view working. Then the bad models: each gets a clear message and the loaded model stays usable.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { readNpy } from '../src/core/npy';
import { maxAbsDiff } from '../src/testing/fixtures';
import { expect, openApp, test } from './support/app';
import { decodeFloat32, useBackend } from './support/backend';
import * as odd from './support/odd-models';

const DIR = join(import.meta.dirname, 'fixtures/models/rgb32');
const reference = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8'));
const npy = (file: string) => readNpy(new Uint8Array(readFileSync(join(DIR, file))));
const onnx = readFileSync(join(DIR, 'model.onnx'));
const MODEL_FILE = 'tiny-diffusers-rgb32.onnx';
const file = (name: string, buffer: Buffer) => ({ name, mimeType: 'application/octet-stream', buffer });

async function openModelFile(page: Page, name: string, buffer: Buffer) {
  await page.getByLabel('Open model…').setInputFiles([file(name, buffer)]);
}

async function dismissAll(page: Page) {
  for (const b of await page.getByRole('button', { name: /^Dismiss: / }).all()) await b.click();
}

/** The explorer's feature maps for the selected block are drawn (not stuck on "Running"). */
async function expectFeatureMaps(page: Page) {
  await expect(page.getByRole('img', { name: /channel maps of block .* at t = \d+/ })).toBeVisible({
    timeout: 60_000,
  });
}

test('a bare ONNX U-Net opens, matches PyTorch, runs every view, and survives model switches', async ({
  app,
}) => {
  test.setTimeout(600_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page);

  await test.step('open the .onnx alone: inputs and blocks are found', async () => {
    await openModelFile(page, MODEL_FILE, onnx);
    await expect(page.getByRole('status')).toContainText(/WASM.*tiny-diffusers-rgb32/, { timeout: 90_000 });
    const model = await page.evaluate(() => window.diffprobe.state().model);
    expect(model?.origin).toBe('discovered');
    expect(model?.manifest.input).toMatchObject({ name: 'sample', channels: 3, height: 32, width: 32 });
    expect(model?.manifest.timestep).toMatchObject({ name: 'timestep', dtype: 'int64' });
    const names = model!.discovery!.candidates.map((c) => c.name);
    for (const m of reference.modules) expect(names).toContain(m.node);
    const pre = model!.discovery!.candidates.filter((c) => c.preselected);
    console.log(
      `rgb32: ${names.length} candidate blocks, ${pre.length} preselected, opened in ${model!.loadMs} ms`,
      model!.timings,
    );
    expect(model!.manifest.blocks.map((b) => b.name)).toEqual(pre.map((c) => c.name));
    // The view moved to a block this model has, and the diagram shows it selected.
    const view = await page.evaluate(() => window.diffprobe.state().view);
    expect(names).toContain(view.blocks[0]);
    await expect(page.getByRole('button', { name: view.blocks[0], exact: true })).toHaveAttribute(
      'aria-pressed',
      'true',
    );
  });

  await test.step('Model…: pick the reference blocks and say it predicts v', async () => {
    await page.getByRole('button', { name: 'Model…', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Model' });
    for (const m of reference.modules) await dialog.getByLabel(`Use block ${m.node}`).check();
    await dialog.getByLabel('The network predicts').selectOption('v_prediction');
    await dialog.getByRole('button', { name: 'Apply' }).click();
    await expect(dialog).toBeHidden({ timeout: 60_000 });
    const manifest = await page.evaluate(() => window.diffprobe.state().model!.manifest);
    expect(manifest.prediction.type).toBe('v_prediction');
    for (const m of reference.modules) expect(manifest.blocks.map((b) => b.name)).toContain(m.node);
  });

  await test.step('features match PyTorch within 1e-4 (WASM)', async () => {
    const x0 = npy(reference.files.x0);
    const xt = npy(reference.files.x_t);
    const per = x0.data.length / x0.shape[0];
    let worst = 0;
    const rows: string[] = [];
    for (const c of reference.cases) {
      const out = await page.evaluate(
        async ({ x0, t, seed, blocks }) => {
          const r = await window.diffprobe.run('forward', { x0: new Float32Array(x0), t, seed, blocks });
          const enc = window.toBase64;
          return {
            xt: enc(r.xt),
            maps: Object.fromEntries(Object.entries(r.maps).map(([n, m]) => [n, enc(m.data)])),
          };
        },
        {
          x0: Array.from(x0.data.subarray(c.index * per, (c.index + 1) * per) as Float32Array),
          t: c.t,
          seed: reference.seed,
          blocks: reference.modules.map((m: { node: string }) => m.node),
        },
      );
      expect(
        maxAbsDiff(
          decodeFloat32(out.xt),
          xt.data.subarray(c.index * per, (c.index + 1) * per) as Float32Array,
        ),
      ).toBeLessThanOrEqual(1e-6);
      for (const m of reference.modules) {
        const want = npy(m.file);
        const n = want.data.length / want.shape[0];
        const err = maxAbsDiff(
          decodeFloat32(out.maps[m.node]),
          want.data.subarray(c.index * n, (c.index + 1) * n) as Float32Array,
        );
        worst = Math.max(worst, err);
        rows.push(`case ${c.index} ${m.module}: ${err.toExponential(2)}`);
      }
    }
    console.log(`rgb32 parity vs PyTorch (WASM):\n${rows.join('\n')}\nworst ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(1e-4);
  });

  await test.step('the bundled data is offered as an explicit, labelled choice', async () => {
    const choice = page.getByLabel(/Use the bundled Fashion-MNIST with this model/);
    await expect(choice).not.toBeChecked();
    await expect(page.getByText(/resized to 32×32/).first()).toBeVisible();
    await choice.check();
    // The test split's image 0, fed to this RGB model, is the reference's x0 (resize + repeat).
    await expect(page.getByRole('button', { name: /^Test image 0: / })).toBeVisible();
  });

  await test.step('feature maps', async () => {
    await page.getByRole('button', { name: reference.modules[2].node, exact: true }).click();
    await expectFeatureMaps(page);
  });

  await test.step('probe', async () => {
    await page.getByLabel('Training images', { exact: true }).fill('200');
    await page.getByLabel('Test images', { exact: true }).fill('100');
    await page.getByRole('button', { name: 'Train probe' }).click();
    await expect(page.getByRole('img', { name: /Confusion matrix/ })).toBeVisible({ timeout: 180_000 });
  });

  await test.step('t-SNE', async () => {
    const panel = page.getByRole('region', { name: 'Embedding' });
    await panel.getByLabel('Embedding method').selectOption('tsne');
    await panel.getByLabel('Points', { exact: true }).fill('200');
    await panel.getByLabel('Iterations', { exact: true }).fill('300');
    await panel.getByRole('button', { name: 'Run t-SNE', exact: true }).click();
    await expect(panel.getByRole('img', { name: /^t-SNE of .*: 200 points, 10 classes/ })).toBeVisible({
      timeout: 180_000,
    });
  });

  await test.step('a small sweep', async () => {
    await page.getByLabel('Sweep blocks').selectOption('selected');
    await page.getByLabel('Sweep timesteps').fill('0, 100');
    await page.getByLabel('Sweep training images').fill('100');
    await page.getByLabel('Sweep test images').fill('50');
    await page.getByRole('button', { name: 'Run sweep' }).click();
    const heatmap = page.getByRole('grid', { name: /Sweep heatmap of validation accuracy; best:/ });
    await expect(heatmap).toBeVisible({ timeout: 240_000 });
    // Finished before the models switch (a model change during a sweep asks first: sweep.spec.ts).
    await expect(page.getByText('Done.')).toBeVisible({ timeout: 240_000 });
  });

  await test.step('back to the default model, then this one again, then back: every view works', async () => {
    for (const round of [1, 2]) {
      await page.getByRole('button', { name: 'Default model' }).click();
      await expect(page.getByRole('status')).toContainText(/WASM.*Fashion-MNIST/, { timeout: 90_000 });
      await expect(page.getByRole('button', { name: 'up1_0', exact: true })).toHaveAttribute(
        'aria-pressed',
        'true',
      );
      await expectFeatureMaps(page);
      await openModelFile(page, MODEL_FILE, onnx);
      await expect(page.getByRole('status')).toContainText(/WASM.*tiny-diffusers-rgb32/, { timeout: 90_000 });
      await expectFeatureMaps(page);
      const notices = await page.evaluate(() => window.diffprobe.state().notices.map((n) => n.title));
      expect(new Set(notices).size, `round ${round}: each notice once (${notices})`).toBe(notices.length);
    }
  });
  expect(app.consoleErrors).toEqual([]);
});

test('bad models without a manifest: a clear message naming the file, and the loaded model stays', async ({
  app,
}) => {
  test.setTimeout(300_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page);
  const stillDefault = async () => {
    await expect(page.getByRole('status')).toContainText(/WASM.*Fashion-MNIST/);
    await expect(page.getByRole('button', { name: 'mid', exact: true })).toBeVisible();
  };
  const expectAlert = async (name: string, ...texts: (string | RegExp)[]) => {
    const alert = page.getByRole('alert').filter({ hasText: name });
    for (const t of texts) await expect(alert).toContainText(t, { timeout: 60_000 });
    await stillDefault();
    await dismissAll(page);
  };

  await test.step('a file that is not ONNX (a PNG renamed)', async () => {
    const png = readFileSync(join(import.meta.dirname, '../docs/img/screenshot.png'));
    await openModelFile(page, 'picture.onnx', png);
    await expectAlert('picture.onnx', 'not an ONNX model');
  });
  await test.step('a truncated ONNX', async () => {
    await openModelFile(page, 'cut.onnx', onnx.subarray(0, onnx.length >> 1));
    await expectAlert('cut.onnx', 'truncated');
  });
  await test.step('an ONNX with no 4-D float input', async () => {
    await openModelFile(page, 'flat.onnx', odd.noImageInput());
    await expectAlert('flat.onnx', '4-D float input');
  });
  await test.step('a timestep of rank 3: the shapes that work are named', async () => {
    await openModelFile(page, 'rank3.onnx', odd.rank3Timestep());
    await expectAlert('rank3.onnx', 'the timestep input "t" has rank 3', '[N, 1] or [N, 1, 1, 1]');
  });
  await test.step('a graph too large for memory', async () => {
    await openModelFile(page, 'huge.onnx', odd.hugeActivation());
    await expectAlert('huge.onnx', 'Ran out of memory');
  });
  await test.step('two candidate image inputs: the app asks which', async () => {
    await openModelFile(page, 'two.onnx', odd.twoImageInputs());
    const dialog = page.getByRole('dialog', { name: 'Which input is the image?' });
    await expect(dialog).toBeVisible({ timeout: 60_000 });
    await dialog.getByRole('radio', { name: 'b' }).check();
    await dialog.getByRole('button', { name: 'Open with this input' }).click();
    await expect(page.getByRole('status')).toContainText(/WASM.*two/, { timeout: 60_000 });
    const model = await page.evaluate(() => window.diffprobe.state().model!.manifest);
    expect(model.input.name).toBe('b');
    expect(model.extraInputs?.map((e) => e.name)).toEqual(['a']);
  });
  await test.step('outputs with NaN past t = 500: the block and t are named', async () => {
    await openModelFile(page, 'nan.onnx', odd.nanAfter500());
    await expect(page.getByRole('status')).toContainText(/WASM.*nan/, { timeout: 60_000 });
    await page.getByLabel('Use the bundled Fashion-MNIST', { exact: false }).check();
    await page.getByLabel('Timestep', { exact: true }).fill('600');
    const alert = page.getByRole('alert').filter({ hasText: 'NaN' });
    await expect(alert).toContainText('t = 600');
    await expect(alert).toContainText('/body/Add');
  });
  expect(app.consoleErrors).toEqual([]);
});

test('an ONNX with external data opens when its .data file is picked with it, and matches the same model in one file', async ({
  app,
}) => {
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page);
  const dir = join(import.meta.dirname, 'fixtures/models/external');
  const graph = readFileSync(join(dir, 'model.onnx'));
  const weights = readFileSync(join(dir, 'weights.data'));
  const forward = () =>
    page.evaluate(async () => {
      const r = await window.diffprobe.run('forward', {
        x0: new Float32Array(3 * 32 * 32).fill(0.25),
        t: 10,
        seed: 0,
        blocks: window.diffprobe.state().model!.manifest.blocks.map((b) => b.name),
      });
      return Object.values(r.maps).map((m) => Array.from(m.data.subarray(0, 64)));
    });

  await test.step('the graph alone: the message names the missing data file', async () => {
    await openModelFile(page, 'ext.onnx', graph);
    await expect(page.getByRole('alert').filter({ hasText: 'weights.data' })).toBeVisible({
      timeout: 60_000,
    });
    await dismissAll(page);
  });
  await test.step('graph + data (renamed): opens', async () => {
    await page
      .getByLabel('Open model…')
      .setInputFiles([file('ext.onnx', graph), file('renamed.data', weights)]);
    await expect(page.getByRole('status')).toContainText(/WASM.*ext/, { timeout: 90_000 });
  });
  const external = await forward();
  await openModelFile(page, MODEL_FILE, onnx);
  await expect(page.getByRole('status')).toContainText(/WASM.*tiny-diffusers-rgb32/, { timeout: 90_000 });
  expect(await forward()).toEqual(external);
  expect(app.consoleErrors).toEqual([]);
});

test('a 256×256 RGB model opens, draws its maps and extracts features without crashing the tab', async ({
  app,
}) => {
  test.setTimeout(300_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page);
  await openModelFile(page, 'rgb256.onnx', odd.rgb256());
  await expect(page.getByRole('status')).toContainText(/WASM.*rgb256/, { timeout: 90_000 });
  await page.getByLabel(/Use the bundled Fashion-MNIST with this model/).check();
  await expect(page.getByText(/resized to 256×256/).first()).toBeVisible();
  await expectFeatureMaps(page);
  const result = await page.evaluate(async () => {
    const model = window.diffprobe.state().model!;
    const n = 40;
    const r = await window.diffprobe.run('extractFeatures', {
      images: { data: new Float32Array(n * 3 * 256 * 256).fill(0.1), count: n },
      t: 100,
      seed: 0,
      blocks: model.manifest.blocks.map((b) => b.name),
      pooling: { kind: 'avg' },
      batchSize: 32,
      cache: false,
      model: model.id,
    });
    return r.count;
  });
  expect(result).toBe(40);
  expect(app.consoleErrors).toEqual([]);
});

test('three graphs opened without a manifest: candidates, preselection and time to open', async ({ app }) => {
  test.setTimeout(300_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page);
  const models: [string, Buffer][] = [
    [
      'default-ddpm.onnx',
      readFileSync(join(import.meta.dirname, '../public/models/fashion-mnist-ddpm/model.onnx')),
    ],
    [MODEL_FILE, onnx],
    [
      'adm12.onnx',
      readFileSync(join(import.meta.dirname, 'fixtures/models/adm12/model-with-attention.onnx')),
    ],
  ];
  const rows: string[] = [];
  for (const [name, bytes] of models) {
    await openModelFile(page, name, bytes);
    await expect(page.getByRole('status')).toContainText(new RegExp(`WASM.*${name.replace('.onnx', '')}`), {
      timeout: 90_000,
    });
    const m = await page.evaluate(() => window.diffprobe.state().model!);
    const candidates = m.discovery!.candidates;
    const pre = candidates.filter((c) => c.preselected);
    expect(pre.length).toBeGreaterThan(0);
    expect(new Set(pre.map((c) => c.stage))).toEqual(new Set(['down', 'mid', 'up']));
    const bundled = page.getByLabel(/Use the bundled Fashion-MNIST with this model/);
    if (await bundled.isVisible()) await bundled.check();
    await expectFeatureMaps(page);
    rows.push(
      `${name}: ${candidates.length} candidates, ${pre.length} preselected (${pre.map((c) => c.name).join(', ')}); opened in ${m.loadMs} ms ${JSON.stringify(m.timings)}`,
    );
  }
  console.log(rows.join('\n'));
  expect(app.consoleErrors).toEqual([]);
});
