/**
 * `npm run bench:explorer`: responsiveness of the feature-map explorer on WASM in headless
 * Chromium, default model. Measures, inside the page:
 *   - block switch → repainted tiles (no re-run: every block comes from the last forward pass),
 *   - timestep change → one forward pass → repainted tiles (p50/p95 over many moves),
 *   - slider drag coalescing: 30 rapid changes → how many forward passes actually ran.
 * Each time runs from the state change to the end of the first frame that shows the new tiles (seen
 * from requestAnimationFrame, then one task after that frame's paint).
 * Prints the figures; nothing passes or fails (these machines are noisy).
 */
import { openWasmPage, runMain, withAppInChromium } from './browser';

/** `THREADS=n npm run bench:explorer` fixes the WASM thread count (default: the app's automatic choice). */
const threads = Number(process.env.THREADS ?? 0);

async function main() {
  await withAppInChromium(4189, async (chromium, url) => {
    const page = await openWasmPage(chromium, `${url}?img=test:0&t=100&blocks=mid`, threads);
    await page
      .getByRole('img', { name: /channel maps of block mid at t = 100/ })
      .waitFor({ timeout: 120_000 });
    const result = await page.evaluate(async () => {
      const s = () => window.diffprobe.state();
      // waitFor() notices the change in a requestAnimationFrame callback, i.e. in the frame that
      // will show it; a task queued from there runs once that frame has been painted.
      const painted = () => new Promise<void>((r) => setTimeout(r, 0));
      // The main panel's tiles: "<n> channel maps of block <b> at t = <t>, for <image>; …" (the
      // compare pane's canvas says "(comparison)" and is not what this measures).
      const shown = () => {
        const label =
          document.querySelector('[data-part="tiles"] canvas.tiles')?.getAttribute('aria-label') ?? '';
        const m = /channel maps of block (\S+) at t = (\d+),/.exec(label);
        return m ? { block: m[1], t: Number(m[2]) } : null;
      };
      const waitFor = async (ok: () => boolean, timeout = 30_000) => {
        const start = performance.now();
        while (!ok()) {
          if (performance.now() - start > timeout) throw new Error('timeout');
          await new Promise((r) => requestAnimationFrame(r));
        }
      };
      const pct = (xs: number[], p: number) =>
        [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
      const blocks = s().model!.manifest.blocks.map((b) => b.name);

      const switchMs: number[] = [];
      for (let i = 0; i < 32; i++) {
        const b = blocks[i % blocks.length];
        const t0 = performance.now();
        s().selectBlock(b, false);
        await waitFor(() => shown()?.block === b);
        await painted();
        switchMs.push(performance.now() - t0);
      }

      const stepMs: number[] = [];
      const workerMs: number[] = [];
      for (let i = 0; i < 30; i++) {
        const t = 101 + i * 7;
        const t0 = performance.now();
        s().setT(t);
        await waitFor(() => shown()?.t === t);
        await painted();
        stepMs.push(performance.now() - t0);
        workerMs.push(s().forward!.result.ms);
      }

      let passes = 0;
      let lastKey = s().forward?.key;
      const watch = setInterval(() => {
        const k = s().forward?.key;
        if (k !== lastKey) {
          passes++;
          lastKey = k;
        }
      }, 1);
      for (let i = 0; i < 30; i++) {
        s().setT(500 + i);
        await new Promise((r) => setTimeout(r, 8));
      }
      await waitFor(() => shown()?.t === 529);
      await new Promise((r) => setTimeout(r, 300));
      clearInterval(watch);
      return {
        switch: { p50: pct(switchMs, 0.5), p95: pct(switchMs, 0.95), max: Math.max(...switchMs) },
        step: { p50: pct(stepMs, 0.5), p95: pct(stepMs, 0.95), max: Math.max(...stepMs) },
        worker: { p50: pct(workerMs, 0.5), p95: pct(workerMs, 0.95), max: Math.max(...workerMs) },
        lastForwardMs: s().forward!.result.ms,
        passes,
        threads: s().model!.threads,
      };
    });
    const f = (x: number) => `${x.toFixed(1)} ms`;
    console.log(`Feature-map explorer, WASM (${result.threads} threads), default model, headless Chromium\n`);
    console.log('| measurement | p50 | p95 | max |');
    console.log('|---|---:|---:|---:|');
    console.log(
      `| block switch → repaint (no re-run), 32 switches | ${f(result.switch.p50)} | ${f(result.switch.p95)} | ${f(result.switch.max)} |`,
    );
    console.log(
      `| timestep change → forward pass → repaint, 30 moves | ${f(result.step.p50)} | ${f(result.step.p95)} | ${f(result.step.max)} |`,
    );
    console.log(
      `| … of which the forward pass in the worker | ${f(result.worker.p50)} | ${f(result.worker.p95)} | ${f(result.worker.max)} |`,
    );
    console.log(
      `\nslider drag: 30 changes 8 ms apart ran ${result.passes} forward passes (coalesced); last pass took ${f(result.lastForwardMs)} in the worker`,
    );
  });
}

runMain(main);
