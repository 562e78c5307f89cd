/**
 * @file The jobs the compute worker can run: for each, its parameters, its result and (when it
 * streams) its partial results. Adding a job means adding an entry here and a handler in
 * handlers/; the types keep both sides of the protocol in step.
 */
import type { CkaEstimator } from '../core/cka/linear-cka';
import type { RowScaling } from '../core/heads/batch';
import type { HeadLayout } from '../core/heads/layout';
import type { NeuralHead } from '../core/heads/spec';
import type { HeadWeights } from '../core/heads/weights';
import type { Manifest } from '../core/manifest/types';
import type { MemoryEstimate } from '../core/onnx/memory';
import type { Pooling } from '../core/pooling';
import type { SamplerOptions } from '../core/sampler/options';
import type { X0Stats } from '../core/sampler/x0';
import type { TwinReport } from '../core/twin/random-twin';
import type { DenoisingCheckResult } from '../pipeline/denoising-check';
import type { ModelFileRecord } from '../pipeline/provenance';
import type { CacheStats } from './cache/feature-cache';

export type BackendChoice = 'auto' | 'webgpu' | 'wasm';
export type Backend = 'webgpu' | 'wasm';

export interface EnvironmentInfo {
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  /**
   * Bytes of ONNX Runtime Web's WASM heap now (0 before the first session). It only grows, so it
   * is also the most the sessions have needed at once; it cannot pass 4 GiB (core/onnx/memory.ts).
   */
  wasmHeapBytes?: number;
  webgpu: {
    available: boolean;
    adapter: string | null;
    reason: string | null;
    /**
     * The adapter renders in software (isFallbackAdapter, or SwiftShader, llvmpipe, Microsoft Basic
     * Render…): 40–85× slower than WASM for a U-Net, so "Auto" never picks it.
     */
    software?: boolean;
  };
}

/**
 * What "Auto" measured for one model on one device: one warm batch of `batch` images on each
 * backend. The page keeps these (app/backend-memory.ts) and passes them back with the next load,
 * so the same model on the same device is not measured again.
 */
export interface AutoDecision {
  /** ModelInfo.id of the model measured. */
  model: string;
  /** EnvironmentInfo.webgpu.adapter at the time. */
  adapter: string;
  /** WASM threads at the time (another count is another measurement). */
  threads: number;
  backend: Backend;
  wasmMsPerImage: number;
  webgpuMsPerImage: number;
  batch: number;
  /** WebGPU's outputs were not WASM's (which output, by how much): WASM was kept whatever the speeds. */
  mismatch?: string | null;
}

/**
 * Where a model comes from. Files travel as Blobs (File objects): posting one to the worker
 * copies nothing, and the worker reads it itself with progress.
 */
export type ModelSource =
  | { kind: 'url'; manifestUrl: string }
  | {
      kind: 'files';
      model: Blob;
      modelName: string;
      /** The manifest's text; absent: the worker reads the graph and proposes one. */
      manifestText?: string;
      /**
       * ONNX external data files (e.g. model.onnx.data), under the names the graph uses, and any
       * .npy the manifest feeds an extra input from.
       */
      externalData?: { path: string; data: Blob }[];
      /** Which 4-D input is the image, when the graph has several (asked of the user). */
      imageInput?: string;
    }
  /**
   * The loaded model's bytes again, under a new manifest (other blocks, schedule, inputs…), with
   * any .npy the manifest newly feeds an extra input from (`extraInputs[].data`).
   */
  | { kind: 'current'; manifest: Manifest; inputFiles?: { path: string; data: Blob }[] }
  /**
   * The random-weights twin of a loaded model (`of`: its ModelInfo.id, the current model or a
   * companion): every learned weight re-drawn as PyTorch initialises that layer, seeded by `seed`.
   */
  | { kind: 'twin'; of: string; seed: number }
  /** A model loaded already (a companion, or the trained model kept beside its twin), made current. */
  | { kind: 'loaded'; id: string };

/** What a random-weights twin was made from, and its report (which tensors were re-drawn or kept). */
export interface TwinInfo {
  /** ModelInfo.id of the trained model. */
  of: string;
  /** Its ModelInfo.hash (the twin uses the trained model's bundled data as its own). */
  ofHash: string;
  ofName: string;
  seed: number;
  report: TwinReport;
}

/** A graph node as the "candidates on the graph" view names it. */
export interface GraphOp {
  /** The node's name ('' when it has none). */
  node: string;
  op: string;
}

/** One tensor the worker proposes as a block, with its shape from a dry run at batch 1. */
export interface BlockCandidate {
  /** The producing ONNX node's name (e.g. "/down_blocks.0/resnets.1/Add"), unique. */
  name: string;
  /** The tensor's name in the graph. */
  output: string;
  stage: 'down' | 'mid' | 'up';
  level: number;
  resolution: [number, number];
  channels: number;
  /**
   * Why it is a candidate: 'resolution-change', 'stage-end' (it enters one), 'skip-input',
   * 'residual', 'last-block' (it enters the prediction head).
   */
  reasons: string[];
  /** The reasons in words, naming the nodes ("input of /up2/ConvTranspose: the end of a stage at 7×7"). */
  why?: string[];
  /** In the set opened by default: the last tensor of each stage at each resolution. */
  preselected: boolean;
  /** A step inside a resampling (listed, never suggested). */
  transit?: boolean;
  /** The producing node's place in forward order (skips are drawn by it). */
  position?: number;
  /** The nodes that take it: the op that follows. */
  consumers?: GraphOp[];
  /** The ops from the previous candidate (by name; null: the input) to this one, its producer last. */
  path?: { from: string | null; ops: GraphOp[]; truncated: boolean };
}

/** A skip connection of the graph: block `from` is concatenated by the Concat at `position`. */
export interface BlockSkip {
  from: string;
  concat: string;
  position: number;
}

/** What the worker found in a graph opened without a manifest. */
export interface ModelDiscovery {
  /** Every 4-D float input; more than one means the user chose (or must choose) the image. */
  imageInputs: string[];
  candidates: BlockCandidate[];
  /** The graph's skip connections between candidates (the diagram draws them between chosen blocks). */
  skips?: BlockSkip[];
  /** What the candidates say about the graph, e.g. that it has no decoder. */
  blockNotes?: string[];
  /** Graph operators that have no WebGPU kernel (they force WASM for this model). */
  webgpuUnsupported: string[];
  /** The prediction output has 2·C channels: [prediction | learned variance] (manifest `prediction.variance`). */
  learnedVariance: boolean;
  ms: number;
}

export interface ModelInfo {
  /**
   * sha256 of the ONNX bytes (hex) — with ONNX external data, of the graph's and the data files'
   * digests together; keys the feature cache.
   */
  hash: string;
  /** sha256 of the .onnx file itself, as a manifest's `model.sha256` gives it. */
  fileSha256: string;
  /** Every file of the model in full (the .onnx, then its external data), for provenance records. */
  files: ModelFileRecord[];
  /** onnxruntime-web's version (null when it could not be read). */
  runtimeVersion: string | null;
  /**
   * This model as loaded: its bytes and the manifest's numbers (modelIdentity). Jobs that use the
   * model carry it, and the worker refuses one made for another model.
   */
  id: string;
  manifest: Manifest;
  /** The ONNX file's name (for messages and saved manifests). */
  fileName: string;
  /**
   * 'bundled': the app's own model (from a URL); 'manifest': a user's model opened with its
   * manifest; 'discovered': the worker read the graph and wrote the manifest.
   */
  origin: 'bundled' | 'manifest' | 'discovered';
  /** Candidate blocks of the graph; null until asked for (a model opened with a manifest). */
  discovery: ModelDiscovery | null;
  backend: Backend;
  /** The WebGPU adapter (EnvironmentInfo.webgpu.adapter) the model runs on; null on WASM. */
  adapter?: string | null;
  threads: number;
  /** Why the requested or preferred backend was not used, if it was not. */
  fallbackReason: string | null;
  /** Why "Auto" chose this backend (measured speeds, or why WebGPU was not measured). */
  backendReason?: string | null;
  /** A decision "Auto" measured during this load, for the page to remember. */
  autoDecision?: AutoDecision | null;
  loadMs: number;
  /** The model computes in float16 (a float16 export): DiffProbe casts its inputs and outputs. */
  float16?: boolean;
  /** Memory it needs at batch 1, estimated from the graph before it was loaded (core/onnx/memory.ts). */
  memory?: MemoryEstimate;
  /** ONNX Runtime Web's WASM heap once the model was loaded and had run (EnvironmentInfo.wasmHeapBytes). */
  wasmHeapBytes?: number;
  /** Where the load time went (reading, hashing, discovery, session, warm-up), ms. */
  timings: Record<string, number>;
  /** Set for a random-weights twin. */
  twin?: TwinInfo;
}

/** A batch of images already converted to the model's input (x_0), NCHW float32. */
export interface ImageBatch {
  data: Float32Array;
  count: number;
}

/** The model a job was made for (ModelInfo.id); absent: whatever is loaded (console use). */
export interface ForModel {
  model?: string;
}

export interface ExtractParams extends ForModel {
  images: ImageBatch;
  t: number;
  seed: number;
  blocks: string[];
  pooling: Pooling;
  /** Most images per U-Net run; the worker takes fewer when their maps would not fit (pipeline/batch-size.ts). */
  batchSize: number;
  /** Use the feature cache (default true); benchmarks turn it off. */
  cache?: boolean;
  /**
   * Each image's class index (row i ↔ image i), for a class input fed each image's own label; the
   * cache then keys each image by its label too.
   */
  labels?: Int32Array;
  /**
   * Run the blocks' sub-graph, pooled in ONNX (worker/block-sessions.ts): true always, false never
   * (the whole U-Net, maps pooled in JavaScript); default: for 64+ images, or when that session
   * exists already. Tests and benchmarks set it.
   */
  subgraph?: boolean;
  /**
   * Share the sub-graph's batches with the engine helper when there is one (default true;
   * worker/engine-helper/). Benchmarks turn it off for their A/B.
   */
  helper?: boolean;
}

/** Pooled features for the images at `rows` (indices into the request), one [rows.length, dim] matrix per block. */
export interface FeatureChunk {
  rows: number[];
  features: Record<string, Float32Array>;
  dims: Record<string, number>;
  /**
   * What computed these rows (pipeline/cache-key.ts backendKey; cache hits were computed on it
   * too, the key holds it), so the features' provenance survives a Stop.
   */
  backend?: string;
}

export interface ForwardParams extends ForModel {
  x0: Float32Array;
  t: number;
  seed: number;
  blocks: string[];
  /** The image's class index, for a class input fed each image's own label. */
  label?: number;
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
  /** Row-major [nTrain, d] raw (unstandardised) features of the images the probe is fitted on. */
  train: { X: Float32Array; y: Int32Array };
  /**
   * Held out of the training images: the accuracy streamed at every iteration (the live curve, and
   * what a user who stops early judges by) is measured on these rows. Optional.
   */
  validation?: { X: Float32Array; y: Int32Array };
  /**
   * Evaluated once, after the last iteration: never streamed, so nothing is chosen by it. Optional
   * (a sweep tests only the cell it chose, itself).
   */
  test?: { X: Float32Array; y: Int32Array };
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
  /** On the validation rows; null when there are none. */
  validationAccuracy: number | null;
}

/** What a trained classifier (the probe or a head) scores, the same for every kind. */
export interface ClassifierMetrics {
  trainAccuracy: number;
  /** Of the returned model on the validation rows; null without them. */
  validationAccuracy: number | null;
  /** Of the returned model on the test rows, computed once at the end; null without them. */
  testAccuracy: number | null;
  /** Predicted class and its probability for every test row (empty without test rows). */
  testPredictions: Int32Array;
  testConfidence: Float32Array;
  /** k×k on the test rows, rows = true class (all 0 without test rows). */
  confusion: Int32Array;
}

export interface ProbeResult extends ClassifierMetrics {
  /** k×d weights on standardised features, intercepts, and the standardisation (fitted on train). */
  W: Float64Array;
  b: Float64Array;
  mean: Float64Array;
  scale: Float64Array;
  iterations: number;
  stopReason: string;
  /** What computed the objective: ORT's WASM GEMM (large probes) or the JavaScript loop. */
  solver: 'onnxruntime-wasm' | 'javascript';
  /** Where the time went: checks + standardisation, building the ORT session, L-BFGS, final metrics. */
  timings: {
    prepareMs: number;
    setupMs: number;
    /** Of setupMs: writing the ONNX graph, and ORT creating its session (ORT objective only). */
    encodeMs?: number;
    sessionMs?: number;
    trainMs: number;
    /** Of trainMs: inside the data term's evaluations (ORT objective only). */
    evalMs?: number;
    finishMs: number;
  };
  ms: number;
}

/** One representation of n images for CKA: pooled features, or a centred Gram matrix from extractGrams. */
export type CkaInput =
  | { kind: 'features'; X: Float32Array; dim: number }
  | { kind: 'gram'; G: Float32Array; self: number; constant: boolean; estimator: CkaEstimator };

export interface CkaParams {
  inputs: CkaInput[];
  n: number;
  estimator: CkaEstimator;
  /** Indices into `inputs` of the rows and the columns (the same list: a symmetric matrix). */
  rows: number[];
  cols: number[];
}

/** One value of the matrix: null when CKA is undefined there (`reason`). */
export interface CkaCell {
  row: number;
  col: number;
  value: number | null;
  reason: 'constant' | 'not-positive' | null;
}

export interface CkaResult {
  /** rows × cols; null where undefined or (after Stop) not computed. */
  values: (number | null)[][];
  /** Inputs that are the same for every image (CKA with them is undefined). */
  constant: boolean[];
  /** Which route computed it: feature space (n·p·q per pair) or n×n Gram matrices. */
  route: 'features' | 'gram';
  stopped: boolean;
  ms: number;
}

export interface GramParams extends ForModel {
  images: ImageBatch;
  t: number;
  seed: number;
  blocks: string[];
  estimator: CkaEstimator;
  batchSize: number;
}

export interface GramResult {
  /** Per block: the centred (or U-centred) n×n Gram matrix as float32, ⟨G, G⟩, and whether constant. */
  grams: Record<string, { G: Float32Array; self: number; constant: boolean }>;
  /** Feature count of each block's map (C·H·W). */
  dims: Record<string, number>;
  /** U-Net passes: one per group of blocks that fit the memory budget together. */
  passes: number;
  ms: number;
}

/**
 * A neural head (core/heads) to train on rows of features: like ProbeParams, with the head's
 * settings and the layout of a row (d values: the groups of pooled maps, k classes).
 */
export interface HeadParams {
  head: NeuralHead;
  layout: HeadLayout;
  train: { X: Float32Array; y: Int32Array };
  /** For the curves, Stop and the choice of epoch. Optional. */
  validation?: { X: Float32Array; y: Int32Array };
  /** Evaluated once, with the chosen epoch's weights. Optional. */
  test?: { X: Float32Array; y: Int32Array };
  /** Start from these weights instead of the seeded ones (the PyTorch parity check). */
  initial?: HeadWeights;
  /** Send the initial weights back with the result. */
  returnInitial?: boolean;
}

/** A trained neural head: what the probe's result says, plus the head itself. */
export interface HeadResult extends ClassifierMetrics {
  kind: NeuralHead['kind'];
  head: NeuralHead;
  layout: HeadLayout;
  /** The chosen epoch's weights. */
  weights: HeadWeights;
  /** MLP: its input standardisation (fitted on the training rows); null for the attention head. */
  scaling: RowScaling | null;
  initial?: HeadWeights;
  /** Epochs run. */
  iterations: number;
  /** The epoch whose weights these are (1-based). */
  bestEpoch: number;
  stopReason: 'early-stop' | 'max-epochs' | 'stopped';
  /** What computed it. */
  solver: 'tfjs-wasm';
  parameters: number;
  timings: { setupMs: number; trainMs: number; validationMs: number; finishMs: number };
  ms: number;
}

export type EmbedMethod = 'tsne' | 'pca' | 'umap';

/** Settings of an embedding run; each method reads the ones it uses. */
export interface EmbedOptions {
  /** t-SNE: default 30, clamped to (n − 1)/3 for small n (with a warning). */
  perplexity: number;
  /** t-SNE iterations or UMAP epochs. */
  nIter: number;
  /** t-SNE: 'auto' = max(n / earlyExaggeration / 4, 50), as scikit-learn. */
  learningRate: 'auto' | number;
  /** Seeds t-SNE's random start (when PCA has no variance) and every random draw of UMAP. */
  seed: number;
  /** t-SNE: default 12. */
  earlyExaggeration: number;
  /** UMAP: default 15, clamped to n − 1. */
  nNeighbors: number;
  /** UMAP: default 0.1. */
  minDist: number;
  /**
   * Standardise every feature to zero mean and unit variance first. Off by default, as in
   * scikit-learn's and openTSNE's t-SNE: the features' own scale is part of what they encode.
   */
  standardize?: boolean;
}

export interface EmbedParams {
  /** Row-major n×d raw pooled features. */
  X: Float32Array;
  n: number;
  d: number;
  /** n class labels, for the k-NN quality readout. */
  labels: Int32Array;
  method: EmbedMethod;
  options: EmbedOptions;
  /** Which of the worker's kept runs this is ('main' by default); a compare view uses another. */
  slot?: string;
}

/** A snapshot of a running embedding, posted at most every ~100 ms. */
export interface EmbedStep {
  iter: number;
  totalIter: number;
  /** KL divergence (t-SNE, every 50 iterations; the latest value), else null. */
  kl: number | null;
  phase: string;
  /** Rough overall progress in [0, 1]. */
  progress: number;
  /** n×2 layout, or null while there is none yet (neighbour search, affinities). */
  coords: Float32Array | null;
  warnings: string[];
}

/** Leave-one-out k-NN accuracy in the 2-D layout and in the original features, on the same rows. */
export interface EmbedQuality {
  k: number;
  embedding: number;
  original: number;
  /** Rows evaluated: all n, or a seeded sample when n²·d would take too long. */
  rows: number;
}

export interface EmbedResult {
  coords: Float32Array;
  warnings: string[];
  iter: number;
  totalIter: number;
  kl: number | null;
  /** True when Stop ended the run; 'resumeEmbedding' continues it. */
  stopped: boolean;
  quality: EmbedQuality | null;
  ms: number;
}

export interface Jobs {
  /**
   * The page's first job. With `prepare`, the backend and threads the page will load its model
   * with: unless that is WebGPU alone, ORT's WASM backend starts now, while the page boots and the
   * model downloads (engine/onnx-web.ts startWasm).
   */
  environment: {
    params: { prepare?: { backend: BackendChoice; wasmThreads: number } };
    result: EnvironmentInfo;
  };
  /** `wasmThreads` 0 = automatic; ORT fixes the thread count at the worker's first session. */
  loadModel: {
    params: {
      source: ModelSource;
      backend: BackendChoice;
      wasmThreads?: number;
      /** Decisions "Auto" measured before (any model, any device); the matching one is used. */
      autoDecisions?: AutoDecision[];
      /**
       * Load it beside the current model (a twin to sweep beside it, a second model for CKA) instead
       * of replacing it; jobs name it by its id. A model already loaded comes back at once.
       */
      companion?: boolean;
    };
    result: ModelInfo;
  };
  /** The graph's candidate blocks for the loaded model (kept after the first call). */
  discoverBlocks: { params: Record<string, never>; result: ModelDiscovery };
  /** The loaded model's ONNX with its block tensors added as graph outputs, for "Save ONNX". */
  exportModel: { params: Record<string, never>; result: { bytes: Uint8Array; fileName: string } };
  forward: { params: ForwardParams; result: ForwardResult };
  extractFeatures: {
    params: ExtractParams;
    /**
     * `cached`: how many images came from the feature cache; `subgraph`: whether the rest ran on
     * the blocks' sub-graph pooled in ONNX (else the whole U-Net, pooled in JavaScript); `engines`:
     * how many ONNX Runtime instances shared the batches (2 with the engine helper); `backends`:
     * what computed the rows (pipeline/cache-key.ts backendKey: 'wasm', 'webgpu:<adapter>'; two
     * when a lost device moved the job to WASM), for the features' provenance.
     */
    result: {
      count: number;
      dims: Record<string, number>;
      cached: number;
      subgraph: boolean;
      engines: number;
      backends: string[];
    };
    partial: FeatureChunk;
  };
  /**
   * Fault injection for the e2e suite and for checking a deployment: 'lose-device' destroys the
   * real WebGPU device (the browser then reports a genuine device loss); 'out-of-memory' makes the
   * next WebGPU run fail the way an allocation failure does.
   */
  simulateFault: { params: { kind: 'lose-device' | 'out-of-memory' }; result: { backend: Backend } };
  /**
   * Standardise on train, fit softmax regression (L-BFGS), streaming a ProbeStep (validation accuracy)
   * per iteration; then evaluate the test rows once.
   */
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
  /**
   * Train a neural head (MLP or attention; core/heads) with tfjs on WASM, streaming a ProbeStep
   * per epoch (iter = epoch, validation accuracy); Stop keeps the best epoch so far. The test rows
   * are evaluated once, at the end.
   */
  trainHead: { params: HeadParams; result: HeadResult; partial: ProbeStep };
  /** Class probabilities of a trained head for new raw feature rows. */
  applyHead: {
    params: Pick<HeadResult, 'head' | 'layout' | 'weights' | 'scaling'> & { X: Float32Array; n: number };
    result: { proba: Float64Array };
  };
  /**
   * t-SNE, PCA or UMAP of feature rows to 2-D, streaming the layout. Cancel = Stop: the current
   * layout comes back with `stopped: true` and the optimiser stays in the worker for 'resumeEmbedding'.
   */
  embed: { params: EmbedParams; result: EmbedResult; partial: EmbedStep };
  /** Continues the stopped embedding of `slot` ('main' by default) from where it stopped. */
  resumeEmbedding: { params: { slot?: string }; result: EmbedResult; partial: EmbedStep };
  /**
   * Sampling from pure noise (DDIM or DDPM, core/sampler/); streams x̂_0 as each step used it, with
   * the raw x̂_0's range, so it can be watched and a failure keeps what was done.
   */
  generate: {
    params: { count: number; seed: number; options: SamplerOptions } & ForModel;
    result: {
      images: Float32Array;
      count: number;
      timesteps: number[];
      /** Per step: the raw x̂_0's extremes, values outside the data range, whether it was processed. */
      stats: X0Stats[];
      ms: number;
    };
    partial: { step: number; steps: number; t: number; x0Pred: Float32Array; stats: X0Stats };
  };
  /**
   * Which timestep convention the loaded model takes: a few images noised at a few t, the
   * prediction's error under each convention (pipeline/denoising-check.ts). Its per-t errors are a
   * sanity check of any model.
   */
  denoisingCheck: {
    params: { images: ImageBatch; seed: number; timesteps?: number[] } & ForModel;
    result: DenoisingCheckResult;
  };
  /**
   * The centred Gram matrix of each block's full (unpooled) maps over the images, for CKA on maps:
   * blocks are extracted in groups that fit the memory budget, one U-Net pass per group.
   */
  extractGrams: { params: GramParams; result: GramResult };
  /**
   * Linear CKA between representations (features or Gram matrices of the same images), every
   * (row, column) pair; streams each value as it is computed, so Stop keeps them.
   */
  cka: { params: CkaParams; result: CkaResult; partial: CkaCell };
  cacheStats: { params: Record<string, never>; result: CacheStats | null };
  clearCache: { params: Record<string, never>; result: CacheStats | null };
}
