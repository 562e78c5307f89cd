/**
 * @file Where each piece of state is kept. Adding a key to ViewState or Preferences without an
 * entry here is a type error, so every new field gets a deliberate decision.
 */
import type { ViewState } from './view';

export type Persistence = 'url' | 'local' | 'none';

/** View state goes to the URL so a link reopens the same view. */
export const VIEW_PERSISTENCE: { [K in keyof ViewState]: Persistence } = {
  model: 'url',
  modelHash: 'url',
  images: 'url',
  t: 'url',
  blocks: 'url',
  pooling: 'url',
  seed: 'url',
};

export interface Preferences {
  /** Forced backend; 'auto' measures both backends on the model (software adapters never count) and keeps the faster. */
  backend: 'auto' | 'webgpu' | 'wasm';
  /** WASM threads; 0 = automatic (hardwareConcurrency − 1, clamped to 1…4, when cross-origin isolated). */
  wasmThreads: number;
}

export const DEFAULT_PREFERENCES: Preferences = { backend: 'auto', wasmThreads: 0 };

/** Preferences persist in this browser only (they describe the machine, not the view). */
export const PREFERENCE_PERSISTENCE: { [K in keyof Preferences]: Persistence } = {
  backend: 'local',
  wasmThreads: 'local',
};

const PREFS_KEY = 'diffprobe.preferences.v1';

export function loadPreferences(storage: Pick<Storage, 'getItem'> | undefined): Preferences {
  try {
    const raw = JSON.parse(storage?.getItem(PREFS_KEY) ?? '{}') as Partial<Preferences>;
    const backend = ['auto', 'webgpu', 'wasm'].includes(raw.backend as string) ? raw.backend! : 'auto';
    const threads = Number(raw.wasmThreads);
    const wasmThreads = Number.isInteger(threads) && threads >= 0 && threads <= 16 ? threads : 0;
    return { backend, wasmThreads };
  } catch {
    return { ...DEFAULT_PREFERENCES };
  }
}

export function savePreferences(storage: Pick<Storage, 'setItem'> | undefined, prefs: Preferences): void {
  const kept = Object.fromEntries(
    Object.entries(prefs).filter(([k]) => PREFERENCE_PERSISTENCE[k as keyof Preferences] === 'local'),
  );
  try {
    storage?.setItem(PREFS_KEY, JSON.stringify(kept));
  } catch {
    // Storage can be full or disabled (private mode); preferences then last for this page only.
  }
}
