/**
 * `npm run bench:decode`: files per second when a folder of photos is added ("Add folder", the
 * user's path: read, decode, EXIF, convert to x₀, preview, polarity), in headless Chromium:
 * - after: this build (image workers, the project's decoders);
 * - before: a build of the code before #26 (createImageBitmap + canvas on the main thread), when
 *   BEFORE_DIST names one (`git archive <commit> | tar -x -C /tmp/before; ln -s $PWD/node_modules
 *   /tmp/before; (cd /tmp/before && npx vite build --outDir /tmp/dist-before)`);
 * - and, for scale, the project's decoder alone in Node (jpeg-js through core/image/decode).
 * The photos are N (default 1,000) JPEGs of W×H (default 800×600) drawn and encoded by Chromium.
 * Timings are noisy on a shared machine: before and after run in the same script, one after the
 * other; compare their ratio.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeImageFile } from '../../src/core/image/decode';
import { launchChromium, NAME_SHIM } from './browser';

const N = Number(process.env.N ?? 1000);
const [W, H] = (process.env.SIZE ?? '800x600').split('x').map(Number);
const OUT = resolve('build/bench/decode');
const PHOTOS = join(OUT, `photos-${N}-${W}x${H}`);
const AFTER_DIST = join(OUT, 'dist');

async function serve(dist: string, port: number): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      'node_modules/vite/bin/vite.js',
      'preview',
      '--port',
      String(port),
      '--strictPort',
      '--host',
      '127.0.0.1',
      '--outDir',
      dist,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(url)).ok) return { url, child };
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`vite preview did not start on ${url}`);
}

async function main() {
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--outDir', AFTER_DIST], {
    stdio: 'inherit',
  });
  const browser = await launchChromium();
  try {
    // The photos: a garment-like dark shape on a light, graded ground, a different one each.
    let have = 0;
    try {
      have = readdirSync(PHOTOS).length;
    } catch {}
    if (have !== N) {
      rmSync(PHOTOS, { recursive: true, force: true });
      mkdirSync(PHOTOS, { recursive: true });
      const page = await browser.newPage();
      await page.addInitScript(NAME_SHIM);
      await page.goto('about:blank');
      for (let start = 0; start < N; start += 50) {
        const batch: string[] = await page.evaluate(
          async ({ start, count, W, H }) => {
            const out: string[] = [];
            for (let i = start; i < start + count; i++) {
              const c = new OffscreenCanvas(W, H);
              const g = c.getContext('2d')!;
              const grad = g.createLinearGradient(0, 0, W, H);
              grad.addColorStop(0, '#f6f4f0');
              grad.addColorStop(1, '#d8d4cc');
              g.fillStyle = grad;
              g.fillRect(0, 0, W, H);
              g.fillStyle = `hsl(${(i * 37) % 360}, 30%, ${20 + (i % 30)}%)`;
              g.fillRect(W * 0.3, H * 0.15, W * (0.3 + (i % 7) / 40), H * 0.7);
              g.beginPath();
              g.arc(W * 0.5, H * 0.2, H * 0.12, 0, Math.PI * 2);
              g.fill();
              const bytes = new Uint8Array(
                await (await c.convertToBlob({ type: 'image/jpeg', quality: 0.9 })).arrayBuffer(),
              );
              let s = '';
              for (let k = 0; k < bytes.length; k += 0x8000)
                s += String.fromCharCode(...bytes.subarray(k, k + 0x8000));
              out.push(btoa(s));
            }
            return out;
          },
          { start, count: Math.min(50, N - start), W, H },
        );
        for (const [k, b64] of batch.entries())
          writeFileSync(
            join(PHOTOS, `${String(start + k).padStart(5, '0')}.jpg`),
            Buffer.from(b64, 'base64'),
          );
      }
      await page.close();
    }
    const files = readdirSync(PHOTOS).sort();
    const mb = files.reduce((s, f) => s + readFileSync(join(PHOTOS, f)).length, 0) / 2 ** 20;
    console.log(`${N} JPEG photos of ${W}×${H} (${mb.toFixed(1)} MB) in ${PHOTOS}`);

    // jpeg-js alone, in Node (the decoding the image workers and the CLI run).
    {
      const t0 = performance.now();
      const k = Math.min(N, 100);
      for (const f of files.slice(0, k)) decodeImageFile(new Uint8Array(readFileSync(join(PHOTOS, f))), f);
      const s = (performance.now() - t0) / 1000;
      console.log(`node, core/image/decode (jpeg-js) alone: ${(k / s).toFixed(1)} files/s`);
    }

    const addFolder = async (label: string, dist: string, port: number) => {
      const { url, child } = await serve(dist, port);
      try {
        const page = await browser.newPage();
        await page.addInitScript(NAME_SHIM);
        await page.addInitScript(() =>
          window.localStorage.setItem('diffprobe.preferences.v1', JSON.stringify({ backend: 'wasm' })),
        );
        await page.goto(url);
        await page.getByRole('button', { name: /^Test image 0: / }).waitFor({ timeout: 180_000 });
        const t0 = Date.now();
        await page.getByLabel('Add folder').setInputFiles(PHOTOS);
        await page
          .getByRole('note')
          .filter({ hasText: `Added ${N} images` })
          .waitFor({ timeout: 1_800_000 });
        const s = (Date.now() - t0) / 1000;
        console.log(
          `${label}: Add folder of ${N} photos in ${s.toFixed(1)} s, ${(N / s).toFixed(1)} files/s`,
        );
        await page.close();
      } finally {
        child.kill();
      }
    };
    if (process.env.BEFORE_DIST)
      await addFolder('before (createImageBitmap, main thread)', process.env.BEFORE_DIST, 4391);
    await addFolder('after (image workers, core/image/decode)', AFTER_DIST, 4392);
    if (process.env.BEFORE_DIST) await addFolder('before, again', process.env.BEFORE_DIST, 4391);
  } finally {
    await browser.close();
  }
}

await main();
