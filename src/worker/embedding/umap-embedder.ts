/**
 * @file UMAP through umap-js (the only file that imports it), step-wise: the first step builds
 * the neighbour graph (`initializeFit`, one blocking piece of work that grows with n), every
 * later step is one epoch of the layout optimisation.
 *
 * umap-js draws from `Math.random` unless given a `random` function; we give it core/rng's
 * seeded xoshiro128** so the same seed gives the same layout in every browser and in tests.
 */
import { UMAP } from 'umap-js';
import { createRng } from '../../core/rng';
import type { EmbedOptions } from '../jobs';
import type { Embedder, EmbedderStep } from './embedder-types';

type Features = Float32Array | Float64Array;

/** A stream of core/rng reserved for UMAP, so its draws never coincide with other seeded uses. */
const UMAP_STREAM = 0x0a5a;

export class UmapEmbedder implements Embedder {
  readonly method = 'umap' as const;
  readonly totalIter: number;
  readonly kl = null;
  private readonly umap: UMAP | null;
  private readonly rows: number[][];
  private initialised = false;
  private epoch = 0;

  constructor(
    X: Features,
    readonly n: number,
    d: number,
    o: EmbedOptions,
    readonly warnings: string[],
  ) {
    this.totalIter = Math.max(1, Math.round(o.nIter));
    this.rows = Array.from({ length: n }, (_, i) => Array.from(X.subarray(i * d, (i + 1) * d)));
    if (n < 3) {
      this.warnings.push(`UMAP needs at least 3 points, got ${n}; the layout is the origin`);
      this.umap = null;
      return;
    }
    let nNeighbors = Math.max(2, Math.round(o.nNeighbors));
    if (nNeighbors > n - 1) {
      this.warnings.push(`${nNeighbors} UMAP neighbours are too many for ${n} points; using ${n - 1}`);
      nNeighbors = n - 1;
    }
    const rng = createRng(o.seed, UMAP_STREAM);
    this.umap = new UMAP({
      nComponents: 2,
      nNeighbors,
      minDist: o.minDist,
      nEpochs: this.totalIter,
      random: () => rng.nextFloat(),
    });
  }

  get iter(): number {
    return this.epoch;
  }

  step(): EmbedderStep {
    if (!this.umap) return { phase: 'done', iter: 0, kl: null, progress: 1, done: true };
    if (!this.initialised) {
      this.umap.initializeFit(this.rows);
      this.initialised = true;
      return { phase: 'neighbors', iter: 0, kl: null, progress: 0.1, done: false };
    }
    this.epoch = this.umap.step();
    const done = this.epoch >= this.totalIter;
    return {
      phase: done ? 'done' : 'optimize',
      iter: this.epoch,
      kl: null,
      progress: 0.1 + (0.9 * this.epoch) / this.totalIter,
      done,
    };
  }

  coords(): Float32Array | null {
    if (!this.umap) return new Float32Array(2 * this.n);
    if (!this.initialised) return null;
    const E = this.umap.getEmbedding();
    const out = new Float32Array(2 * this.n);
    let replaced = 0;
    for (let i = 0; i < this.n; i++) {
      for (let c = 0; c < 2; c++) {
        const v = E[i][c];
        if (Number.isFinite(v)) out[2 * i + c] = v;
        else replaced++;
      }
    }
    if (replaced && !this.warnings.some((w) => w.startsWith('the layout had')))
      this.warnings.push(`the layout had ${replaced} non-finite coordinates; they are drawn at 0`);
    return out;
  }
}
