/**
 * `npm run bench:adm256 -- --model <export folder>`: the paper's full-size model (guided-diffusion's
 * ImageNet-256 unconditional ADM, ≈ 550 M parameters, exported by tools/export as in docs/export.md)
 * in the browser and in the CLI, float32 and float16, side by side in one run:
 *
 * - browser: the production build in headless Chromium on WASM, the model opened with "Open model…"
 *   (manifest + .onnx + .data, as a user picks them; `--bare`: the .onnx and .data alone, the blocks
 *   found by discovery), then `extractFeatures` on the first bundled test images at batch 1, every
 *   block average-pooled. Measured: the estimate said before loading and whether it fits, the load's
 *   seconds, seconds per image, ONNX Runtime Web's WASM heap after loading and after extracting, and
 *   the browser's peak RSS (renderer alone, and all its processes together).
 * - CLI: `diffprobe extract` (onnxruntime-node) on the same images, seed and t, under
 *   /usr/bin/time: seconds per image (from its progress line), the run's wall time and peak RSS.
 *   Its features are compared with the browser's (max |Δ| over max |value|).
 *
 * Ratios are browser / CLI. One thread each by default (`--threads`), so that both sides use the
 * same cores; the machine's load average is printed with every step, since these machines are
 * shared. Results go to stdout (markdown) and build/bench/adm256.json. Not a test, not in `npm test`:
 * the model is gigabytes, outside the repository, and one image takes minutes on a CPU.
 *
 *   npm run bench:adm256 -- --model /work/big/adm256 [--variants fp32,fp16] [--images 2] [--t 100]
 *                           [--threads 1] [--bare] [--no-browser] [--no-cli] [--timeout-min 120]
 *                           [--blocks input_blocks.5,middle_block,…] (default: every manifest block)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { bundledSet } from '../../src/cli/images';
import { loadManifestFile } from '../../src/cli/load';
import { readNpy } from '../../src/core/npy';
import { estimateMemory, fitsWasmHeap, formatBytes } from '../../src/core/onnx/memory';
import { readModel } from '../../src/core/onnx/reader';
import { launchChromium, openWasmPage, runMain, startPreview } from './browser';
import { browserRoots, sampleTree } from './proc-memory';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist-cli/diffprobe.js');

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);
const MODEL_DIR = option('model');
const IMAGES = Number(option('images') ?? 2);
const T = Number(option('t') ?? 100);
const SEED = Number(option('seed') ?? 0);
const THREADS = Number(option('threads') ?? 1);
const TIMEOUT_MS = Number(option('timeout-min') ?? 120) * 60_000;
const PORT = Number(option('port') ?? 4327);
const BARE = flag('bare');

/** One variant of the export: its manifest, graph and external data files. */
interface Variant {
  name: 'fp32' | 'fp16';
  manifest: string;
  onnx: string;
  data: string[];
}

function variantsOf(dir: string): Variant[] {
  const all: Variant[] = [
    { name: 'fp32', manifest: 'manifest.json', onnx: 'model.onnx', data: ['model.onnx.data'] },
    { name: 'fp16', manifest: 'manifest-fp16.json', onnx: 'model-fp16.onnx', data: ['model-fp16.onnx.data'] },
  ].map((v) => ({
    ...v,
    name: v.name as Variant['name'],
    manifest: join(dir, v.manifest),
    onnx: join(dir, v.onnx),
    data: v.data.map((d) => join(dir, d)).filter(existsSync),
  }));
  const wanted = (option('variants') ?? 'fp32,fp16').split(',');
  return all.filter((v) => wanted.includes(v.name) && existsSync(v.manifest) && existsSync(v.onnx));
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const log = (text: string) =>
  console.log(`[${new Date().toISOString().slice(11, 19)} load ${load()}] ${text}`);
const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

interface Estimate {
  weights: number;
  total: number;
  wasmNeed: number;
  fits: boolean;
}

async function estimate(v: Variant): Promise<Estimate> {
  const manifest = await loadManifestFile(v.manifest);
  const info = readModel(new Uint8Array(readFileSync(v.onnx)));
  const m = estimateMemory(info, BARE ? null : manifest);
  const fit = fitsWasmHeap(m);
  return { weights: m.weights, total: m.total, wasmNeed: fit.need, fits: fit.fits };
}

interface BrowserResult {
  ok: boolean;
  error?: string;
  /** The "needs about …" line the page showed while loading. */
  said?: string;
  loadSeconds?: number;
  timings?: Record<string, number>;
  secondsPerImage?: number;
  heapAfterLoad?: number;
  heapAfterExtract?: number;
  rendererPeakRss: number;
  browserPeakRss: number;
  features?: Float32Array;
  blocks?: number;
}

async function inBrowser(
  v: Variant,
  url: string,
  x0: Float32Array,
  blocks: string[],
): Promise<BrowserResult> {
  const before = browserRoots();
  const browser: Browser = await launchChromium();
  const [pid] = browserRoots(before);
  if (!pid) throw new Error('no browser process to measure');
  const sampler = sampleTree(pid);
  const done = (r: Omit<BrowserResult, 'rendererPeakRss' | 'browserPeakRss'>): BrowserResult => {
    const peak = sampler.stop();
    return { ...r, rendererPeakRss: peak.processHwm, browserPeakRss: peak.treeRss };
  };
  try {
    const page: Page = await openWasmPage(browser, url, THREADS);
    const fileName = v.onnx.split('/').pop()!;
    const files = [...(BARE ? [] : [v.manifest]), v.onnx, ...v.data];
    log(`browser ${v.name}: opening ${files.map((f) => f.split('/').pop()).join(' + ')}`);
    // The app's own model is loaded already (under the same file name, model.onnx): wait for another.
    const before = await page.evaluate(() => window.diffprobe.state().model!.id);
    const t0 = Date.now();
    await page.getByLabel('Open model…').setInputFiles(files);
    // Loaded (the status names the file) or refused (an alert names it); the estimate said on the way.
    const outcome = await page.waitForFunction(
      ({ name, before }) => {
        const w = window as unknown as { benchSaid?: string };
        const said = (document.body.textContent ?? '').match(/needs about [\d.]+ [GM]B at batch 1/);
        if (said) w.benchSaid = said[0];
        const model = window.diffprobe.state().model;
        if (model?.fileName === name && model.id !== before) return { ok: true, said: w.benchSaid };
        const alert = [...document.querySelectorAll('[role=alert]')].find((a) =>
          a.textContent?.includes(name),
        );
        return alert ? { ok: false, said: w.benchSaid, error: alert.textContent ?? '' } : null;
      },
      { name: fileName, before },
      { polling: 1000, timeout: TIMEOUT_MS },
    );
    const opened = (await outcome.jsonValue()) as { ok: boolean; said?: string; error?: string };
    const loadSeconds = (Date.now() - t0) / 1000;
    if (!opened.ok) {
      log(`browser ${v.name}: refused after ${loadSeconds.toFixed(0)} s: ${opened.error}`);
      return done({ ok: false, error: opened.error, said: opened.said, loadSeconds });
    }
    const info = await page.evaluate(() => window.diffprobe.state().model!);
    log(
      `browser ${v.name}: loaded in ${loadSeconds.toFixed(0)} s (${JSON.stringify(info.timings)}), heap ${gb(info.wasmHeapBytes ?? 0)}`,
    );
    const names = BARE ? info.manifest.blocks.map((b) => b.name) : blocks;
    const run = await page.evaluate(
      async ({ x0, count, t, seed, names }) => {
        const features: Record<string, number[]> = {};
        const t0 = performance.now();
        await window.diffprobe.runWithPartials(
          'extractFeatures',
          {
            images: { data: new Float32Array(x0), count },
            t,
            seed,
            blocks: names,
            pooling: { kind: 'avg' },
            batchSize: 1,
            cache: false,
          },
          (chunk) => {
            for (const [b, f] of Object.entries(chunk.features)) features[b] = [...(features[b] ?? []), ...f];
          },
        );
        const ms = performance.now() - t0;
        const env = await window.diffprobe.run('environment', {});
        return { ms, features, heap: env.wasmHeapBytes ?? 0 };
      },
      { x0: Array.from(x0), count: IMAGES, t: T, seed: SEED, names },
    );
    // Rows of every block side by side, in the order of `names`: what the CLI's --out f.npy holds.
    const dims = names.map((b) => run.features[b].length / IMAGES);
    const width = dims.reduce((a, b) => a + b, 0);
    const features = new Float32Array(IMAGES * width);
    for (let r = 0; r < IMAGES; r++) {
      let at = r * width;
      for (const [k, b] of names.entries()) {
        features.set(run.features[b].slice(r * dims[k], (r + 1) * dims[k]), at);
        at += dims[k];
      }
    }
    const secondsPerImage = run.ms / 1000 / IMAGES;
    log(`browser ${v.name}: ${secondsPerImage.toFixed(1)} s per image, heap ${gb(run.heap)}`);
    return done({
      ok: true,
      said: opened.said,
      loadSeconds,
      timings: info.timings,
      secondsPerImage,
      heapAfterLoad: info.wasmHeapBytes,
      heapAfterExtract: run.heap,
      features,
      blocks: names.length,
    });
  } catch (error) {
    log(`browser ${v.name}: failed: ${(error as Error).message.split('\n')[0]}`);
    return done({ ok: false, error: (error as Error).message.split('\n')[0] });
  } finally {
    await browser.close();
  }
}

interface CliResult {
  ok: boolean;
  error?: string;
  secondsPerImage?: number;
  wallSeconds?: number;
  peakRss?: number;
  features?: Float32Array;
}

async function inCli(v: Variant, work: string, blocks: string[]): Promise<CliResult> {
  const out = join(work, `${v.name}.npy`);
  const args = [
    '-f',
    'time: %e s, max RSS %M kB',
    process.execPath,
    CLI,
    'extract',
    '--manifest',
    v.manifest,
    '--count',
    String(IMAGES),
    '--t',
    String(T),
    '--seed',
    String(SEED),
    '--threads',
    String(THREADS),
    '--batch',
    '1',
    '--blocks',
    blocks.join(','),
    '--no-cache',
    '--out',
    out,
  ];
  log(
    `cli ${v.name}: diffprobe extract --manifest ${v.manifest} --count ${IMAGES} --t ${T} --threads ${THREADS}`,
  );
  const { code, stderr } = await new Promise<{ code: number; stderr: string }>((done) => {
    const child = spawn('/usr/bin/time', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => done({ code: code ?? 1, stderr }));
  });
  const time = stderr.match(/time: ([\d.]+) s, max RSS (\d+) kB/);
  const extract = stderr.match(/extract: \d+\/\d+ images in ([\d.]+) s/);
  if (code !== 0 || !time || !extract) {
    log(`cli ${v.name}: failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return { ok: false, error: stderr.trim().split('\n').slice(-2).join(' ') };
  }
  const r = {
    ok: true,
    secondsPerImage: Number(extract[1]) / IMAGES,
    wallSeconds: Number(time[1]),
    peakRss: Number(time[2]) * 1024,
    features: readNpy(new Uint8Array(readFileSync(out))).data as Float32Array,
  };
  log(
    `cli ${v.name}: ${r.secondsPerImage.toFixed(1)} s per image, ${r.wallSeconds} s in all, peak RSS ${gb(r.peakRss)}`,
  );
  return r;
}

/** max |a − b| over max |b|: the browser's features against the CLI's. */
function relativeDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.NaN;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / (scale || 1);
}

async function main() {
  if (!MODEL_DIR) throw new Error('give --model <folder of an export_unet.py export> (docs/export.md)');
  const variants = variantsOf(resolve(MODEL_DIR));
  if (!variants.length) throw new Error(`${MODEL_DIR} holds no manifest.json + model.onnx (nor -fp16)`);
  if (!flag('no-cli') && !existsSync(CLI)) throw new Error(`${CLI} is missing: npm run build:cli`);
  const first = await loadManifestFile(variants[0].manifest);
  const images = await bundledSet(first, variants[0].manifest, 'test');
  const rows = Array.from({ length: IMAGES }, (_, i) => i);
  const x0 = await images.modelInput(rows, first);
  const chosen = option('blocks')?.split(',');
  const unknown = chosen?.filter((b) => !first.blocks.some((m) => m.name === b)) ?? [];
  if (unknown.length) throw new Error(`--blocks: ${unknown.join(', ')} not in the manifest`);
  const blocks = chosen ?? first.blocks.map((b) => b.name);
  const work = mkdtempSync(join(tmpdir(), 'bench-adm256-'));
  log(
    `${first.name}: ${first.input.channels}×${first.input.height}×${first.input.width}, ${blocks.length} blocks; ${IMAGES} bundled test image(s), t = ${T}, seed ${SEED}, ${THREADS} thread(s)`,
  );
  const preview = flag('no-browser') ? null : await startPreview(PORT);
  const results: Record<string, unknown>[] = [];
  try {
    for (const v of variants) {
      const est = await estimate(v);
      log(
        `${v.name}: weights ${formatBytes(est.weights)}; estimate ${formatBytes(est.total)} at batch 1, WASM heap needed ${formatBytes(est.wasmNeed)} (${est.fits ? 'fits' : 'refused'})`,
      );
      const cli = flag('no-cli') ? null : await inCli(v, work, blocks);
      const web = preview ? await inBrowser(v, preview.url, x0, blocks) : null;
      const parity =
        web?.features && cli?.features && !BARE ? relativeDiff(web.features, cli.features) : undefined;
      if (parity !== undefined)
        log(`${v.name}: browser vs CLI features, max |Δ| / max |value| ${parity.toExponential(2)}`);
      results.push({
        variant: v.name,
        estimate: est,
        browser: web && { ...web, features: undefined },
        cli: cli && { ...cli, features: undefined },
        parity,
      });
    }
  } finally {
    preview?.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const s = (x?: number) => (x === undefined ? '–' : x.toFixed(1));
  const g = (x?: number) => (x === undefined ? '–' : gb(x));
  console.log(
    `\n${first.name}, ${IMAGES} image(s) at batch 1, t = ${T}, ${blocks.length === first.blocks.length ? 'all ' : ''}${blocks.length} blocks average-pooled, ${THREADS} thread(s) each side${BARE ? ', opened bare in the browser' : ''}\n`,
  );
  console.log(
    '| model | estimate → WASM heap needed | browser load | browser s/image | CLI s/image | ratio | WASM heap after load / extract | browser peak RSS (renderer / all) | CLI peak RSS | features browser vs CLI |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: |');
  for (const r of results as {
    variant: string;
    estimate: Estimate;
    browser: BrowserResult | null;
    cli: CliResult | null;
    parity?: number;
  }[]) {
    const { browser: w, cli: c, estimate: e } = r;
    const ratio =
      w?.secondsPerImage && c?.secondsPerImage
        ? `${(w.secondsPerImage / c.secondsPerImage).toFixed(2)}×`
        : '–';
    console.log(
      `| ${r.variant} | ${formatBytes(e.total)} → ${formatBytes(e.wasmNeed)} (${e.fits ? 'fits' : 'refused'}) | ${w?.ok ? `${s(w.loadSeconds)} s` : `refused: ${w?.error?.slice(0, 120) ?? '–'}`} | ${s(w?.secondsPerImage)} | ${s(c?.secondsPerImage)} | ${ratio} | ${g(w?.heapAfterLoad)} / ${g(w?.heapAfterExtract)} | ${g(w?.rendererPeakRss)} / ${g(w?.browserPeakRss)} | ${g(c?.peakRss)} | ${r.parity === undefined ? '–' : r.parity.toExponential(1)} |`,
    );
  }
  mkdirSync(join(ROOT, 'build/bench'), { recursive: true });
  writeFileSync(
    join(ROOT, 'build/bench/adm256.json'),
    `${JSON.stringify({ at: new Date().toISOString(), images: IMAGES, t: T, threads: THREADS, bare: BARE, results }, null, 2)}\n`,
  );
  log('done (build/bench/adm256.json)');
}

runMain(main);
