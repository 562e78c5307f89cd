/**
 * Browser parity: the worker, on WASM and on WebGPU (Chromium's software adapter), draws the noise,
 * noises the fixture images and runs the U-Net; every output must be within 1e-4 of PyTorch.
 */
import { caseSlice, loadParityFixtures, maxAbsDiff } from '../src/testing/fixtures';
import { expect, openApp, test } from './support/app';
import { decodeFloat32, useBackend } from './support/backend';

const fx = loadParityFixtures();

for (const backend of ['wasm', 'webgpu'] as const) {
  test(`every block matches PyTorch within 1e-4 on ${backend}`, async ({ app }) => {
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
          const enc = (a: Float32Array) => {
            const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
            let s = '';
            for (let i = 0; i < bytes.length; i += 0x8000)
              s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
            return btoa(s);
          };
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
    expect(app.consoleErrors).toEqual([]);
  });
}
