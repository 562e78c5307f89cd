/**
 * @file Offline use and updates, page side: the service worker registers once the explorer is
 * ready (so that its precaching never competes with the first load), the status line says how
 * far offline use has got, and a new release is started only when the user asks and nothing is
 * running, with the results kept across the reload (session.ts).
 */
import { Workbox } from 'workbox-window';
import { runningWork } from '../../state/jobs';
import { getState } from '../../state/store';
import { isolationSource } from './isolation';
import { saveSession, snapshot, takeSavedSession } from './session';
import type { OfflineState } from './state';

let workbox: Workbox | null = null;

const set = (patch: Partial<OfflineState>) => getState().setOffline(patch);

/** Records where this page's isolation comes from (at start-up; it cannot change without a reload). */
export function detectIsolation(): void {
  set({ isolation: isolationSource() });
}

/**
 * Registers the service worker. A browser without one, a private window that refuses it, or the
 * dev server (no build, nothing to precache) leaves the app as it was, online only, and says so
 * in the status line's details.
 */
export async function startServiceWorker(): Promise<void> {
  if (import.meta.env.DEV) return set({ worker: 'unavailable', note: 'the dev server runs without one' });
  if (!('serviceWorker' in navigator))
    return set({ worker: 'unavailable', note: 'this browser (or window) has no service workers' });
  const wb = new Workbox(new URL('sw.js', document.baseURI).href, { scope: './' });
  workbox = wb;
  wb.addEventListener('waiting', () => set({ updateReady: true }));
  set({ worker: 'installing' });
  try {
    await wb.register({ immediate: true });
    await navigator.serviceWorker.ready;
    set({ worker: 'active' });
  } catch (error) {
    set({ worker: 'unavailable', note: `it could not be registered: ${String(error)}` });
  }
}

/** What keeps the update from starting now ("a sweep"), or null when nothing runs. */
export function updateBlockedBy(s = getState()): string | null {
  const runs = runningWork();
  if (runs.length) return runs.length > 1 ? 'the runs in progress' : 'the run in progress';
  const jobs = Object.values(s.jobs);
  return jobs.length ? `“${jobs[0].label}”` : null;
}

/**
 * Starts the waiting release: saves the results and added images, asks the new worker to take
 * over, and reloads when it has. Refused while anything runs (the button says what it waits for).
 */
export async function applyUpdate(): Promise<void> {
  const wb = workbox;
  if (!wb || updateBlockedBy()) return;
  try {
    await saveSession(snapshot(getState()));
  } catch (error) {
    getState().notify(
      'warning',
      'Your results could not be kept for the update',
      `${String(error)}. Export what you need first (the panels' Save buttons), then reload.`,
    );
    return;
  }
  wb.addEventListener('controlling', () => window.location.reload());
  wb.messageSkipWaiting();
}

/**
 * Before the first model opens: the results and images an update's reload saved, if any. The
 * results come back with their model (state/model-change.ts takes them from the stash).
 */
export async function restoreSavedSession(): Promise<boolean> {
  const saved = await takeSavedSession();
  if (!saved) return false;
  getState().restoreSession(saved.stash, saved.uploads);
  getState().notify('info', 'DiffProbe was updated', 'Your results and added images were kept.');
  return true;
}
