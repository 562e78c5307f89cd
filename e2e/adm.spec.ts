/**
 * The paper's own architecture in the browser: guided-diffusion's UNetModel (ADM: attention,
 * scale-shift norm, learned σ), built from its source with random weights and exported bare
 * (e2e/fixtures/models/adm32, tools/export/make_adm_fixture.py). It opens with no manifest, its
 * blocks carry ADM's module paths, and on WASM a block and x̂₀ match PyTorch within 1e-4; its
 * float16 export runs too, within float16's precision. Then the bad models of this family: each gets
 * one clear message and the loaded model stays. Last, ADM's operators on WebGPU: torch exports
 * guided-diffusion's UNetModel with Einsum (attention), GroupNorm as Reshape → InstanceNormalization
 * → Reshape, Pad + AveragePool and nearest Resize; `admOps()` (src/core/onnx/test-models.ts) has
 * each in the export's exact form, and on Chromium's SwiftShader adapter (correctness, not speed)
 * every stage matches WASM within 1e-4. (The whole 2,128-node fixture takes minutes to compile its
 * shaders on the software adapter.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { readNpy } from '../src/core/npy';
import { admOps, attentionUNet, float16Overflow } from '../src/core/onnx/test-models';
import { maxAbsDiff } from '../src/testing/fixtures';
import { expect, openApp, test } from './support/app';
import { decodeFloat32, useBackend } from './support/backend';

const DIR = join(import.meta.dirname, 'fixtures/models/adm32');
const reference = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8'));
const npy = (name: string) => readNpy(new Uint8Array(readFileSync(join(DIR, `${name}.npy`))));
const onnx = readFileSync(join(DIR, 'model.onnx'));
const ADM_MODULE = /^\/(input_blocks\.\d+|middle_block|output_blocks\.\d+)\//;
const file = (name: string, buffer: Buffer | Uint8Array) => ({
  name,
  mimeType: 'application/octet-stream',
  buffer: Buffer.from(buffer),
});

async function openModelFile(page: Page, name: string, buffer: Buffer | Uint8Array) {
  await page.getByLabel('Open model…').setInputFiles([file(name, buffer)]);
}

/** x̂₀ and one block of the loaded model for reference case `k`. */
async function forwardCase(page: Page, k: number, block: string) {
  const x0 = npy('x0');
  const per = x0.data.length / x0.shape[0];
  const out = await page.evaluate(
    async ({ x0, t, seed, block }) => {
      const r = await window.diffprobe.run('forward', { x0: new Float32Array(x0), t, seed, blocks: [block] });
      return { x0Pred: window.toBase64(r.x0Pred), map: window.toBase64(r.maps[block].data) };
    },
    {
      x0: Array.from(x0.data.subarray(k * per, (k + 1) * per) as Float32Array),
      t: reference.cases[k].t,
      seed: reference.seed,
      block,
    },
  );
  return { x0Pred: decodeFloat32(out.x0Pred), map: decodeFloat32(out.map) };
}

/** x̂₀ and `blocks` of the loaded model at t = 500 for a fixed 3×16×16 image. */
async function forward(page: Page, blocks: string[]) {
  const out = await page.evaluate(
    async ({ blocks }) => {
      const x0 = Float32Array.from({ length: 3 * 16 * 16 }, (_, i) => Math.sin(i / 7));
      const r = await window.diffprobe.run('forward', { x0, t: 500, seed: 3, blocks });
      return {
        x0Pred: window.toBase64(r.x0Pred),
        maps: Object.fromEntries(blocks.map((b) => [b, window.toBase64(r.maps[b].data)])),
      };
    },
    { blocks },
  );
  return {
    x0Pred: decodeFloat32(out.x0Pred),
    maps: Object.fromEntries(Object.entries(out.maps).map(([b, m]) => [b, decodeFloat32(m)])),
  };
}

test('guided-diffusion’s ADM opens bare, its blocks are named from its modules, and a block and x̂₀ match PyTorch (WASM)', async ({
  app,
}) => {
  test.setTimeout(420_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  const started = Date.now();
  const lap = (what: string) => console.log(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await openApp(page);
  lap('app open');

  await test.step('open the .onnx alone', async () => {
    await openModelFile(page, 'adm32.onnx', onnx);
    await expect(page.getByRole('status')).toContainText(/WASM.*adm32/, { timeout: 90_000 });
    const model = await page.evaluate(() => window.diffprobe.state().model!);
    expect(model.origin).toBe('discovered');
    expect(model.manifest.prediction).toEqual({ type: 'epsilon', output: 'out', variance: 'learned_range' });
    const names = model.discovery!.candidates.map((c) => c.name);
    expect(names.filter((n) => ADM_MODULE.test(n)).length).toBeGreaterThanOrEqual(10);
    for (const b of reference.blocks) expect(names).toContain(b.node);
    lap('adm32 open');
  });

  await test.step('Model…: the learned variance is shown and changeable; pick the reference blocks', async () => {
    await page.getByRole('button', { name: 'Model…', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Model' });
    await expect(dialog).toContainText('2·C = 6 channels');
    const variance = dialog.getByLabel('Last C channels (learned variance)');
    await expect(variance).toHaveValue('learned_range');
    for (const b of reference.referenceBlocks) await dialog.getByLabel(`Use block ${b.node}`).check();
    await dialog.getByRole('button', { name: 'Apply' }).click();
    await expect(dialog).toBeHidden({ timeout: 60_000 });
    lap('applied');
  });

  await test.step('a block and x̂₀ (from the first C of 2·C channels) match PyTorch within 1e-4', async () => {
    const x0 = npy('x0');
    const x0Pred = npy('x0_pred');
    const per = x0.data.length / x0.shape[0];
    const slice = (a: ReturnType<typeof npy>, k: number) => {
      const n = a.data.length / a.shape[0];
      return a.data.subarray(k * n, (k + 1) * n) as Float32Array;
    };
    const rows: string[] = [];
    let worst = 0;
    for (const c of reference.cases as { index: number; t: number }[]) {
      const out = await page.evaluate(
        async ({ x0, t, seed, blocks }) => {
          const r = await window.diffprobe.run('forward', { x0: new Float32Array(x0), t, seed, blocks });
          const enc = window.toBase64;
          return {
            x0Pred: enc(r.x0Pred),
            maps: Object.fromEntries(Object.entries(r.maps).map(([n, m]) => [n, enc(m.data)])),
          };
        },
        {
          x0: Array.from(x0.data.subarray(c.index * per, (c.index + 1) * per) as Float32Array),
          t: c.t,
          seed: reference.seed,
          blocks: reference.referenceBlocks.map((b: { node: string }) => b.node),
        },
      );
      const errs: Record<string, number> = {
        'x̂₀': maxAbsDiff(decodeFloat32(out.x0Pred), slice(x0Pred, c.index)),
      };
      for (const b of reference.referenceBlocks as { module: string; node: string }[])
        errs[b.module] = maxAbsDiff(decodeFloat32(out.maps[b.node]), slice(npy(b.module), c.index));
      for (const [k, e] of Object.entries(errs)) {
        worst = Math.max(worst, e);
        rows.push(`case ${c.index} (t = ${c.t}) ${k}: ${e.toExponential(2)}`);
      }
    }
    console.log(`adm32 parity vs PyTorch (WASM):\n${rows.join('\n')}\nworst ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(1e-4);
    lap('parity');
  });

  await test.step('the float16 export: fed float16, read back as float32, within float16’s precision of float32', async () => {
    const before = await forwardCase(page, 1, reference.referenceBlocks[0].node);
    await openModelFile(page, 'adm32-fp16.onnx', readFileSync(join(DIR, reference.float16.file)));
    await expect(page.getByRole('status')).toContainText(/WASM.*adm32-fp16/, { timeout: 90_000 });
    expect(await page.evaluate(() => window.diffprobe.state().model!.float16)).toBe(true);
    const after = await forwardCase(page, 1, reference.referenceBlocks[0].node);
    const rows = (['x0Pred', 'map'] as const).map((k) => {
      const err = maxAbsDiff(after[k], before[k]);
      const scale = before[k].reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      return { k, err, relative: err / scale };
    });
    console.log(
      `adm32 float16 vs float32 (WASM): ${rows.map((r) => `${r.k} ${r.err.toExponential(2)} (relative ${r.relative.toExponential(2)})`).join(', ')}`,
    );
    for (const r of rows) expect(r.relative).toBeLessThan(1e-2);
    lap('float16');
  });

  await test.step('a float16 model with NaN at high t: the message names t and float16, and the model stays', async () => {
    await openModelFile(page, 'fp16-overflow.onnx', float16Overflow());
    await expect(page.getByRole('status')).toContainText(/WASM.*fp16-overflow/, { timeout: 90_000 });
    await page.getByLabel('Use the bundled Fashion-MNIST', { exact: false }).check();
    await page.getByLabel('Timestep', { exact: true }).fill('600');
    const alert = page.getByRole('alert').filter({ hasText: 'NaN' });
    await expect(alert).toContainText('t = 600', { timeout: 60_000 });
    await expect(alert).toContainText('float16 model');
    await expect(page.getByRole('status')).toContainText(/WASM.*fp16-overflow/);
    lap('float16 NaN');
  });

  await test.step('a 2·C + 1-channel prediction: one clear message, and the loaded model stays', async () => {
    await openModelFile(page, 'odd-channels.onnx', attentionUNet(3));
    const alert = page.getByRole('alert').filter({ hasText: 'odd-channels.onnx' });
    await expect(alert).toContainText('3 channels for a 1-channel input', { timeout: 60_000 });
    await expect(alert).toContainText('2·C + 1');
    await expect(page.getByRole('status')).toContainText(/WASM.*fp16-overflow/);
    lap('odd');
  });
  await test.step('a 3 GB float32 model: refused from its graph before any weight is read, naming the memory; the model stays', async () => {
    await openModelFile(page, 'model-3gb.onnx', readFileSync(join(DIR, '../too-big/model-3gb.onnx')));
    const alert = page.getByRole('alert').filter({ hasText: 'model-3gb.onnx' });
    await expect(alert).toContainText('needs about', { timeout: 60_000 });
    await expect(alert).toContainText('4.00 GB its 32-bit WASM can address');
    await expect(page.getByRole('status')).toContainText(/WASM.*fp16-overflow/);
    lap('too big');
  });

  await test.step('ADM’s Einsum, GroupNorm as InstanceNormalization, Pad + AveragePool and nearest Resize on WebGPU (SwiftShader) within 1e-4 of WASM', async () => {
    await page
      .getByLabel('Open model…')
      .setInputFiles([
        { name: 'adm-ops.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from(admOps()) },
      ]);
    await expect(page.getByRole('status')).toContainText(/WASM.*adm-ops/, { timeout: 90_000 });
    await page.getByRole('button', { name: 'Model…', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Model' });
    await dialog.getByRole('button', { name: 'All', exact: true }).click();
    await dialog.getByRole('button', { name: 'Apply' }).click();
    await expect(dialog).toBeHidden({ timeout: 60_000 });
    const model = await page.evaluate(() => window.diffprobe.state().model!);
    expect(model.discovery!.webgpuUnsupported).toEqual([]);
    const blocks = model.manifest.blocks.map((b) => b.name);
    expect(blocks).toEqual(
      expect.arrayContaining([
        '/input_blocks.1/Add_1', // GroupNorm → SiLU → conv
        '/input_blocks.2/Add', // attention: Einsum, Softmax, Einsum
        '/input_blocks.3/op/AveragePool', // Pad + AveragePool
        '/output_blocks.0/upsample/Resize', // nearest Resize
      ]),
    );
    const wasm = await forward(page, blocks);
    // The same model moved to WebGPU (SwiftShader here); a load that cannot would fall back to WASM.
    const started = Date.now();
    await page.getByLabel('Backend', { exact: true }).selectOption('webgpu');
    await expect(page.getByRole('status')).toContainText(/WebGPU.*adm-ops/, { timeout: 180_000 });
    const onGpu = await page.evaluate(() => window.diffprobe.state().model!);
    expect(onGpu.backend).toBe('webgpu');
    expect(onGpu.fallbackReason).toBeNull();
    const gpu = await forward(page, blocks);
    const largest = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const rows = [
      ['x̂₀', maxAbsDiff(gpu.x0Pred, wasm.x0Pred), largest(wasm.x0Pred)] as const,
      ...blocks.map((b) => [b, maxAbsDiff(gpu.maps[b], wasm.maps[b]), largest(wasm.maps[b])] as const),
    ];
    console.log(
      `ADM ops, WebGPU (SwiftShader) vs WASM, loaded in ${Date.now() - started} ms:\n${rows.map(([n, e, m]) => `${n}: ${e.toExponential(2)} (max |x| ${m.toFixed(2)})`).join('\n')}`,
    );
    for (const [name, err] of rows) expect(err, name).toBeLessThanOrEqual(1e-4);
    lap('WebGPU ops');
  });
  expect(app.consoleErrors).toEqual([]);
});
