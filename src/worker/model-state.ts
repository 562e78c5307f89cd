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
