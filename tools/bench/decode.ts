/**
 * `npm run bench:decode`: files per second when a folder of photos is added ("Add folder", the
 * user's path: read, decode, EXIF, convert to x₀, preview, polarity), in headless Chromium:
 * - after: this build (image workers, the project's decoders);
 * - before: a build of the code before #26 (createImageBitmap + canvas on the main thread), when
 *   BEFORE_DIST names one (`git archive <commit> | tar -x -C /tmp/before; ln -s $PWD/node_modules
 *   /tmp/before; (cd /tmp/before && npx vite build --outDir /tmp/dist-before)`);
 * - and, for scale, the decoders alone in Node: jpeg-js (the project's decoder before), libjpeg-turbo
 *   in WebAssembly at full size and at the DCT scale a 28×28 model asks for (core/image/decode).
 * The photos are N (default 1,000) JPEGs of W×H (default 800×600) drawn and encoded by Chromium.
 * ADD_FOLDER=0 times the decoders alone (Node and Chromium) and skips the Add-folder runs.
 * Timings are noisy on a shared machine: before and after run in the same script, one after the
 * other; compare their ratio.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import jpegJs from 'jpeg-js';
import { build as viteBuild } from 'vite';
import { decodeSizeFor } from '../../src/core/image/file';
import { nodeJpeg } from '../../src/engine/jpeg-node';
import { launchChromium, NAME_SHIM, withAppInChromium } from './browser';

// PHOTOS_DIR: a folder of your own JPEG photos instead of the drawn ones (never modified).
const OWN = process.env.PHOTOS_DIR ? resolve(process.env.PHOTOS_DIR) : null;
const N = OWN ? readdirSync(OWN).filter((f) => /\.jpe?g$/i.test(f)).length : Number(process.env.N ?? 1000);
const [W, H] = (process.env.SIZE ?? '800x600').split('x').map(Number);
const OUT = resolve('build/bench/decode');
const PHOTOS = OWN ?? join(OUT, `photos-${N}-${W}x${H}`);
const AFTER_DIST = join(OUT, 'dist');

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
    if (!OWN && have !== N) {
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
    const files = readdirSync(PHOTOS)
      .filter((f) => /\.jpe?g$/i.test(f))
      .sort();
    const mb = files.reduce((s, f) => s + readFileSync(join(PHOTOS, f)).length, 0) / 2 ** 20;
    console.log(
      `${N} JPEG photos ${OWN ? 'of your own' : `of ${W}×${H}`} (${mb.toFixed(1)} MB) in ${PHOTOS}`,
    );

    // The decoders alone, in Node, one thread: jpeg-js (the decoder before this one, full size),
    // libjpeg-turbo in WebAssembly at full size, and at the DCT scale a 28×28 model asks for.
    {
      const k = Math.min(N, 100);
      const photos = files.slice(0, k).map((f) => new Uint8Array(readFileSync(join(PHOTOS, f))));
      const jpeg = await nodeJpeg();
      const atLeast = decodeSizeFor({ height: 28, width: 28 });
      const rate = (decode: (bytes: Uint8Array) => unknown) => {
        decode(photos[0]);
        const t0 = performance.now();
        for (const bytes of photos) decode(bytes);
        return k / ((performance.now() - t0) / 1000);
      };
      const js = rate((bytes) => jpegJs.decode(bytes, { useTArray: true, formatAsRGBA: true }));
      const full = rate((bytes) => jpeg.decode(bytes));
      const scaled = rate((bytes) => jpeg.decode(bytes, atLeast));
      console.log(
        `node, decoding alone: jpeg-js ${js.toFixed(1)} files/s, libjpeg-turbo WASM full size ${full.toFixed(1)} (${(full / js).toFixed(1)}×), at the 28×28 model's DCT scale ${scaled.toFixed(1)} (${(scaled / js).toFixed(1)}×)`,
      );
    }

    // The decoders alone in Chromium, on one thread of a blank page: createImageBitmap (+ canvas
    // read-back, as the app did before) against libjpeg-turbo WASM at full size and at the DCT
    // scale of a 28×28 model. The app's worker code, bundled for the page by Vite.
    {
      const bundle = await viteBuild({
        configFile: false,
        logLevel: 'warn',
        build: {
          write: false,
          minify: false,
          lib: { entry: resolve('tools/bench/decode-page.ts'), formats: ['iife'], name: 'DecodePage' },
        },
      });
      const output = (Array.isArray(bundle) ? bundle[0] : bundle) as { output: { code?: string }[] };
      const code = output.output[0].code ?? '';
      const wasm = readFileSync(createRequire(import.meta.url).resolve('@cwasm/jpeg-turbo/jpeg-turbo.wasm'));
      const k = Math.min(N, 50);
      const photos = files.slice(0, k).map((f) => readFileSync(join(PHOTOS, f)).toString('base64'));
      const page = await browser.newPage();
      await page.addInitScript(NAME_SHIM);
      await page.goto('about:blank');
      await page.addScriptTag({ content: code });
      const rates: Record<string, number> = await page.evaluate(
        async ({ wasm64, photos64 }) => {
          const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const { jpegDecoder, decodeSizeFor } = (
            globalThis as never as { DecodePage: typeof import('./decode-page') }
          ).DecodePage;
          const decoder = jpegDecoder(await WebAssembly.compile(bytes(wasm64)));
          const files = photos64.map(bytes);
          const atLeast = decodeSizeFor({ height: 28, width: 28 });
          const rate = async (decode: (b: Uint8Array) => unknown) => {
            await decode(files[0]);
            const t0 = performance.now();
            for (const b of files) await decode(b);
            return files.length / ((performance.now() - t0) / 1000);
          };
          const bitmap = async (b: Uint8Array) => {
            const image = await createImageBitmap(new Blob([b as Uint8Array<ArrayBuffer>]));
            const ctx = new OffscreenCanvas(image.width, image.height).getContext('2d', {
              willReadFrequently: true,
            })!;
            ctx.drawImage(image, 0, 0);
            ctx.getImageData(0, 0, image.width, image.height);
            image.close();
          };
          const out: Record<string, number> = {};
          // Twice, alternating, so that a change in the machine's load touches both.
          for (let round = 0; round < 2; round++) {
            out[`bitmap${round}`] = await rate(bitmap);
            out[`full${round}`] = await rate((b) => decoder.decode(b));
            out[`scaled${round}`] = await rate((b) => decoder.decode(b, atLeast));
          }
          return out;
        },
        { wasm64: wasm.toString('base64'), photos64: photos },
      );
      await page.close();
      const best = (key: string) => Math.max(rates[`${key}0`], rates[`${key}1`]);
      const [bitmap, full, scaled] = [best('bitmap'), best('full'), best('scaled')];
      console.log(
        `chromium, decoding alone (${k} photos, one thread, best of 2): createImageBitmap + getImageData ${bitmap.toFixed(1)} files/s, libjpeg-turbo WASM full size ${full.toFixed(1)} (${(full / bitmap).toFixed(2)}×), at the 28×28 model's DCT scale ${scaled.toFixed(1)} (${(scaled / bitmap).toFixed(2)}×)`,
      );
    }

    // Each build served on its own port and opened in a browser of its own.
    const addFolder = (label: string, dist: string, port: number) =>
      withAppInChromium(
        port,
        async (own, url) => {
          const page = await own.newPage();
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
        },
        { outDir: dist },
      );
    if (process.env.ADD_FOLDER === '0') return; // the decoders alone
    if (process.env.BEFORE_DIST)
      await addFolder('before (createImageBitmap, main thread)', process.env.BEFORE_DIST, 4391);
    await addFolder('after (image workers, libjpeg-turbo WASM with DCT scaling)', AFTER_DIST, 4392);
    if (process.env.BEFORE_DIST) await addFolder('before, again', process.env.BEFORE_DIST, 4391);
  } finally {
    await browser.close();
  }
}

await main();
