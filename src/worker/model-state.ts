/**
 * @file The worker's loaded model. A new model replaces the old one only once it has loaded and
 * passed its checks, so a broken file never takes away a working model.
 */
import type { UNetSession } from '../engine/unet-session';
import type { ModelInfo } from './jobs';

export interface LoadedModel {
  unet: UNetSession;
  info: ModelInfo;
  alphasCumprod: Float64Array;
  /** The ONNX file as opened (hashed, re-read by a change of manifest). */
  bytes: Uint8Array;
  /**
   * What the session was created from: `bytes` with the block tensors added as graph outputs (the
   * same array when they already were), kept to rebuild on WASM if the WebGPU device is lost.
   */
  sessionBytes: Uint8Array;
  /** ONNX external data files the graph refers to. */
  externalData: { path: string; data: Uint8Array }[];
}

let current: LoadedModel | null = null;

export function currentModel(): LoadedModel | null {
  return current;
}

/**
 * Models loaded beside the current one, for comparisons: a random-weights twin swept beside the
 * trained model, a second model for CKA. Jobs name them by ModelInfo.id like the current one. At
 * most {@link MAX_COMPANIONS}, the least recently used going first (each holds its own sessions).
 */
const companions = new Map<string, LoadedModel>();
export const MAX_COMPANIONS = 2;

/** The current model or a companion with this id (a companion found moves to the back of the LRU). */
export function findModel(id: string): LoadedModel | null {
  if (current?.info.id === id) return current;
  const companion = companions.get(id);
  if (companion) {
    companions.delete(id);
    companions.set(id, companion);
  }
  return companion ?? null;
}

/** Adds a companion; returns the ones it pushed out (for the caller to release). */
export function addCompanion(model: LoadedModel): LoadedModel[] {
  companions.delete(model.info.id);
  companions.set(model.info.id, model);
  const evicted: LoadedModel[] = [];
  while (companions.size > MAX_COMPANIONS) {
    const [id, oldest] = companions.entries().next().value!;
    companions.delete(id);
    evicted.push(oldest);
  }
  return evicted;
}

/** Takes a companion out of the list (it becomes the current model). */
export function removeCompanion(id: string): void {
  companions.delete(id);
}

/** The model is still loaded, as the current one or a companion. */
export function isLoaded(model: LoadedModel): boolean {
  return current === model || companions.get(model.info.id) === model;
}

export function setCurrentModel(model: LoadedModel): LoadedModel | null {
  const previous = current;
  current = model;
  return previous;
}

/**
 * What each ONNX file (by sha256) was last opened with in this session: opening the same bare file
 * again brings back the blocks, schedule and inputs the user set for it, not a fresh proposal.
 */
const remembered = new Map<string, Pick<LoadedModel['info'], 'manifest' | 'discovery'>>();

export function rememberModel(info: LoadedModel['info']): void {
  remembered.set(info.hash, { manifest: info.manifest, discovery: info.discovery });
}

export function rememberedModel(
  hash: string,
): Pick<LoadedModel['info'], 'manifest' | 'discovery'> | undefined {
  return remembered.get(hash);
}
