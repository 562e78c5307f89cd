/**
 * @file What every embedding method (t-SNE, PCA, UMAP) gives the worker's embed job: an object it
 * steps in bounded pieces. Apart from embedder.ts so that each method's file can implement it
 * without importing the factory that imports it.
 */
import type { EmbedMethod } from '../jobs';

export interface EmbedderStep {
  phase: string;
  /** Iterations (t-SNE) or epochs (UMAP) done; 0 for PCA. */
  iter: number;
  kl: number | null;
  progress: number;
  done: boolean;
}

export interface Embedder {
  readonly method: EmbedMethod;
  readonly n: number;
  /** Iterations the run will take at most (0 for PCA). */
  readonly totalIter: number;
  /** Messages about the input and any adjusted option; grows as the run finds things. */
  readonly warnings: string[];
  /** One bounded piece of work. */
  step(): EmbedderStep;
  /** A float32 copy of the current n×2 layout, or null while none exists yet. */
  coords(): Float32Array | null;
  /** The latest KL divergence (t-SNE), else null. */
  readonly kl: number | null;
  readonly iter: number;
}
