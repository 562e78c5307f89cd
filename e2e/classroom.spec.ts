/**
 * A classroom on one Wi-Fi (issue #24), on a static host like GitHub Pages (brotli, but no
 * COOP/COEP headers; e2e/support/static-host.ts), against the production build:
 * - a cold first load moves ≤ 12 MB (the browser's own network sizes) and no training images,
 *   and the Tour starts on the first click once the status says ready;
 * - once idle, the rest is kept for offline use, and a stale cache of an older release is gone;
 * - a second load asks the network for no model, data or .wasm, and the service worker makes the
 *   page cross-origin isolated (the status says so);
 * - with the network off (and the host down): reload, the explorer, a small probe and sweep;
 * - a new release: the app says so, reloads on request, and the probe's results survive it;
 * - every cache evicted and the model's first download cut short: the app loads from the network,
 *   fetches the model again, and says nothing alarming.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './support/app';
import { breakdown, recordTransfers } from './support/network';
import { startStaticHost } from './support/static-host';

const DIST = resolve(import.meta.dirname, '..', process.env.DIFFPROBE_E2E_DIST ?? 'dist');
const FIRST_LOAD_LIMIT = 12_000_000;

async function whenReady(page: Page): Promise<void> {
  const status = page.getByRole('status');
  await expect(status).toContainText(/WASM \(\d threads?\) · Fashion-MNIST/, { timeout: 90_000 });
  await expect(status).not.toContainText('loading');
  await expect(page.getByRole('button', { name: /^Test image 0: / })).toBeVisible();
}

const details = (page: Page) => page.getByRole('status').locator('.status-notes');

test('first load, second load, offline, an update and evicted caches', async ({ app, context }, info) => {
  test.setTimeout(420_000);
  const { page } = app;
  let host = await startStaticHost(DIST, 0);
  const port = Number(new URL(host.url).port);
  const log = recordTransfers(context, host.url);
  // The app's own origin is the static host here, not the preview server.
  app.remoteRequests.length = 0;

  await test.step('cold first load: ≤ 12 MB, the first test part only; the Tour starts at once', async () => {
    await page.goto(`${host.url}/?t=25`);
    // A cache an older release left behind: the service worker deletes it when it takes over.
    await page.evaluate(() =>
      caches.open('diffprobe-files-v0').then((c) => c.put('/old', new Response('x'))),
    );
    await whenReady(page);
    await log.settled();
    const bytes = log.total();
    const lines = breakdown(log.onWire());
    await info.attach('first-load.txt', { body: `${bytes} bytes to ready\n${lines.join('\n')}\n` });
    console.log(`first load: ${(bytes / 1e6).toFixed(2)} MB in ${log.onWire().length} requests`);
    expect(bytes).toBeLessThanOrEqual(FIRST_LOAD_LIMIT);
    const paths = log.transfers.map((t) => t.path);
    expect(paths.filter((p) => /images-\d+\.png/.test(p))).toEqual([
      '/data/fashion-mnist/test-images-00.png',
    ]);
    // Not isolated by this host; the status says so, and that the service worker fixes it next time.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    await page.getByRole('status').getByText('Details').click();
    await expect(details(page)).toContainText('Not cross-origin isolated');
    await page.getByRole('status').getByText('Details').click();

    await page.getByRole('button', { name: 'Tour' }).click();
    await expect(page.locator('.tour-card')).toContainText('Tour · step 1 of 8');
    await page.keyboard.press('Escape');
    await expect(page.locator('.tour-card')).toHaveCount(0);
  });

  await test.step('idle: everything kept for offline use; the old release’s cache is gone', async () => {
    await expect(page.getByRole('status')).toContainText('Offline use: ready', { timeout: 90_000 });
    expect(await page.evaluate(() => caches.has('diffprobe-files-v0'))).toBe(false);
  });

  await test.step('second load: no request for the model, data or .wasm; isolated by the service worker', async () => {
    log.reset();
    await page.reload();
    await whenReady(page);
    await log.settled();
    const fetched = log.onWire().map((t) => t.path);
    expect(fetched.filter((p) => /\.(onnx|wasm|png|u8)$/.test(p) || p.includes('/data/'))).toEqual([]);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    // The compute worker too (its script came from the service worker, with the headers).
    expect(await page.evaluate(() => window.diffprobe.state().env?.crossOriginIsolated)).toBe(true);
    await expect(page.getByRole('status')).toContainText(/WASM \(\d threads?\)/);
    await expect(page.getByRole('status')).toContainText('Cross-origin isolated by the service worker');
  });

  await test.step('offline, host down: reload, the explorer, a small probe and sweep', async () => {
    await host.close();
    await context.setOffline(true);
    await page.reload();
    await whenReady(page);
    await expect(page.getByRole('img', { name: /^Noisy image x_t/ })).toBeVisible();
    await page.getByLabel('Training images', { exact: true }).fill('40');
    await page.getByLabel('Test images', { exact: true }).fill('20');
    await page.getByRole('button', { name: 'Train probe' }).click();
    await expect(page.getByRole('region', { name: 'Probe results' })).toBeVisible({ timeout: 90_000 });
    // A sweep too: the selected block at the probe's t (its features come from the cache).
    await page.getByLabel('Sweep blocks').selectOption('selected');
    await page.getByLabel('Sweep timesteps').fill('25');
    await page.getByLabel('Sweep training images').fill('40');
    await page.getByLabel('Sweep test images').fill('20');
    await page.getByRole('button', { name: 'Run sweep' }).click();
    await expect(page.getByText('Done.')).toBeVisible({ timeout: 90_000 });
    await context.setOffline(false);
    host = await startStaticHost(DIST, port);
  });

  await test.step('a new release: the app says so, reloads on request, the results stay', async () => {
    host.release = 2;
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
    const banner = page.getByRole('region', { name: 'Update' });
    await expect(banner).toContainText('A new version of DiffProbe is ready', { timeout: 60_000 });
    await banner.getByRole('button', { name: 'Reload to update' }).click();
    await expect(page.getByRole('note').filter({ hasText: 'DiffProbe was updated' })).toBeVisible({
      timeout: 90_000,
    });
    await whenReady(page);
    await expect(page.getByRole('region', { name: 'Probe results' })).toBeVisible();
    await expect(banner).toHaveCount(0);
  });

  await test.step('caches evicted, the model cut short once: loaded again from the network, calmly', async () => {
    await page.evaluate(async () => {
      for (const name of await caches.keys()) await caches.delete(name);
    });
    let modelRequests = 0;
    const model = readFileSync(join(DIST, 'models/fashion-mnist-ddpm/model.onnx'));
    await page.route('**/models/fashion-mnist-ddpm/model.onnx', async (route) => {
      modelRequests++;
      // The first answer stops half-way (a dropped connection the server did not notice).
      const body = modelRequests === 1 ? model.subarray(0, model.length >> 1) : model;
      await route.fulfill({ status: 200, contentType: 'application/octet-stream', body });
    });
    await page.reload();
    await whenReady(page);
    expect(modelRequests).toBe(2);
    await expect(page.getByRole('alert')).toHaveCount(0);
  });

  expect(app.consoleErrors).toEqual([]);
  await host.close();
});
