/**
 * @file One step-wise interface over the three 2-D embeddings (t-SNE, PCA, UMAP), so the worker
 * can drive any of them the same way: step, post the layout now and then, stop, resume.
 *
 * Features are NOT standardised unless asked (`options.standardize`), following scikit-learn's
 * and openTSNE's t-SNE: they take the rows as given, and a block's per-channel scale is part of
 * what it encodes. t-SNE starts from PCA (core/embedding/tsne.ts) and clamps a perplexity that is
 * too large for n, reporting it in `warnings`; constant features, duplicate rows and all-identical
 * points are reported too and never produce NaN.
 */

import { describeFeatureReport, inspectFeatures } from '../../core/embedding/inspect';
import { PcaFit } from '../../core/embedding/pca';
import { TSNE } from '../../core/embedding/tsne';
import { applyStandardizer, fitStandardizer } from '../../core/probe/standardize';
import type { EmbedMethod, EmbedOptions } from '../jobs';
import type { Embedder, EmbedderStep } from './embedder-types';
import { UmapEmbedder } from './umap-embedder';

type Features = Float32Array | Float64Array;

export const DEFAULT_EMBED_OPTIONS: EmbedOptions = {
  perplexity: 30,
  nIter: 1000,
  learningRate: 'auto',
  seed: 0,
  earlyExaggeration: 12,
  nNeighbors: 15,
  minDist: 0.1,
  standardize: false,
};

export const METHOD_NAMES: Record<EmbedMethod, string> = { tsne: 't-SNE', pca: 'PCA', umap: 'UMAP' };

/** Float32 copy of a float64 layout with any non-finite value replaced by 0 (never NaN downstream). */
export function toFiniteFloat32(Y: ArrayLike<number>): { coords: Float32Array; replaced: number } {
  const coords = new Float32Array(Y.length);
  let replaced = 0;
  for (let t = 0; t < Y.length; t++) {
    const v = Y[t];
    if (Number.isFinite(v)) coords[t] = v;
    else replaced++;
  }
  return { coords, replaced };
}

class TsneEmbedder implements Embedder {
  readonly method = 'tsne' as const;
  readonly totalIter: number;
  private readonly tsne: TSNE;
  private started = false;
  private lastIter = 0;

  constructor(
    X: Features,
    readonly n: number,
    d: number,
    o: EmbedOptions,
    readonly warnings: string[],
  ) {
    this.tsne = new TSNE(X, n, d, {
      perplexity: o.perplexity,
      nIter: o.nIter,
      learningRate: o.learningRate,
      earlyExaggeration: o.earlyExaggeration,
      // The exaggeration phase cannot be longer than the run.
      nIterExaggeration: Math.min(250, o.nIter),
      seed: o.seed,
    });
    this.totalIter = o.nIter;
    this.warnings.push(...this.tsne.warnings);
  }

  step(): EmbedderStep {
    const before = this.tsne.warnings.length;
    const s = this.tsne.step();
    if (s.phase === 'optimize' || s.done) this.started = true;
    this.lastIter = s.iter;
    for (const w of this.tsne.warnings.slice(before)) this.warnings.push(w);
    return { phase: s.phase, iter: s.iter, kl: this.tsne.kl, progress: s.progress, done: s.done };
  }

  coords(): Float32Array | null {
    if (!this.started && this.n > 1) return null;
    const { coords, replaced } = toFiniteFloat32(this.tsne.embedding);
    if (replaced && !this.warnings.some((w) => w.startsWith('the layout had')))
      this.warnings.push(`the layout had ${replaced} non-finite coordinates; they are drawn at 0`);
    return coords;
  }

  get kl(): number | null {
    return this.tsne.kl;
  }

  get iter(): number {
    return this.lastIter;
  }
}

class PcaEmbedder implements Embedder {
  readonly method = 'pca' as const;
  readonly totalIter = 0;
  readonly kl = null;
  readonly iter = 0;
  private readonly fit: PcaFit | null;
  private result: Float32Array | null = null;

  constructor(
    private readonly X: Features,
    readonly n: number,
    private readonly d: number,
    readonly warnings: string[],
  ) {
    this.fit = Math.min(n, d) >= 2 ? new PcaFit(X, n, d, 2) : null;
  }

  step(): EmbedderStep {
    if (!this.result) {
      if (this.fit) {
        if (!this.fit.step())
          return { phase: 'pca', iter: 0, kl: null, progress: this.fit.progress, done: false };
        const r = this.fit.result();
        this.result = toFiniteFloat32(r.coords).coords;
        const [a, b] = r.explainedVarianceRatio;
        this.warnings.push(
          `PCA: the two axes explain ${(100 * a).toFixed(1)}% and ${(100 * b).toFixed(1)}% of the variance`,
        );
      } else {
        // One feature (or one point): the first axis is the centred feature, the second is 0.
        const coords = new Float32Array(2 * this.n);
        if (this.d >= 1 && this.n >= 1) {
          let mean = 0;
          for (let i = 0; i < this.n; i++) mean += this.X[i * this.d];
          mean /= this.n;
          for (let i = 0; i < this.n; i++) coords[2 * i] = this.X[i * this.d] - mean;
        }
        this.result = coords;
        this.warnings.push(`PCA to 2-D needs at least 2 points and 2 features; the second axis is 0`);
      }
    }
    return { phase: 'done', iter: 0, kl: null, progress: 1, done: true };
  }

  coords(): Float32Array | null {
    return this.result ? this.result.slice() : null;
  }
}

/**
 * Checks the input, standardises it if asked, and returns a step-wise embedder.
 *
 * @param X row-major n×d features (not modified).
 * @throws DiffProbeError('probe-data') for NaN or infinite features.
 * @example const e = createEmbedder(X, n, d, 'tsne', DEFAULT_EMBED_OPTIONS); while (!e.step().done);
 */
export function createEmbedder(
  X: Features,
  n: number,
  d: number,
  method: EmbedMethod,
  options: Partial<EmbedOptions> = {},
): Embedder {
  const o: EmbedOptions = { ...DEFAULT_EMBED_OPTIONS, ...options };
  const warnings = describeFeatureReport(inspectFeatures(X, n, d));
  let data: Features = X;
  if (o.standardize) data = applyStandardizer(X, n, d, fitStandardizer(X, n, d), new Float64Array(n * d));
  if (method === 'pca') return new PcaEmbedder(data, n, d, warnings);
  if (method === 'umap') return new UmapEmbedder(data, n, d, o, warnings);
  return new TsneEmbedder(data, n, d, o, warnings);
}
