/**
 * @file The results the app computes with a model, as the store holds them: declared here, below
 * the features that compute them and the store that keeps them, so neither imports the other for
 * a type. A result is added in one place: a member of {@link ModelResults} and its empty value in
 * {@link NO_RESULTS}; the store holds it (AppState extends ModelResults), and a model change sets
 * it aside with the model and brings it back (model-change.ts) without naming it.
 */

export type { GeneratedSamples } from '../features/generate/samples';

import type { GeneratedSamples } from '../features/generate/samples';
import type { CkaMatrix } from '../pipeline/cka-spec';
import type { ProbeRunState } from '../pipeline/probe-run';
import type { Provenance } from '../pipeline/provenance';
import type { SweepGrid } from '../pipeline/sweep-grid';
import type {
  EmbedMethod,
  EmbedOptions,
  EmbedQuality,
  HeadResult,
  ModelInfo,
  ProbeResult,
} from '../worker/jobs';
import type { FeatureSet } from './feature-set';
import type { PoolingId } from './view';

/** Results computed with one model: shown only while that model is loaded. */
export interface ModelResults {
  /** The latest extracted feature set (possibly partial after Stop). */
  featureSet: FeatureSet | null;
  /** The current or last probe run: settings, live curve and result. */
  probe: ProbeRun | null;
  /** "Try it": class probabilities of the probe for one image. */
  probeTry: { id: string; proba: number[] } | null;
  /** The current or last sweep (cells still null are not computed yet or were stopped). */
  sweep: SweepRun | null;
  /**
   * The same sweep on the loaded model's random-weights twin (same images, split and settings),
   * for "trained − random" per cell.
   */
  twinSweep:
    | (SweepRun & {
        twin: ModelInfo;
        /** The trained model's sweep it sits beside (a newer sweep hides it). */
        trained: SweepGrid['spec'];
      })
    | null;
  /** The current or last CKA matrix (values still null are not computed yet, or undefined). */
  cka: CkaMatrix | null;
  /** The current or last embedding and its comparison (live layout, result, features for hover). */
  embedding: EmbeddingRuns;
  /** The latest DDIM samples (live frame or final), from the loaded model. */
  generated: GeneratedSamples | null;
  /** Raw-pixel and shallowest-block probes that the probe's and the sweep's findings compare with. */
  baselines: Baselines;
  /**
   * The user chose to feed the bundled data set to a model that is not its owner. Runtime state,
   * not the view/URL: it is a per-model opt-in (it is set aside with that model's results), and a
   * link opens with the default model first, for which it would mean nothing; a link must not
   * make that choice for its reader.
   */
  useBundledData: boolean;
}

/** No results: a model's state before it computed anything. */
export const NO_RESULTS: ModelResults = {
  featureSet: null,
  probe: null,
  probeTry: null,
  sweep: null,
  twinSweep: null,
  cka: null,
  embedding: { main: null, compare: null },
  generated: null,
  baselines: { probe: null, sweep: null },
  useBundledData: false,
};

/** A probe run: its settings, its live curve, its result (pipeline/probe-run.ts). */
export type ProbeRun = ProbeRunState;

export interface SweepRun {
  grid: SweepGrid;
  status: 'running' | 'done' | 'stopped' | 'failed';
}

export type EmbedSlot = 'main' | 'compare';

export interface EmbeddingRun {
  slot: EmbedSlot;
  method: EmbedMethod;
  options: EmbedOptions;
  blocks: string[];
  t: number;
  pooling: PoolingId;
  /** The noise seed its features were computed with (a comparison uses the same, whatever the view says now). */
  seed: number;
  /** Dataset ids of the points ("test:12"), in row order. */
  ids: string[];
  labels: Int32Array;
  /** The n×d features that were embedded (kept for the tooltip's nearest neighbours). */
  X: Float32Array | null;
  d: number;
  coords: Float32Array | null;
  iter: number;
  totalIter: number;
  kl: number | null;
  phase: string;
  warnings: string[];
  quality: EmbedQuality | null;
  ms: number | null;
  status: 'extracting' | 'running' | 'done' | 'stopped' | 'failed';
  /** The worker still holds this run's optimiser (it was stopped mid-run). */
  resumable: boolean;
  /** Where and from what exactly (null until its images are read). */
  provenance?: Provenance | null;
}

export interface EmbeddingRuns {
  main: EmbeddingRun | null;
  compare: EmbeddingRun | null;
}

/** A comparison probe (raw pixels, shallowest block) as it stands: null accuracy until it is done. */
export interface BaselineResult {
  accuracy: number | null;
  status: 'running' | 'done' | 'stopped' | 'failed';
}

export interface ProbeBaselines {
  forResult: ProbeResult | HeadResult;
  /** A neural head's probe: the linear probe on the same blocks and t (null for the linear probe). */
  linear?: BaselineResult | null;
  pixels: BaselineResult;
  /** null when the probe already used the shallowest block. */
  shallow: (BaselineResult & { block: string }) | null;
}

export interface SweepBaselines {
  forGrid: SweepGrid;
  pixels: BaselineResult;
  /** The shallowest block swept, at the chosen cell's t; null when that is the chosen cell. */
  shallow: (BaselineResult & { block: string }) | null;
}

export interface Baselines {
  probe: ProbeBaselines | null;
  sweep: SweepBaselines | null;
}
