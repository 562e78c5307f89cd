/**
 * @file The caches DiffProbe keeps, by name, for the page and the service worker alike. Each name
 * carries a version: a release that changes what one of them holds (a new model or data-set
 * format) bumps it, and the service worker of that release deletes the caches of other versions
 * when it takes over, so an old copy is never read by code that expects the new.
 */
import { FILE_CACHE } from '../data/download';

/** Other ONNX Runtime builds (the WebGPU ones) and TensorFlow.js's, kept on first use: hashed names, so never stale. */
export const WASM_CACHE = 'diffprobe-wasm-v1';

/** Every cache of ours this release uses (Workbox's precache has its own name and cleanup). */
export const CURRENT_CACHES: readonly string[] = [FILE_CACHE, WASM_CACHE];

/** Our caches from other releases: `diffprobe-` names that this one does not use. */
export function staleCaches(names: readonly string[], current: readonly string[] = CURRENT_CACHES): string[] {
  return names.filter((n) => n.startsWith('diffprobe-') && !current.includes(n));
}
