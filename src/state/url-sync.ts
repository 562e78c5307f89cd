/**
 * @file Keeps the URL and the view in step. A discrete change pushes a history entry (so Back
 * undoes it); a burst of changes (dragging the timestep slider) replaces the entry instead of
 * filling history. Back/forward restore the view from the URL.
 */
import { getState, subscribe } from './store';
import { decodeView, encodeView } from './url';

const COALESCE_MS = 600;

export function startUrlSync(win: Window = window): () => void {
  getState().replaceView(decodeView(win.location.search));
  let lastPush = 0;
  let applyingPop = false;
  const unsubscribe = subscribe((state, previous) => {
    if (state.view === previous.view || applyingPop) return;
    const search = encodeView(state.view);
    if (search === win.location.search) return;
    const url = `${win.location.pathname}${search}${win.location.hash}`;
    const now = Date.now();
    if (now - lastPush < COALESCE_MS) win.history.replaceState(null, '', url);
    else win.history.pushState(null, '', url);
    lastPush = now;
  });
  const onPop = () => {
    applyingPop = true;
    getState().replaceView(decodeView(win.location.search));
    applyingPop = false;
  };
  win.addEventListener('popstate', onPop);
  return () => {
    unsubscribe();
    win.removeEventListener('popstate', onPop);
  };
}
