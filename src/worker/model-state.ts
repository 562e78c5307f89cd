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
  /** The ONNX bytes, kept so the session can be rebuilt on WASM if the WebGPU device is lost. */
  bytes: Uint8Array;
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
