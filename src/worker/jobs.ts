/**
 * @file The jobs the compute worker can run: for each, its parameters, its result and (when it
 * streams) its partial results. Adding a job means adding an entry here and a handler in
 * handlers/; the types keep both sides of the protocol in step.
 */
import type { Manifest } from '../core/manifest/types';
import type { Pooling } from '../core/pooling';
import type { CacheStats } from './cache/feature-cache';

export type BackendChoice = 'auto' | 'webgpu' | 'wasm';
export type Backend = 'webgpu' | 'wasm';

export interface EnvironmentInfo {
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  webgpu: { available: boolean; adapter: string | null; reason: string | null };
}

export type ModelSource =
  | { kind: 'url'; manifestUrl: string }
  | { kind: 'files'; manifestText: string; modelBytes: ArrayBuffer; modelName: string };

export interface ModelInfo {
  /** sha256 of the ONNX bytes (hex); keys the feature cache. */
  hash: string;
  manifest: Manifest;
  backend: Backend;
  threads: number;
  /** Why the requested or preferred backend was not used, if it was not. */
  fallbackReason: string | null;
  loadMs: number;
}

/** A batch of images already converted to the model's input (x_0), NCHW float32. */
export interface ImageBatch {
  data: Float32Array;
  count: number;
}

export interface ExtractParams {
  images: ImageBatch;
  t: number;
  seed: number;
  blocks: string[];
  pooling: Pooling;
  batchSize: number;
  /** Use the feature cache (default true); benchmarks turn it off. */
  cache?: boolean;
}

/** Pooled features for the images at `rows` (indices into the request), one [rows.length, dim] matrix per block. */
export interface FeatureChunk {
  rows: number[];
  features: Record<string, Float32Array>;
  dims: Record<string, number>;
}

export interface ForwardParams {
  x0: Float32Array;
  t: number;
  seed: number;
  blocks: string[];
}

/** One image at one t: the noisy input, the model's x̂_0 and the raw maps of the requested blocks. */
export interface ForwardResult {
  t: number;
  xt: Float32Array;
  x0Pred: Float32Array;
  maps: Record<string, { data: Float32Array; shape: [number, number, number] }>;
  ms: number;
}

export interface ProbeParams {
  /** Row-major [nTrain, d] and [nTest, d] raw (unstandardised) features. */
  train: { X: Float32Array; y: Int32Array };
  test: { X: Float32Array; y: Int32Array };
  d: number;
  k: number;
  /** Inverse L2 strength, as scikit-learn's C. */
  C: number;
  maxIter: number;
}

/** One L-BFGS iteration's numbers, for the live curves. */
export interface ProbeStep {
  iter: number;
  loss: number;
  trainAccuracy: number;
  testAccuracy: number;
}

export interface ProbeResult {
  /** k×d weights on standardised features, intercepts, and the standardisation (fitted on train). */
  W: Float64Array;
  b: Float64Array;
  mean: Float64Array;
  scale: Float64Array;
  trainAccuracy: number;
  testAccuracy: number;
  /** Predicted class and its probability for every test row. */
  testPredictions: Int32Array;
  testConfidence: Float32Array;
  /** k×k, rows = true class. */
  confusion: Int32Array;
  iterations: number;
  stopReason: string;
  ms: number;
}

export interface Jobs {
  environment: { params: Record<string, never>; result: EnvironmentInfo };
  /** `wasmThreads` 0 = automatic; ORT fixes the thread count at the worker's first session. */
  loadModel: {
    params: { source: ModelSource; backend: BackendChoice; wasmThreads?: number };
    result: ModelInfo;
  };
  forward: { params: ForwardParams; result: ForwardResult };
  extractFeatures: {
    params: ExtractParams;
    /** `cached`: how many images came from the feature cache. */
    result: { count: number; dims: Record<string, number>; cached: number };
    partial: FeatureChunk;
  };
  /**
   * Fault injection for the e2e suite and for checking a deployment: 'lose-device' destroys the
   * real WebGPU device (the browser then reports a genuine device loss); 'out-of-memory' makes the
   * next WebGPU run fail the way an allocation failure does.
   */
  simulateFault: { params: { kind: 'lose-device' | 'out-of-memory' }; result: { backend: Backend } };
  /** Standardise on train, fit softmax regression (L-BFGS), evaluate; streams a ProbeStep per iteration. */
  trainProbe: { params: ProbeParams; result: ProbeResult; partial: ProbeStep };
  /** Class probabilities of a trained probe for new raw feature rows. */
  applyProbe: {
    params: {
      probe: Pick<ProbeResult, 'W' | 'b' | 'mean' | 'scale'>;
      X: Float32Array;
      n: number;
      d: number;
      k: number;
    };
    result: { proba: Float64Array };
  };
  cacheStats: { params: Record<string, never>; result: CacheStats | null };
  clearCache: { params: Record<string, never>; result: CacheStats | null };
}
