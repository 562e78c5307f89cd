/**
 * @file Nothing a user computed is lost across an update: before the page reloads into a new
 * release, its results (every model's, as the model-change stash keeps them) and the images the
 * user added are written to IndexedDB, and the next page load takes them back before its first
 * model opens (results then return with their model, as after A → B → A). Kept for an hour; read
 * once.
 */
import type { UploadedImage } from '../../data/uploads';
import { resultsOf, type StashEntry, stashResults } from '../../state/model-change';
import type { ModelResults } from '../../state/results';
import type { AppState } from '../../state/store';

const DB_NAME = 'diffprobe-session';
const STORE = 'saved';
const KEY = 'update';
/** Older than this, a saved session is not an update's reload any more. */
export const SAVED_FOR_MS = 60 * 60 * 1000;

export interface SavedSession {
  savedAt: number;
  /** Every model's results, the loaded one's included. */
  stash: StashEntry[];
  uploads: UploadedImage[];
}

/** The parts of the state to keep. Runs stopped mid-way cannot resume in a new page: no longer resumable. */
export function snapshot(
  s: Pick<AppState, 'model' | 'modelStash' | 'uploads'> & ModelResults,
  now = Date.now(),
): SavedSession {
  const results = resultsOf(s);
  const frozen: ModelResults = {
    ...results,
    embedding: {
      main: results.embedding.main && { ...results.embedding.main, resumable: false },
      compare: results.embedding.compare && { ...results.embedding.compare, resumable: false },
    },
  };
  const stash = s.model ? stashResults(s.modelStash, s.model, frozen) : [...s.modelStash];
  return { savedAt: now, stash, uploads: [...s.uploads] };
}

function open(idb: IDBFactory): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = idb.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error('the session store is held by another tab'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('aborted'));
  });
}

export async function saveSession(session: SavedSession, idb: IDBFactory = indexedDB): Promise<void> {
  const db = await open(idb);
  try {
    const tx = db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put(session, KEY);
    await done(tx);
  } finally {
    db.close();
  }
}

/** The session an update saved (and deletes it), or null: none, too old, or no IndexedDB here. */
export async function takeSavedSession(
  idb: IDBFactory | undefined = globalThis.indexedDB,
  now = Date.now(),
): Promise<SavedSession | null> {
  if (!idb) return null;
  try {
    const db = await open(idb);
    try {
      const tx = db.transaction(STORE, 'readwrite');
      const store = tx.objectStore(STORE);
      const saved = await new Promise<SavedSession | undefined>((resolve, reject) => {
        const get = store.get(KEY);
        get.onsuccess = () => resolve(get.result as SavedSession | undefined);
        get.onerror = () => reject(get.error);
      });
      store.delete(KEY);
      await done(tx);
      return saved && now - saved.savedAt < SAVED_FOR_MS ? saved : null;
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}
