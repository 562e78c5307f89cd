import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { prefetchRemainingData, startBundledDataSync } from './app/bundled-data';
import { detectEnvironment, listenToWorker, loadDefaultModel } from './app/commands';
import { exposeConsoleApi } from './app/console-api';
import { whenFirstViewReady } from './app/first-view';
import { startForwardSync } from './app/forward';
import { startKeyboard } from './app/keyboard';
import { detectIsolation, restoreSavedSession, startServiceWorker } from './features/offline/commands';
import { loadPreferences, savePreferences } from './state/persistence';
import { getState, subscribe } from './state/store';
import { startUrlSync } from './state/url-sync';
import './app/app.css';

getState().setPrefs(loadPreferences(window.localStorage));
subscribe((s, prev) => {
  if (s.prefs !== prev.prefs) savePreferences(window.localStorage, s.prefs);
});
startUrlSync();
listenToWorker();
startKeyboard();
startForwardSync();
startBundledDataSync();
exposeConsoleApi();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

detectIsolation();
void detectEnvironment()
  // Results an update's reload kept come back with their model (features/offline/session.ts).
  .then(() => restoreSavedSession())
  .then(() => loadDefaultModel())
  .catch((error: unknown) => {
    // A start that failed before the model's own load (the worker did not answer): still said in
    // the console, as the unhandled rejection said it before; the background work goes ahead.
    console.error('DiffProbe could not start:', error);
    return false;
  })
  // Once the first image's maps are painted (or the load failed): offline use, then the rest of
  // the bundled images in idle time, so that one visit is enough to work offline.
  .then((loaded) => whenFirstViewReady(loaded))
  .then(() => {
    void startServiceWorker();
    void prefetchRemainingData();
  });
