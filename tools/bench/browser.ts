/**
 * Shared by the benchmark scripts: serve the production build with `vite preview` and drive it with
 * Playwright's Chromium (the same executable and flags as the e2e suite).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type Browser, chromium, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from '../../e2e/support/chromium';

export async function startPreview(
  port: number,
  /** Another checkout and its build folder (a reference build side by side). */
  where: { cwd?: string; outDir?: string } = {},
): Promise<{ url: string; stop: () => void }> {
  const outDir = where.outDir ?? process.env.DIFFPROBE_E2E_DIST;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      'node_modules/vite/bin/vite.js',
      'preview',
      '--port',
      String(port),
      '--strictPort',
      '--host',
      '127.0.0.1',
      // A build folder of one's own, as the e2e tests take it (DIFFPROBE_E2E_DIST).
      ...(outDir ? ['--outDir', outDir] : []),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], cwd: where.cwd },
  );
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return { url, stop: () => child.kill() };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`vite preview did not start on ${url}`);
}

/**
 * tsx (esbuild with keepNames) wraps named functions in `__name(...)`; functions we hand to
 * page.evaluate carry that call into the page, where the helper does not exist.
 */
export const NAME_SHIM = 'globalThis.__name = globalThis.__name || ((f) => f);';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
}

/**
 * Serves the build, launches Chromium, runs `fn` with them, and closes both whatever happens.
 */
export async function withAppInChromium<T>(
  port: number,
  fn: (browser: Browser, url: string) => Promise<T>,
  /** Another build to serve (a reference build side by side), as for {@link startPreview}. */
  where: { cwd?: string; outDir?: string } = {},
): Promise<T> {
  const preview = await startPreview(port, where);
  try {
    const browser = await launchChromium();
    try {
      return await fn(browser, preview.url);
    } finally {
      await browser.close();
    }
  } finally {
    preview.stop();
  }
}

/** Runs a benchmark's main(); a failure is printed and exits with status 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * A page of the app on the WASM backend (`threads` 0 = automatic), with the console API ready and
 * the model and bundled images loaded.
 */
export async function openWasmPage(browser: Browser, url: string, threads = 0): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
  await page.addInitScript(NAME_SHIM);
  await page.addInitScript((t) => {
    window.localStorage.setItem(
      'diffprobe.preferences.v1',
      JSON.stringify({ backend: 'wasm', wasmThreads: t }),
    );
  }, threads);
  await page.goto(url);
  await page.getByRole('status').filter({ hasText: 'WASM' }).waitFor({ timeout: 120_000 });
  await page.getByRole('button', { name: /^Test image 0: / }).waitFor({ timeout: 120_000 });
  return page;
}
