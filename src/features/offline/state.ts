/**
 * @file What the page knows about working offline and about updates (the store's `offline`).
 * No imports: the store reads this type, and this module must not import the store back.
 */

export interface OfflineState {
  /**
   * The service worker: not registered yet (it registers once the explorer is ready), installing
   * (precaching the app), active (the app starts without the network), or unavailable (`note`
   * says why: a browser without service workers, a private window, the dev server).
   */
  worker: 'pending' | 'installing' | 'active' | 'unavailable';
  note?: string;
  /** A new release is installed and waits for the reload that starts it. */
  updateReady: boolean;
  /** Where the page's cross-origin isolation comes from (multi-threaded WASM needs it). */
  isolation: 'headers' | 'service-worker' | 'none';
}

export const NO_OFFLINE: OfflineState = { worker: 'pending', updateReady: false, isolation: 'none' };
