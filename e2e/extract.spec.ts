/**
 * Extraction from the UI: progress, Stop keeps what was computed, and the downloaded .npy holds the
 * same features that the Node pipeline (onnxruntime-node) computes for those images.
 */
import { join } from 'node:path';
import { loadNodeDataset, loadNodeModel } from '../src/cli/load';
import { datasetToModelInput } from '../src/core/dataset/index-file';
import { readNpy } from '../src/core/npy';
import { extractFeatures } from '../src/pipeline/extract';
import { maxAbsDiff } from '../src/testing/fixtures';
import { expect, openApp, test } from './support/app';
import { useBackend } from './support/backend';
import { download } from './support/download';

const MANIFEST = join(import.meta.dirname, '../public/models/fashion-mnist-ddpm/manifest.json');

test('extract, stop part-way, keep and download what was done', async ({ app }) => {
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page, '?blocks=mid&t=50&seed=5');
  await page.getByLabel('Batch size').fill('16');
  await page.getByLabel('N', { exact: true }).fill('2000');
  await page.getByRole('button', { name: 'Extract features' }).click();

  const bar = page.getByRole('progressbar', { name: /Extracting mid at t = 50/ });
  await expect(bar).toBeVisible();
  await expect(page.getByText(/Extracting: ([1-9]\d*) of 2000 images/)).toBeVisible({ timeout: 60_000 });
  await expect(page.getByText(/ETA|left/)).toBeVisible();
  await page.getByRole('button', { name: 'Stop Extracting mid at t = 50' }).click();
  await expect(bar).toBeHidden();
  const status = page.getByText(/Stopped: \d+ of 2000 images/);
  await expect(status).toBeVisible();
  const kept = Number(/Stopped: (\d+)/.exec((await status.textContent())!)![1]);
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThan(2000);

  const npy = readNpy(
    new Uint8Array(await download(page, page.getByRole('button', { name: 'Download features (.npy)' }))),
  );
  expect(npy.shape).toEqual([kept, 64]);

  // The same rows (batches finish in order, so the first `kept` images) through the Node pipeline.
  const model = await loadNodeModel(MANIFEST, 1);
  const { index, split } = await loadNodeDataset(model.manifest, MANIFEST, 'test');
  const x0 = datasetToModelInput(split, index, 0, kept, model.manifest.preprocessing);
  const chunks: Float32Array[] = [];
  await extractFeatures(
    model.unet,
    x0,
    kept,
    {
      t: 50,
      seed: 5,
      blocks: ['mid'],
      pooling: { kind: 'avg' },
      batchSize: 32,
      alphasCumprod: model.alphasCumprod,
    },
    (b) => {
      chunks.push(b.features.mid);
    },
  );
  const node = new Float32Array(kept * 64);
  let o = 0;
  for (const c of chunks) {
    node.set(c, o);
    o += c.length;
  }
  const err = maxAbsDiff(npy.data as Float32Array, node);
  console.log(
    `browser (WASM) vs Node features for ${kept} stopped-early images: max abs diff ${err.toExponential(2)}`,
  );
  expect(err).toBeLessThan(1e-4);
  await model.unet.release();

  const l = readNpy(
    new Uint8Array(await download(page, page.getByRole('button', { name: 'Download labels (.npy)' }))),
  );
  expect(l.shape).toEqual([kept]);
  expect(Array.from(l.data as Int32Array)).toEqual(Array.from(split.labels.subarray(0, kept)));
});
