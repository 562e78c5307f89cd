/**
 * @file What "Auto" measured, remembered in this browser: per model (ModelInfo.id) and device
 * (the WebGPU adapter's description) and WASM thread count, which backend was faster for batch
 * work and by how much. The worker has no localStorage, so the page passes these with every load
 * (loadModel's `autoDecisions`) and stores the decision a load measured (ModelInfo.autoDecision).
 * Another model, adapter or thread count finds no entry and is measured again.
 */
import type { AutoDecision } from '../worker/jobs';

export const BACKEND_MEMORY_KEY = 'diffprobe.autoBackend.v1';
/** The newest decisions kept; older ones are dropped. */
export const MAX_DECISIONS = 16;

type Storage_ = Pick<Storage, 'getItem' | 'setItem'> | undefined;

function isDecision(d: unknown): d is AutoDecision {
  const o = d as Partial<AutoDecision> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.model === 'string' &&
    typeof o.adapter === 'string' &&
    Number.isInteger(o.threads) &&
    (o.backend === 'webgpu' || o.backend === 'wasm') &&
    Number.isFinite(o.wasmMsPerImage) &&
    Number.isFinite(o.webgpuMsPerImage) &&
    Number.isInteger(o.batch) &&
    (o.mismatch == null || typeof o.mismatch === 'string')
  );
}

/** The remembered decisions, newest first (malformed entries are skipped). */
export function rememberedDecisions(storage: Storage_): AutoDecision[] {
  try {
    const raw = JSON.parse(storage?.getItem(BACKEND_MEMORY_KEY) ?? '[]') as unknown;
    return Array.isArray(raw) ? raw.filter(isDecision).slice(0, MAX_DECISIONS) : [];
  } catch {
    return [];
  }
}

/** Keeps `decision`, replacing the one for the same model, adapter and thread count. */
export function rememberDecision(storage: Storage_, decision: AutoDecision): void {
  const same = (d: AutoDecision) =>
    d.model === decision.model && d.adapter === decision.adapter && d.threads === decision.threads;
  const kept = [decision, ...rememberedDecisions(storage).filter((d) => !same(d))].slice(0, MAX_DECISIONS);
  try {
    storage?.setItem(BACKEND_MEMORY_KEY, JSON.stringify(kept));
  } catch {
    // Full or disabled storage: the next load measures again.
  }
}

/** The browser's localStorage, or undefined where there is none (tests, some private modes). */
export function browserStorage(): Storage_ {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}
