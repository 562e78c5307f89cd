/**
 * The engine helper (worker/engine-helper/): on WASM, a big extraction also runs in a second ONNX
 * Runtime instance in a nested worker, on the cores the worker's own engine leaves free. Its rows
 * must be the worker's own (same binary, same sub-graph: bit for bit at equal thread counts) and
 * PyTorch's within 1e-4, in the right order.
 */
import { poolFeatures } from '../src/core/pooling';
import { caseSlice, loadParityFixtures, maxAbsDiff } from '../src/testing/fixtures';
import { expect, openApp, test } from './support/app';
import { decodeFloat32, useBackend } from './support/backend';

const fx = loadParityFixtures();
const blocks = ['down1_1', 'mid', 'up1_0'];

test('extraction shared with the engine helper gives the same rows, in order, as one engine', async ({
  app,
}) => {
  test.setTimeout(180_000);
  const { page } = app;
  await useBackend(page, 'wasm');
  await openApp(page);
  await expect(page.getByRole('status')).toContainText('WASM');
  // The fixture images (each at its own t is not possible in one job: all at the first case's t),
  // repeated to 96 rows in 12 batches, so that both engines take several.
  const cases = fx.index.cases.length;
  const t = fx.index.cases[0].t;
  const x0 = Array.from({ length: 96 }, (_, i) => Array.from(caseSlice(fx.arrays.x0, i % cases))).flat();
  const run = (helper: boolean) =>
    page.evaluate(
      async ({ x0, t, seed, blocks, helper }) => {
        const enc = window.toBase64;
        const rows: number[] = [];
        const features: Record<string, Float32Array> = {};
        const result = await window.diffprobe.runWithPartials(
          'extractFeatures',
          {
            images: { data: new Float32Array(x0), count: 96 },
            t,
            seed,
            blocks,
            pooling: { kind: 'avg' },
            batchSize: 8,
            cache: false,
            subgraph: true,
            helper,
          },
          (chunk) => {
            rows.push(...chunk.rows);
            for (const [name, f] of Object.entries(chunk.features)) {
              const dim = f.length / chunk.rows.length;
              features[name] ??= new Float32Array(96 * dim);
              for (const [i, row] of chunk.rows.entries())
                features[name].set(f.subarray(i * dim, (i + 1) * dim), row * dim);
            }
          },
        );
        return {
          rows,
          engines: result.engines,
          features: Object.fromEntries(Object.entries(features).map(([n, f]) => [n, enc(f)])),
          threads: window.diffprobe.state().model?.threads ?? 0,
          cores: navigator.hardwareConcurrency,
        };
      },
      { x0, t, seed: fx.index.seed, blocks, helper },
    );

  const shared = await run(true);
  const alone = await run(false);
  // A helper exists wherever the worker's engine leaves a core free (engine-helper/threads.ts).
  expect(shared.engines).toBe(shared.cores - shared.threads >= 1 ? 2 : 1);
  expect(alone.engines).toBe(1);
  expect(shared.rows).toEqual(Array.from({ length: 96 }, (_, i) => i));
  let worstVsAlone = 0;
  let worstVsTorch = 0;
  for (const name of blocks) {
    const got = decodeFloat32(shared.features[name]);
    worstVsAlone = Math.max(worstVsAlone, maxAbsDiff(got, decodeFloat32(alone.features[name])));
    const map = fx.arrays[name];
    for (let k = 0; k < cases; k++) {
      if (fx.index.cases[k].t !== t) continue;
      const want = poolFeatures(caseSlice(map, k), [1, ...map.shape.slice(1)], { kind: 'avg' }).data;
      for (let row = k; row < 96; row += cases) {
        const dim = want.length;
        worstVsTorch = Math.max(worstVsTorch, maxAbsDiff(got.subarray(row * dim, (row + 1) * dim), want));
      }
    }
  }
  console.log(
    `engine helper: ${shared.engines} engines on ${shared.cores} cores (${shared.threads} thread(s) for the worker's own); max abs difference from one engine ${worstVsAlone.toExponential(2)}, from PyTorch ${worstVsTorch.toExponential(2)}`,
  );
  // Equal thread counts run the same kernels in the same order; other counts may round differently.
  expect(worstVsAlone).toBeLessThanOrEqual(shared.threads === 1 ? 0 : 1e-6);
  expect(worstVsTorch).toBeLessThanOrEqual(1e-4);
  expect(app.consoleErrors).toEqual([]);
});
