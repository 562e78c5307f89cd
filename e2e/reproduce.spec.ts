/**
 * Every number exported in the browser is reproducible from its file: a probe, a sweep and a PCA
 * (its features value by value, its coordinates up to each component's sign) exported by the app
 * (worker on onnxruntime-web WASM) carry a full provenance record, and
 * `diffprobe reproduce` (the built CLI, onnxruntime-node) re-runs each from that file alone and
 * finds every number within tolerance. Kept small: one block (the shallowest, so that the
 * comparisons need no second block), one t, 80 + 40 images; the sweep reads the probe's features
 * from the cache; PCA of 40 points. A CKA matrix goes through the same worker handlers in Node
 * (src/cli/reproduce-more.test.ts): its browser export costs more than this spec's budget.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, openApp, test } from './support/app';
import { useBackend } from './support/backend';
import { ensureCli, runCli } from './support/cli';
import { download } from './support/download';

let dir: string;
test.beforeAll(() => {
  ensureCli();
  dir = mkdtempSync(join(tmpdir(), 'diffprobe-reproduce-'));
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a probe, a sweep and a PCA exported in the browser are reproduced by the CLI', async ({ app }) => {
  test.setTimeout(120_000);
  const { page } = app;
  const started = Date.now();
  const lap = (what: string) => console.log(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await useBackend(page, 'wasm');
  await openApp(page, '?blocks=down0_0&t=10');

  await page.getByLabel('Training images', { exact: true }).fill('80');
  await page.getByLabel('Test images', { exact: true }).fill('40');
  await page.getByLabel('Probe timesteps').fill('10');
  await page.getByRole('button', { name: 'Train probe' }).click();
  await expect(page.getByRole('region', { name: 'Probe results' })).toBeVisible({ timeout: 60_000 });
  const probe = await download(page, page.getByRole('button', { name: 'Download probe (JSON)' }));
  const p = JSON.parse(probe.toString('utf8')).provenance;
  expect(p.model.files[0].sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(p.engine).toMatchObject({ runtime: 'onnxruntime-web', backend: 'wasm', adapter: null });
  expect(p.engine.runtimeVersion).toMatch(/^\d+\.\d+/);
  expect(p.images.x0).toHaveLength(120);
  writeFileSync(join(dir, 'probe.json'), probe);
  lap('probe exported');

  await page.getByLabel('Sweep blocks').selectOption('selected');
  await page.getByLabel('Sweep timesteps').fill('10');
  await page.getByLabel('Sweep training images').fill('80');
  await page.getByLabel('Sweep test images').fill('40');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(page.getByText('Done.')).toBeVisible({ timeout: 60_000 });
  const sweep = await download(page, page.getByRole('button', { name: 'Sweep JSON' }));
  expect(JSON.parse(sweep.toString('utf8'))).toMatchObject({
    complete: true,
    cells: { computed: 1, total: 1 },
  });
  writeFileSync(join(dir, 'sweep.json'), sweep);
  lap('sweep exported');

  const embedding = page.getByRole('region', { name: 'Embedding' });
  await embedding.getByLabel('Embedding method').selectOption('pca');
  await embedding.getByLabel('Points', { exact: true }).fill('40');
  await embedding.getByRole('button', { name: 'Run PCA', exact: true }).click();
  await expect(embedding.getByText(/^PCA finished in [\d.]+ s\.$/)).toBeVisible({ timeout: 60_000 });
  writeFileSync(
    join(dir, 'pca.json'),
    await download(page, embedding.getByRole('button', { name: 'Save JSON (with provenance)' })),
  );
  lap('PCA exported');

  const again = runCli(['reproduce', join(dir, 'probe.json'), '--out', join(dir, 'probe-again')]);
  console.log(again.trim());
  expect(again).toContain('reproduced 3 of 3 numbers within tolerance');
  const sweepAgain = runCli(['reproduce', join(dir, 'sweep.json'), '--out', join(dir, 'sweep-again')]);
  console.log(sweepAgain.trim());
  expect(sweepAgain).toContain('reproduced 3 of 3 numbers within tolerance');
  lap('probe and sweep reproduced');
  const pcaAgain = runCli(['reproduce', join(dir, 'pca.json'), '--out', join(dir, 'pca-again')]);
  console.log(pcaAgain.trim().split('\n').slice(-4).join('\n'));
  // 40 points × 32 features of down0_0, and 40 × 2 coordinates.
  expect(pcaAgain).toContain('reproduced 1360 of 1360 numbers within tolerance');
  lap('PCA reproduced');
  expect(app.consoleErrors).toEqual([]);
});
