/// <reference lib="webworker" />
/**
 * @file DiffProbe's service worker (built by vite-plugin-pwa with Workbox, docs/deploy.md).
 *
 * - Precaches the app shell (index.html, JS, CSS, icons, the web app manifest), the ONNX Runtime
 *   .wasm the WASM backend uses, and the default model's manifest and data-set index: with them a
 *   second visit starts without the network. The model and the images are not precached: the page
 *   keeps them itself once it has checked their digests (data/download.ts), so a first visit
 *   downloads them once, not twice.
 * - Answers navigations with the precached index.html, adding COOP/COEP when the host sent none
 *   (isolation.ts).
 * - Keeps other ONNX Runtime .wasm builds (WebGPU) and TensorFlow.js's (the heads) on first use. Nothing else is cached here: a
 *   user's models and images never travel through the network at all (they are read from files).
 * - A new release waits until the page asks it to take over (the page asks only when no job runs,
 *   and keeps the user's results across the reload: offline/session.ts); when it takes over it
 *   deletes the caches of other releases (cache-names.ts).
 */
import { clientsClaim } from 'workbox-core';
import {
  addPlugins,
  addRoute,
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precache,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { CacheFirst } from 'workbox-strategies';
import { staleCaches, WASM_CACHE } from './cache-names';
import { withIsolation } from './isolation';

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: (string | { url: string; revision: string | null })[];
};

precache(self.__WB_MANIFEST);
cleanupOutdatedCaches();
// Everything answered from the precache carries COOP/COEP: the page, and the workers' scripts
// (a dedicated worker of an isolated page must be isolated too for SharedArrayBuffer).
addPlugins([{ handlerWillRespond: async ({ response }) => withIsolation(response) }]);

// Navigations first (the precache route would answer "/" itself): any address of the app, with
// its query (a shared view), gets the precached index.html.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('index.html'), {
    // Only the app's own page: a link to a file (a download, the docs) is not the app.
    denylist: [/\.[a-z0-9]+$/i],
  }),
);
addRoute();

// Any other ONNX Runtime build, and TensorFlow.js's (the heads, loaded on first use): content-hashed
// names, so a cached copy is never stale, and a head trained once can be trained again offline.
registerRoute(
  ({ url, sameOrigin }) =>
    sameOrigin && /\/assets\/(ort-wasm|tfjs-backend-wasm)[^/]*\.wasm$/.test(url.pathname),
  new CacheFirst({ cacheName: WASM_CACHE }),
);

self.addEventListener('message', (event) => {
  if (event.data?.type === 'SKIP_WAITING') void self.skipWaiting();
});

self.addEventListener('install', () => {
  // The very first install has no older worker whose pages could break: take over at once, so
  // that this visit's own later requests (a WebGPU .wasm) are kept too.
  if (!self.registration.active) void self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys().then((names) => Promise.all(staleCaches(names).map((name) => caches.delete(name)))),
  );
});

clientsClaim();
