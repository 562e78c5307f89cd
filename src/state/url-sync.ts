/**
 * @file Keeps the URL and the view in step. A discrete change pushes a history entry (so Back
 * undoes it); a burst of changes (dragging the timestep slider) replaces the entry instead of
 * filling history. Back/forward restore the view from the URL.
 *
 * While a link made with another model is pending (store.linkPending, see model-change.ts) the
 * address bar keeps the link as it was: the live view is only a stand-in for the loaded model.
 * The first model's own correction of the view (e.g. a block name it lacks) replaces the entry
 * rather than pushing one: it is not a step the user took.
 */
import { getState, subscribe } from './store';
import { decodeView, encodeView } from './url';

const COALESCE_MS = 600;

export function startUrlSync(win: Window = window): () => void {
  getState().openLink(decodeView(win.location.search));
  let lastPush = 0;
  let applyingPop = false;
  const unsubscribe = subscribe((state, previous) => {
    if (state.view === previous.view || applyingPop || state.linkPending) return;
    const search = encodeView(state.view);
    if (search === win.location.search) return;
    const url = `${win.location.pathname}${search}${win.location.hash}`;
    if (previous.model === null && state.model !== null) {
      win.history.replaceState(null, '', url);
      return;
    }
    const now = Date.now();
    if (now - lastPush < COALESCE_MS) win.history.replaceState(null, '', url);
    else win.history.pushState(null, '', url);
    lastPush = now;
  });
  const onPop = () => {
    applyingPop = true;
    getState().openLink(decodeView(win.location.search));
    applyingPop = false;
  };
  win.addEventListener('popstate', onPop);
  return () => {
    unsubscribe();
    win.removeEventListener('popstate', onPop);
  };
}
