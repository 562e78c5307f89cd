/**
 * @file The provenance record every export carries (probe, head, sweep, embedding, features and
 * CKA): enough to compute the same numbers again from the file alone —
 * `diffprobe reproduce` (cli/reproduce.ts) reads nothing else.
 *
 * - model: the full SHA-256 and size of every model file (the .onnx and its external data), the
 *   whole manifest (preprocessing included), and the model identity results are keyed by;
 * - engine: the ONNX Runtime build and version, the backend (wasm / webgpu / cpu / cuda), the
 *   WebGPU adapter, the threads;
 * - the app's version and PIPELINE_VERSION (the version of the numbers, pipeline/version.ts);
 * - the exact images: ids in the order the rows were computed, the content hash of each image's
 *   x₀ (what the U-Net was fed: decoding, preprocessing and polarity included), labels if any;
 * - every setting of the computation (`settings`, one shape per export kind).
 *
 * Built in the same way by the app (features/…) and the CLI, so an export from either reads the
 * same. Pure apart from hashing: no store, no worker, no ORT.
 */

import type { CkaEstimator } from '../core/cka/linear-cka';
import type { NeuralHead } from '../core/heads/spec';
import { modelIdentity } from '../core/manifest/numbers-key';
import type { Manifest } from '../core/manifest/types';
import type { Pooling } from '../core/pooling';
import { imageHashes } from './cache-key';
import { APP_VERSION, type FeatureSpec } from './feature-spec';
import { PIPELINE_VERSION } from './version';

export const PROVENANCE_FORMAT = 'diffprobe-provenance';
export const PROVENANCE_VERSION = 1;

/** One file of a model: its name as the manifest or the graph names it, its size and full SHA-256. */
export interface ModelFileRecord {
  name: string;
  bytes: number;
  sha256: string;
}

export interface ModelRecord {
  /** The identity results and caches are keyed by (see provenanceModelId). */
  id: string;
  name: string;
  /** The .onnx first, then its external data files in the graph's order. */
  files: ModelFileRecord[];
  /** The whole manifest the numbers were computed under (a discovered model's: as written by the app). */
  manifest: Manifest;
}

export interface EngineRecord {
  runtime: 'onnxruntime-web' | 'onnxruntime-node';
  /** ONNX Runtime's own version string; null when it could not be read. */
  runtimeVersion: string | null;
  /** 'wasm' | 'webgpu' in the browser, 'cpu' | 'cuda' in the CLI. */
  backend: string;
  /** The WebGPU adapter's description (null on WASM and in the CLI). */
  adapter: string | null;
  /** Intra-op threads (WASM / CPU); null when the backend has none. */
  threads: number | null;
}

/** The images of a computation in the order its rows are in. */
export interface ImagesRecord {
  /** "train:12" / "test:3" (the bundled data set, by row), "upload:<sha256 of the file>" (the user's). */
  ids: string[];
  /** 64-bit content hash (SHA-256, hex) of each image's x₀ as fed to the U-Net, as pipeline/cache-key.ts computes it. */
  x0: string[];
  /**
   * The full SHA-256 of each image's file, where it came from one (the CLI's folders; null for the
   * others): how `reproduce --images` finds a file whose id is a path. The app's upload ids already
   * hold their file's hash.
   */
  files?: (string | null)[];
  /**
   * The ids of the user's images that were inverted (light background) before they reached the
   * model, where the settings hold no data spec that says so (CKA, embeddings); absent: none.
   */
  inverted?: string[];
  /** The class of each image as the computation used it (index into `classes`); absent without labels. */
  labels?: number[];
  classes?: string[];
}

/** A representation of a CKA axis: a block of a model (its record's id) at a timestep. */
export interface CkaRepRecord {
  model: string;
  block: string;
  t: number;
}

/** What a random-weights twin was made from: the trained model's identity and the init seed. */
export interface TwinRecord {
  of: string;
  seed: number;
}

/** The settings of one export kind; `kind` says which. */
export type ProvenanceSettings =
  | {
      kind: 'probe';
      spec: FeatureSpec;
      C: number;
      maxIter: number;
      head: NeuralHead | null;
    }
  | {
      kind: 'sweep';
      spec: FeatureSpec;
      C: number;
      maxIter: number;
      head: NeuralHead | null;
      linearPooling: Pooling | null;
    }
  | {
      kind: 'features';
      blocks: string[];
      t: number;
      seed: number;
      pooling: Pooling;
    }
  | {
      kind: 'embedding';
      method: string;
      blocks: string[];
      t: number;
      seed: number;
      pooling: Pooling;
      /** The method's own settings (perplexity, neighbours, iterations, seed…). */
      options: Record<string, unknown>;
    }
  | {
      kind: 'cka';
      view: 'blocks' | 'timesteps' | 'models';
      /** The axes in order; `model` is the id of the record's `model` or of `versus.model`. */
      rows: CkaRepRecord[];
      cols: CkaRepRecord[];
      estimator: CkaEstimator;
      features: 'pooled' | 'maps';
      pooling: Pooling | null;
      /** Noise seed (ε is drawn from it and each image's content). */
      seed: number;
      /** Set when the rows' model is itself a random-weights twin. */
      twin: TwinRecord | null;
      /**
       * The columns' model of a 'models' view (null in the others): its files and manifest, the
       * engine it ran on, the x₀ hashes of the images under its own preprocessing (in row order),
       * and the trained model and init seed when it is a random-weights twin.
       */
      versus: { model: ModelRecord; engine: EngineRecord; x0: string[]; twin: TwinRecord | null } | null;
    };

export interface Provenance {
  format: typeof PROVENANCE_FORMAT;
  version: typeof PROVENANCE_VERSION;
  app: { name: 'diffprobe'; version: string };
  pipelineVersion: number;
  model: ModelRecord;
  /** The manifest's preprocessing, said again at the top: what made x₀ from the files. */
  preprocessing: Manifest['preprocessing'];
  engine: EngineRecord;
  images: ImagesRecord;
  settings: ProvenanceSettings;
}

/** Where a computation ran: what the caller knows before any image is touched. */
export interface ProvenanceOrigin {
  model: ModelRecord;
  engine: EngineRecord;
}

/**
 * The model identity a provenance record names, from what identifies a loaded model today (the
 * hash of its bytes, external data included, and its manifest). The one place the record takes
 * it from, so that it follows when the identity is unified.
 */
export function provenanceModelId(hash: string, manifest: Manifest): string {
  return modelIdentity(hash, manifest);
}

/** The model part of a record. */
export function modelRecord(hash: string, manifest: Manifest, files: ModelFileRecord[]): ModelRecord {
  return { id: provenanceModelId(hash, manifest), name: manifest.name, files, manifest };
}

/**
 * The record of a computation on `ids` (x₀ of each in `x0`, in that order, [n, C, H, W]).
 * Hashing x₀ is what the feature cache does anyway (a few ms per thousand images).
 */
export async function buildProvenance(
  origin: ProvenanceOrigin,
  images: {
    ids: readonly string[];
    x0: Float32Array;
    labels?: ArrayLike<number>;
    classes?: readonly string[];
  },
  settings: ProvenanceSettings,
): Promise<Provenance> {
  const n = images.ids.length;
  const x0 = await imageHashes(images.x0, n, n ? images.x0.length / n : 0);
  return {
    format: PROVENANCE_FORMAT,
    version: PROVENANCE_VERSION,
    app: { name: 'diffprobe', version: APP_VERSION },
    pipelineVersion: PIPELINE_VERSION,
    model: origin.model,
    preprocessing: origin.model.manifest.preprocessing,
    engine: origin.engine,
    images: {
      ids: [...images.ids],
      x0,
      ...(images.labels ? { labels: Array.from(images.labels) } : {}),
      ...(images.classes ? { classes: [...images.classes] } : {}),
    },
    // No timestamp: the record says what was computed, and equal computations give equal records
    // (a sweep merged from shards is byte-identical to one run).
    settings,
  };
}

/** A record read from an export, checked enough to use (format, version, the parts reproduce needs). */
export function readProvenance(json: unknown): Provenance | null {
  const p = (json as { provenance?: unknown } | null)?.provenance as Partial<Provenance> | undefined;
  if (!p || p.format !== PROVENANCE_FORMAT) return null;
  if (p.version !== PROVENANCE_VERSION || !p.model?.manifest || !p.images?.ids || !p.settings?.kind)
    return null;
  return p as Provenance;
}

/** The origin of a computation in the browser, from the loaded model (ModelInfo) and the WebGPU adapter. */
export function webOrigin(
  model: {
    hash: string;
    manifest: Manifest;
    files: ModelFileRecord[];
    backend: 'wasm' | 'webgpu';
    threads: number;
    runtimeVersion: string | null;
  },
  adapter: string | null,
): ProvenanceOrigin {
  return {
    model: modelRecord(model.hash, model.manifest, model.files),
    engine: {
      runtime: 'onnxruntime-web',
      runtimeVersion: model.runtimeVersion,
      backend: model.backend,
      adapter: model.backend === 'webgpu' ? adapter : null,
      threads: model.backend === 'wasm' ? model.threads : null,
    },
  };
}

/** The origin of a computation in the CLI (onnxruntime-node), from the model file as read. */
export function nodeOrigin(
  model: { sha256: string; manifest: Manifest; bytes: Uint8Array; device: string; threads: number },
  runtimeVersion: string | null,
): ProvenanceOrigin {
  return {
    model: modelRecord(model.sha256, model.manifest, [
      { name: model.manifest.model.file, bytes: model.bytes.length, sha256: model.sha256 },
    ]),
    engine: {
      runtime: 'onnxruntime-node',
      runtimeVersion,
      backend: model.device,
      adapter: null,
      threads: model.threads,
    },
  };
}
