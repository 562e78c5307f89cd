/**
 * `npm run bench:load`: what a first visit costs, as a student on a classroom's Wi-Fi would pay it.
 * Serves the deploy build (brotli and gzip copies beside the files) with `vite preview` and loads
 * the app in headless Chromium with a cold cache (a new browser context each time), recording from
 * the browser's own network accounting (e2e/support/network.ts):
 *   - bytes on the wire, requests and time to a ready explorer (the status line says the model is
 *     loaded and the first image's feature maps are drawn), per file;
 *   - the rest of the first visit: what loads in the background for offline use;
 *   - a second visit (service worker and caches warm): bytes and time to ready.
 * Targets (issue #24): ≤ 12 MB and ≤ 3 s to ready on localhost. Prints the figures; nothing passes
 * or fails here (e2e/classroom.spec.ts checks the bytes; times on these shared machines are noisy).
 *
 * `REFERENCE=<checkout>:<build folder>` loads another build side by side (cold, then a reload), the
 * two alternating, and gives the ratio of their times to ready: on a machine shared with other work
 * only such ratios mean something.
 */
import { loadavg } from 'node:os';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { breakdown, recordTransfers, type TransferLog } from '../../e2e/support/network';
import { median, runMain, startPreview, withAppInChromium } from './browser';

const RUNS = Number(process.env.RUNS ?? 3);
const MB = (b: number) => (b / 1e6).toFixed(2);

/** Milliseconds from navigation start until the explorer is ready (status, gallery, maps drawn). */
async function timeToReady(page: Page): Promise<number> {
  const handle = await page.waitForFunction(
    () => {
      const status = document.querySelector('[role="status"]')?.textContent ?? '';
      const maps =
        document.querySelector('[data-part="tiles"] canvas.tiles')?.getAttribute('aria-label') ?? '';
      const gallery = document.querySelector('button[aria-label^="Test image 0:"] canvas');
      return /(WASM|WebGPU).*· Fashion-MNIST/.test(status) &&
        !/loading/.test(status) &&
        gallery &&
        maps.includes('channel maps')
        ? performance.now()
        : false;
    },
    null,
    { polling: 'raf', timeout: 180_000 },
  );
  return (await handle.jsonValue()) as number;
}

interface Visit {
  ms: number;
  bytes: number;
  requests: number;
  files: string[];
}

async function visit(page: Page, url: string, log: TransferLog, reload: boolean): Promise<Visit> {
  log.reset();
  if (reload) await page.reload();
  else await page.goto(url);
  const ms = await timeToReady(page);
  await log.settled();
  return { ms, bytes: log.total(), requests: log.onWire().length, files: breakdown(log.onWire()) };
}

async function oneColdVisit(browser: Browser, url: string, offline = true) {
  const context: BrowserContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    const page = await context.newPage();
    const log = recordTransfers(context, url.replace(/\/$/, ''));
    const cold = await visit(page, url, log, false);
    log.reset();
    if (!offline) {
      const warm = await visit(page, url, log, true);
      return { cold, background: { bytes: 0, requests: 0, files: [] }, warm };
    }
    await page
      .getByRole('status')
      .filter({ hasText: 'Offline use: ready' })
      .waitFor({ state: 'attached', timeout: 300_000 });
    await log.settled();
    const background = { bytes: log.total(), requests: log.onWire().length, files: breakdown(log.onWire()) };
    const warm = await visit(page, url, log, true);
    return { cold, background, warm };
  } finally {
    await context.close();
  }
}

async function main() {
  const before = loadavg()[0];
  const [refCwd, refDist] = (process.env.REFERENCE ?? '').split(':');
  const reference = refCwd ? await startPreview(4192, { cwd: refCwd, outDir: refDist }) : null;
  await withAppInChromium(4191, async (browser, url) => {
    const runs = [];
    const refs = [];
    for (let i = 0; i < RUNS; i++) {
      // The reference first on odd runs, second on even ones: neither always gets the quieter turn.
      if (reference && i % 2 === 0) refs.push(await oneColdVisit(browser, reference.url, false));
      const r = await oneColdVisit(browser, url);
      if (reference && i % 2 === 1) refs.push(await oneColdVisit(browser, reference.url, false));
      console.log(
        `run ${i + 1}: cold ${MB(r.cold.bytes)} MB / ${r.cold.requests} requests / ${(r.cold.ms / 1000).toFixed(2)} s; ` +
          `background ${MB(r.background.bytes)} MB / ${r.background.requests}; ` +
          `second visit ${MB(r.warm.bytes)} MB / ${r.warm.requests} / ${(r.warm.ms / 1000).toFixed(2)} s`,
      );
      runs.push(r);
    }
    const first = runs[0];
    const coldMs = median(runs.map((r) => r.cold.ms));
    const warmMs = median(runs.map((r) => r.warm.ms));
    console.log('');
    console.log(`| visit | bytes on the wire | requests | time to ready (median of ${RUNS}) |`);
    console.log('|---|---|---|---|');
    console.log(
      `| first (cold cache) | ${MB(first.cold.bytes)} MB | ${first.cold.requests} | ${(coldMs / 1000).toFixed(2)} s |`,
    );
    console.log(
      `| first, after ready (kept for offline use) | ${MB(first.background.bytes)} MB | ${first.background.requests} | – |`,
    );
    console.log(
      `| second (service worker, caches) | ${MB(first.warm.bytes)} MB | ${first.warm.requests} | ${(warmMs / 1000).toFixed(2)} s |`,
    );
    console.log('');
    console.log('First visit to ready, per file:');
    for (const line of first.cold.files) console.log(`  ${line}`);
    console.log('After ready, per file:');
    for (const line of first.background.files) console.log(`  ${line}`);
    console.log('Second visit, per file:');
    for (const line of first.warm.files.length ? first.warm.files : ['  (nothing)']) console.log(`  ${line}`);
    console.log('');
    console.log(
      `Cold load: ${MB(first.cold.bytes)} MB in ${first.cold.requests} requests, ready in ${(coldMs / 1000).toFixed(2)} s ` +
        `(targets 12 MB, 3 s: ${(first.cold.bytes / 12e6).toFixed(2)}× and ${(coldMs / 3000).toFixed(2)}×); ` +
        `second visit ${MB(first.warm.bytes)} MB, ready in ${(warmMs / 1000).toFixed(2)} s. Load average ${before.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after.`,
    );
    if (refs.length) {
      const refCold = median(refs.map((r) => r.cold.ms));
      const refWarm = median(refs.map((r) => r.warm.ms));
      console.log('');
      console.log(`Reference build (${refDist}), side by side, median of ${refs.length}:`);
      for (const [i, r] of refs.entries())
        console.log(
          `  ref run ${i + 1}: cold ${MB(r.cold.bytes)} MB / ${r.cold.requests} requests / ${(r.cold.ms / 1000).toFixed(2)} s; reload ${MB(r.warm.bytes)} MB / ${(r.warm.ms / 1000).toFixed(2)} s`,
        );
      for (const line of refs[0].cold.files) console.log(`  ${line}`);
      console.log(
        `Against the reference: cold bytes ${(first.cold.bytes / refs[0].cold.bytes).toFixed(2)}×, cold time to ready ${(coldMs / refCold).toFixed(2)}×, second visit time ${(warmMs / refWarm).toFixed(2)}× (reference cold ${(refCold / 1000).toFixed(2)} s, reload ${(refWarm / 1000).toFixed(2)} s).`,
      );
    }
  });
  reference?.stop();
}

runMain(main);
