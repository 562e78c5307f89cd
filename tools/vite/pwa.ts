/**
 * @file The service worker and web app manifest (vite-plugin-pwa, Workbox's injectManifest: the
 * worker is our own src/service-worker/sw.ts, Workbox only injects the precache list).
 */
import { VitePWA } from 'vite-plugin-pwa';

/** 20 MB: the ONNX Runtime .wasm (14.2 MB) must fit; Workbox's default is 2 MiB. */
const MAX_PRECACHED_FILE = 20_000_000;

export function serviceWorker() {
  return VitePWA({
    strategies: 'injectManifest',
    srcDir: 'src/service-worker',
    filename: 'sw.ts',
    // The page registers it itself, once the explorer is ready (offline/register.ts).
    injectRegister: false,
    registerType: 'prompt',
    manifest: {
      name: 'DiffProbe',
      short_name: 'DiffProbe',
      description:
        'Look inside diffusion U-Nets from the browser: feature maps, embeddings and linear probes.',
      start_url: '.',
      scope: '.',
      display: 'standalone',
      background_color: '#f6f7f9',
      theme_color: '#2f5fd0',
      icons: [
        { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
        { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
        { src: 'icons/icon-512-maskable.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        { src: 'icons/icon.svg', sizes: 'any', type: 'image/svg+xml' },
      ],
    },
    injectManifest: {
      globPatterns: [
        // (vite-plugin-pwa adds the web app manifest and the icons it lists.)
        '**/*.{js,css,html}',
        'icons/apple-touch-icon.png',
        // The WASM backend's build (not the WebGPU ones: kept by the worker on first use).
        'assets/ort-wasm-simd-threaded-*.wasm',
        // The default model's manifest and the data set's index: small, and they must match
        // the app that reads them (an old app keeps its own until it is updated).
        'models/*/manifest.json',
        'data/*/dataset.json',
      ],
      // Hashed names: the name is the revision.
      dontCacheBustURLsMatching: /^assets\//,
      maximumFileSizeToCacheInBytes: MAX_PRECACHED_FILE,
    },
  });
}
