/**
 * Browser parity: the worker, on WASM and on WebGPU (Chromium's software adapter), draws the noise,
 * noises the fixture images and runs the U-Net; every output must be within 1e-4 of PyTorch, and so
 * must the features extraction pools in ONNX on the same backend.
 */
import { type Pooling, poolFeatures } from '../src/core/pooling';
import { caseSlice, loadParityFixtures, maxAbsDiff } from '../src/testing/fixtures';
import { expect, openApp, test } from './support/app';
import { decodeFloat32, useBackend } from './support/backend';

const fx = loadParityFixtures();

for (const backend of ['wasm', 'webgpu'] as const) {
  test(`every block matches PyTorch within 1e-4 on ${backend}`, async ({ app }) => {
    // The software WebGPU adapter is slow: opening, 3 passes, 3 pooled sub-graphs.
    test.setTimeout(240_000);
    const { page } = app;
    await useBackend(page, backend);
    await openApp(page);
    await expect(page.getByRole('status')).toContainText(backend === 'webgpu' ? 'WebGPU' : 'WASM');
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
    expect(app.consoleErrors).toEqual([]);
  });
}
