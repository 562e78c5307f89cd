/**
 * @file Node's door to the JPEG decoder (the CLI, the tests, the benchmarks): libjpeg-turbo's
 * .wasm read from the installed package @cwasm/jpeg-turbo (core/image/decode/turbojpeg.ts). The
 * browser's image workers load the same file as a Vite asset (jpeg-web.ts).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { lazyJpegDecoder } from '../core/image/decode/turbojpeg';

/** The decoder, compiled when the first JPEG needs it. */
export const nodeJpeg = lazyJpegDecoder(async () => {
  const path = createRequire(import.meta.url).resolve('@cwasm/jpeg-turbo/jpeg-turbo.wasm');
  return WebAssembly.compile(await readFile(path));
});
