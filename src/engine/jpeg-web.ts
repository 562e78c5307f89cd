/**
 * @file The browser's door to the JPEG decoder (the image workers): libjpeg-turbo's .wasm
 * (@cwasm/jpeg-turbo, 136 KiB) as a Vite asset, fetched when the first JPEG is decoded and
 * compiled under the page's CSP ('wasm-unsafe-eval', no eval: the binary needs no JavaScript glue).
 * Node reads the same file (jpeg-node.ts), so both decode with the same code.
 */
import wasmUrl from '@cwasm/jpeg-turbo/jpeg-turbo.wasm?url';
import { lazyJpegDecoder } from '../core/image/decode/turbojpeg';

/** The decoder, fetched and compiled when the first JPEG needs it. */
export const webJpeg = lazyJpegDecoder(async () => {
  const response = await fetch(wasmUrl);
  if (!response.ok) throw new Error(`the JPEG decoder could not be loaded (${response.status} ${wasmUrl})`);
  return WebAssembly.compile(await response.arrayBuffer());
});
