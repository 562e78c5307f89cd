/**
 * Browser parity: the worker, on WASM and on WebGPU (Chromium's software adapter), draws the noise,
 * noises the fixture images and runs the U-Net; every output must be within 1e-4 of PyTorch, and so
 * must the features extraction pools in ONNX on the same backend.
 *
 * The WebGPU test is one journey on one page, because opening the default model on the software
 * adapter is the slow part: after the parity checks, a probe on ONNX Runtime's WASM build beside the
 * U-Net on WebGPU, then the WebGPU failures (out of memory, device loss) that move the model to WASM
 * and keep going, and a model with an operator WebGPU lacks.
 */
import type { Page } from '@playwright/test';
import { type Pooling, poolFeatures } from '../src/core/pooling';
import { accuracy, predict, SoftmaxTrainer } from '../src/core/probe/softmax-regression';
import { applyStandardizer, fitStandardizer } from '../src/core/probe/standardize';
import { createRng } from '../src/core/rng';
import { caseSlice, loadParityFixtures, maxAbsDiff } from '../src/testing/fixtures';
import { expect, test } from './support/app';
import { decodeFloat32, useBackend } from './support/backend';
import * as odd from './support/odd-models';

const fx = loadParityFixtures();

/** Every fixture case's blocks, then the pooled sub-graph's features, against PyTorch on `backend`. */
async function expectParity(page: Page, backend: 'wasm' | 'webgpu'): Promise<void> {
  const rows: string[] = [];
  let worst = 0;
  for (const [k, c] of fx.index.cases.entries()) {
    const x0 = Array.from(caseSlice(fx.arrays.x0, k));
    const out = await page.evaluate(
      async ({ x0, t, seed, blocks }) => {
        const r = await window.diffprobe.run('forward', { x0: new Float32Array(x0), t, seed, blocks });
        const enc = window.toBase64;
        return {
          xt: enc(r.xt),
          maps: Object.fromEntries(Object.entries(r.maps).map(([n, m]) => [n, enc(m.data)])),
        };
      },
      { x0, t: c.t, seed: fx.index.seed, blocks: fx.index.outputs.filter((n) => n !== 'eps') },
    );
    const xtErr = maxAbsDiff(decodeFloat32(out.xt), caseSlice(fx.arrays.x_t, k));
    expect(xtErr).toBeLessThanOrEqual(1e-6);
    for (const [name, b64] of Object.entries(out.maps)) {
      const err = maxAbsDiff(decodeFloat32(b64), caseSlice(fx.arrays[name], k));
      worst = Math.max(worst, err);
      rows.push(`t=${c.t} ${name.padEnd(8)} ${err.toExponential(2)}`);
    }
  }
  console.log(
    `${backend} parity vs PyTorch, max abs error:\n${rows.join('\n')}\nworst ${worst.toExponential(2)}`,
  );
  expect(worst).toBeLessThanOrEqual(1e-4);

  // Extraction's own path on this backend: the blocks' sub-graph with the pooling in ONNX
  // (core/onnx/pooling-head.ts; on WebGPU the maps never leave the GPU), against PyTorch's maps
  // pooled by core/pooling.ts. One pooling per case: AveragePool (28 → 4) and the averaging
  // MatMuls (14, 7 → 4), GlobalMaxPool with its NaN guard, GlobalAveragePool. Encoder blocks at
  // each resolution keep the sub-graph small on the software adapter.
  const blocks = ['down0_1', 'down1_1', 'down2_1'];
  const poolings: [string, Pooling][] = [
    ['avg4', { kind: 'adaptive', size: 4 }],
    ['max', { kind: 'max' }],
    ['avg', { kind: 'avg' }],
  ];
  const pooledRows: string[] = [];
  let pooledWorst = 0;
  for (const [k, c] of fx.index.cases.entries()) {
    const [label, pooling] = poolings[k % poolings.length];
    const out = await page.evaluate(
      async ({ x0, t, seed, blocks, pooling }) => {
        const features: Record<string, string> = {};
        const enc = window.toBase64;
        const result = await window.diffprobe.runWithPartials(
          'extractFeatures',
          {
            images: { data: new Float32Array(x0), count: 1 },
            t,
            seed,
            blocks,
            pooling,
            batchSize: 1,
            cache: false,
            subgraph: true,
          },
          (chunk) => {
            for (const [name, f] of Object.entries(chunk.features)) features[name] = enc(f);
          },
        );
        return { features, subgraph: result.subgraph, backend: window.diffprobe.state().model?.backend };
      },
      { x0: Array.from(caseSlice(fx.arrays.x0, k)), t: c.t, seed: fx.index.seed, blocks, pooling },
    );
    expect(out).toMatchObject({ subgraph: true, backend });
    for (const name of blocks) {
      const map = fx.arrays[name];
      const want = poolFeatures(caseSlice(map, k), [1, ...map.shape.slice(1)], pooling).data;
      const err = maxAbsDiff(decodeFloat32(out.features[name]), want);
      pooledWorst = Math.max(pooledWorst, err);
      pooledRows.push(`t=${c.t} ${label.padEnd(4)} ${name.padEnd(8)} ${err.toExponential(2)}`);
    }
  }
  console.log(
    `${backend} pooled sub-graph vs PyTorch (pooled in JS), max abs error:\n${pooledRows.join('\n')}\nworst ${pooledWorst.toExponential(2)}`,
  );
  expect(pooledWorst).toBeLessThanOrEqual(1e-4);
}

async function expectOpenedOn(page: Page, backend: 'wasm' | 'webgpu'): Promise<void> {
  await page.goto('/');
  // On the software adapter, creating the default model's WebGPU session takes long on a busy machine.
  await expect(page.getByRole('status')).toContainText(
    backend === 'webgpu' ? /WebGPU.*Fashion-MNIST/ : /WASM.*Fashion-MNIST/,
    { timeout: 180_000 },
  );
  await expect(page.getByRole('button', { name: /^Test image 0: / })).toBeVisible({ timeout: 60_000 });
}

test('every block matches PyTorch within 1e-4 on wasm', async ({ app }) => {
  const { page } = app;
  await useBackend(page, 'wasm');
  await expectOpenedOn(page, 'wasm');
  await expectParity(page, 'wasm');
  expect(app.consoleErrors).toEqual([]);
});

test('WebGPU: every block matches PyTorch within 1e-4; a WASM probe beside it; faults fall back to WASM; a missing kernel is named', async ({
  app,
}) => {
  // The software WebGPU adapter is slow: opening, 3 passes, 3 pooled sub-graphs, then the steps.
  test.setTimeout(420_000);
  const { page } = app;
  await useBackend(page, 'webgpu');
  await expectOpenedOn(page, 'webgpu');
  await test.step('every block and the pooled sub-graph match PyTorch', () => expectParity(page, 'webgpu'));

  await test.step('a large probe runs its objective on ONNX Runtime WASM and matches the JavaScript loop', async () => {
    // The U-Net on WebGPU (the /webgpu build) and the probe on the /wasm build: two ORT builds in
    // one worker, which must not get in each other's way.
    // 2,000 × 256 × 10 = 5.1M multiply-adds per evaluation: above ORT_OBJECTIVE_MIN_WORK.
    const [n, nTest, d, k] = [2000, 500, 256, 10];
    const rng = createRng(5);
    const make = (rows: number) => {
      const y = Int32Array.from({ length: rows }, () => rng.nextUint32() % k);
      const X = new Float32Array(rows * d);
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < d; j++) X[i * d + j] = 3 * rng.nextFloat() + (j % k === y[i] ? 0.6 : 0);
      return { X, y };
    };
    const train = make(n);
    const test_ = make(nTest);
    const res = await page.evaluate(
      async ({ train, test, d, k }) => {
        const r = await window.diffprobe.run('trainProbe', {
          train: { X: new Float32Array(train.X), y: new Int32Array(train.y) },
          test: { X: new Float32Array(test.X), y: new Int32Array(test.y) },
          d,
          k,
          C: 1,
          maxIter: 100,
        });
        return { solver: r.solver, test: r.testAccuracy, iterations: r.iterations };
      },
      {
        train: { X: [...train.X], y: [...train.y] },
        test: { X: [...test_.X], y: [...test_.y] },
        d,
        k,
      },
    );
    // The reference: the float64 JavaScript loop, here in Node.
    const std = fitStandardizer(train.X, n, d);
    const trainer = new SoftmaxTrainer(applyStandardizer(train.X, n, d, std), train.y, n, d, k, {
      maxIter: 100,
    });
    let s = trainer.step();
    while (!s.done) s = trainer.step();
    const ref = accuracy(test_.y, predict(trainer.model, applyStandardizer(test_.X, nTest, d, std), nTest));
    console.log(
      `ORT objective: test ${(res.test! * 100).toFixed(2)}% in ${res.iterations} iterations; JS loop ${(ref * 100).toFixed(2)}% in ${s.iter}`,
    );
    expect(res.solver).toBe('onnxruntime-wasm');
    expect(Math.abs(res.test! - ref) * 100).toBeLessThanOrEqual(0.5);
    // The faults below are meant to log; everything up to here must not.
    expect(app.consoleErrors).toEqual([]);
  });

  /** A forward pass of `block` on the current model; its map's shape. */
  const forward = (block: string, size: number) =>
    page.evaluate(
      async ({ block, size }) => {
        const r = await window.diffprobe.run('forward', {
          x0: new Float32Array(size),
          t: 10,
          seed: 0,
          blocks: [block],
        });
        return r.maps[block].shape.join('x');
      },
      { block, size },
    );
  const switched = page.getByRole('note').filter({ hasText: 'Switched to WASM' });

  await test.step('WebGPU out of memory: falls back to WASM and keeps going', async () => {
    await page.evaluate(() => window.diffprobe.run('simulateFault', { kind: 'out-of-memory' }));
    // The next run moves the model to WASM; the run still succeeds.
    expect(await forward('mid', 784)).toBe('64x7x7');
    await expect(page.getByRole('status')).toContainText('WASM');
    await expect(switched).toContainText('kept');
    await page.getByRole('button', { name: 'Dismiss: Switched to WASM' }).click();
    await expect(switched).toHaveCount(0);
  });

  await test.step('WebGPU device loss: falls back to WASM and keeps going', async () => {
    // A model of two Adds opens on WebGPU in a moment (the default model again would take long on
    // the software adapter); the recovery rebuilds whichever model is loaded from its kept bytes.
    await page
      .getByLabel('Open model…')
      .setInputFiles([
        { name: 'adds.onnx', mimeType: 'application/octet-stream', buffer: odd.residualAdds() },
      ]);
    await expect(page.getByRole('status')).toContainText(/WebGPU.*adds/, { timeout: 60_000 });
    const block = await page.evaluate(() => window.diffprobe.state().model!.manifest.blocks[0].name);
    await page.evaluate(() => window.diffprobe.run('simulateFault', { kind: 'lose-device' }));
    // The next run (or the device-lost event) moves the model to WASM; the run still succeeds.
    expect(await forward(block, 64)).toBe('1x8x8');
    await expect(page.getByRole('status')).toContainText(/WASM.*adds/);
    await expect(switched).toContainText('kept');
  });

  await test.step('an operator WebGPU lacks: the model runs on WASM, and the operator is named', async () => {
    await page
      .getByLabel('Open model…')
      .setInputFiles([{ name: 'sign.onnx', mimeType: 'application/octet-stream', buffer: odd.signOp() }]);
    await expect(page.getByRole('status')).toContainText(/WASM.*sign/, { timeout: 60_000 });
    await expect(page.getByRole('note').filter({ hasText: 'Running on WASM' })).toContainText('Sign');
  });
});
