/**
 * `npm run bench:sweep`: the default sweep from the UI — every block of the default model × 5
 * timesteps (0, 25, 100, 200, 500), 2,000 train / 1,000 test images, on WASM in headless Chromium,
 * starting from an empty feature cache. Prints the wall time and the best cell.
 * `THREADS=n` fixes the WASM thread count (default: the app's automatic choice, as a user gets it).
 */

import { helperThreads } from '../../src/worker/engine-helper/threads';
import { openWasmPage, runMain, withAppInChromium } from './browser';

const threads = Number(process.env.THREADS ?? 0);

async function main() {
  await withAppInChromium(4192, async (chromium, url) => {
    const page = await openWasmPage(chromium, url, threads);
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Run sweep' }).click();
    await page.getByText('Done.').waitFor({ timeout: 3_600_000 });
    const seconds = (Date.now() - t0) / 1000;
    const { used, isolated, cores } = await page.evaluate(() => ({
      used: window.diffprobe.state().model?.threads ?? 1,
      isolated: globalThis.crossOriginIsolated,
      cores: navigator.hardwareConcurrency,
    }));
    const helper = helperThreads(isolated, cores, used);
    const engines = `WASM ${used} thread${used === 1 ? '' : 's'}${helper ? ` + engine helper ${helper}` : ''}`;
    console.log(
      `Default sweep (16 blocks × 5 timesteps, 2,000 + 1,000 images, ${engines}, empty cache): ${seconds.toFixed(0)} s`,
    );
    // The heatmap is a keyboard grid whose name says the chosen cell.
    const label = await page.getByRole('grid', { name: /Sweep heatmap/ }).getAttribute('aria-label');
    console.log(label);
  });
}

runMain(main);
