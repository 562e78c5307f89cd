/**
 * Bad models: each gets a clear message, and the app keeps working with what it had.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, openApp, test } from './support/app';
import { useBackend } from './support/backend';

const MODEL_DIR = join(import.meta.dirname, '../public/models/fashion-mnist-ddpm');
const manifest = JSON.parse(readFileSync(join(MODEL_DIR, 'manifest.json'), 'utf8'));
const onnx = readFileSync(join(MODEL_DIR, manifest.model.file));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const file = (name: string, buffer: Buffer, mimeType = 'application/octet-stream') => ({
  name,
  mimeType,
  buffer,
});
const json = (name: string, value: unknown) =>
  file(name, Buffer.from(JSON.stringify(value)), 'application/json');

async function openModel(page: Page, files: ReturnType<typeof file>[]) {
  await page.getByLabel('Open model…').setInputFiles(files);
}

async function expectDefaultModelStillLoaded(page: Page) {
  await expect(page.getByRole('status')).toContainText(/(WASM|WebGPU).*Fashion-MNIST/);
  await expect(page.getByRole('button', { name: 'mid', exact: true })).toBeVisible();
}

test('bad models: each gets a clear message, and the loaded model stays usable', async ({ app }) => {
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page);
  // One page for every case: each failed load must leave the working default model in place.
  const dismissAll = async () => {
    for (const b of await page.getByRole('button', { name: /^Dismiss: / }).all()) await b.click();
  };

  await test.step('a manifest that fails validation', async () => {
    const bad = { ...manifest, version: 2, input: { ...manifest.input, channels: 5 } };
    await openModel(page, [json('manifest.json', bad), file('model.onnx', onnx)]);
    const alert = page.getByRole('alert').filter({ hasText: 'The model manifest is not valid' });
    await expect(alert).toContainText('version');
    await expect(alert).toContainText('channels');
    await expectDefaultModelStillLoaded(page);
    await dismissAll();
  });

  await test.step('a manifest that is not JSON', async () => {
    await openModel(page, [
      file('manifest.json', Buffer.from('{"format": "diffprobe-manifest",')),
      file('model.onnx', onnx),
    ]);
    await expect(page.getByRole('alert').filter({ hasText: 'not valid JSON' })).toBeVisible();
    await expectDefaultModelStillLoaded(page);
    await dismissAll();
  });

  await test.step('a corrupt ONNX file', async () => {
    const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251));
    await openModel(page, [
      json('manifest.json', {
        ...manifest,
        model: { ...manifest.model, bytes: junk.length, sha256: sha(junk) },
      }),
      file('model.onnx', junk),
    ]);
    await expect(
      page.getByRole('alert').filter({ hasText: 'The model file is damaged or not an ONNX model' }),
    ).toBeVisible();
    await expectDefaultModelStillLoaded(page);
    await dismissAll();
  });

  await test.step('a model file that does not match the manifest checksum', async () => {
    const truncated = onnx.subarray(0, onnx.length >> 1);
    await openModel(page, [json('manifest.json', manifest), file('model.onnx', Buffer.from(truncated))]);
    await expect(page.getByRole('alert').filter({ hasText: 'sha256' })).toBeVisible();
    await expectDefaultModelStillLoaded(page);
    await dismissAll();
  });

  await test.step('an ONNX whose inputs and outputs do not match its manifest', async () => {
    const wrong = {
      ...manifest,
      input: { ...manifest.input, name: 'image' },
      blocks: [...manifest.blocks, { ...manifest.blocks[0], name: 'extra', output: 'extra_block' }],
    };
    await openModel(page, [json('manifest.json', wrong), file('model.onnx', onnx)]);
    const alert = page.getByRole('alert').filter({ hasText: 'The model does not match its manifest' });
    await expect(alert).toContainText('"image"');
    await expect(alert).toContainText('"extra_block"');
    await expectDefaultModelStillLoaded(page);
    await dismissAll();
  });

  await test.step('block shapes that disagree with the manifest', async () => {
    const wrong = {
      ...manifest,
      blocks: manifest.blocks.map((b: { name: string }) => (b.name === 'mid' ? { ...b, channels: 99 } : b)),
    };
    await openModel(page, [json('manifest.json', wrong), file('model.onnx', onnx)]);
    await expect(page.getByRole('alert').filter({ hasText: 'block "mid"' })).toBeVisible();
    await expectDefaultModelStillLoaded(page);
    await dismissAll();
  });

  await test.step('a manifest without its model', async () => {
    await openModel(page, [json('manifest.json', manifest)]);
    await expect(page.getByRole('alert').filter({ hasText: 'No .onnx file was picked' })).toBeVisible();
    await expectDefaultModelStillLoaded(page);
    await dismissAll();
  });

  await test.step('two models at once', async () => {
    await openModel(page, [file('a.onnx', onnx), file('b.onnx', onnx)]);
    await expect(page.getByRole('alert').filter({ hasText: 'Pick one model at a time' })).toBeVisible();
    await expectDefaultModelStillLoaded(page);
    await dismissAll();
  });

  await test.step('a user model that loads replaces the default, and names itself in the status', async () => {
    await openModel(page, [
      json('my-manifest.json', { ...manifest, name: 'My copy' }),
      file('my.onnx', onnx),
    ]);
    await expect(page.getByRole('status')).toContainText('My copy');
  });
  expect(app.consoleErrors).toEqual([]);
});

test('a missing default model file: a message, and the app stays usable', async ({ app }) => {
  const { page } = app;
  await page.route('**/models/fashion-mnist-ddpm/model.onnx', (route) =>
    route.fulfill({ status: 404, body: 'not found' }),
  );
  await page.goto('/');
  await expect(page.getByRole('alert').filter({ hasText: 'The model could not be found' })).toContainText(
    '404',
  );
  await expect(page.getByRole('status')).toContainText('No model loaded');
  // Still usable: a model can be opened by hand.
  await page.unroute('**/models/fashion-mnist-ddpm/model.onnx');
  await page
    .getByLabel('Open model…')
    .setInputFiles([json('manifest.json', manifest), file('model.onnx', onnx)]);
  await expect(page.getByRole('status')).toContainText(/(WASM|WebGPU).*Fashion-MNIST/, { timeout: 90_000 });
});
