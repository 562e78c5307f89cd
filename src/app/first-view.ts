/**
 * @file When the first view is really ready: the model loaded, the first image's feature maps
 * computed and painted. Background work (the service worker's precaching, the rest of the bundled
 * images) waits for this, so that it never competes with the page's own start for the network or
 * the CPU (on a two-core laptop it did: precaching began while the first forward pass ran).
 *
 * The moment is also left as a performance mark, {@link FIRST_VIEW_MARK}: it shows in a DevTools
 * performance trace, and a script can read it after the load without watching the page meanwhile.
 */
import { getState, subscribe } from '../state/store';

export const FIRST_VIEW_MARK = 'diffprobe:first-view';

const GIVE_UP_MS = 20_000;

/** The first pass's result has arrived (its maps paint in the frame after). */
const drawn = () => getState().forward !== null;

/**
 * Resolves once the first image's maps have been painted, or at once when the model did not load
 * (`loaded` false: nothing will be painted, and the background work should not wait for ever).
 */
export function whenFirstViewReady(loaded: boolean): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      // Two frames: React commits the result, then the canvas is painted.
      requestAnimationFrame(() =>
        requestAnimationFrame(() => {
          if (loaded && performance.getEntriesByName(FIRST_VIEW_MARK).length === 0)
            performance.mark(FIRST_VIEW_MARK);
          resolve();
        }),
      );
    };
    if (!loaded || drawn()) return done();
    // A first pass that never comes (the images failed to load, say) must not hold offline use
    // back for good: after a while the background work starts anyway.
    const late = setTimeout(() => {
      stop();
      resolve();
    }, GIVE_UP_MS);
    const stop = subscribe(() => {
      if (!drawn()) return;
      stop();
      clearTimeout(late);
      done();
    });
  });
}
