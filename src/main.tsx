import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { prefetchRemainingData, startBundledDataSync } from './app/bundled-data';
import { detectEnvironment, listenToWorker, loadDefaultModel } from './app/commands';
import { exposeConsoleApi } from './app/console-api';
import { startForwardSync } from './app/forward';
import { startKeyboard } from './app/keyboard';
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

void detectEnvironment()
  .then(() => loadDefaultModel())
  // Once the explorer is ready: the rest of the bundled images, in idle time (offline after one visit).
  .then(() => prefetchRemainingData());
