/**
 * @file Barnes–Hut t-SNE with scikit-learn 1.2's conventions, step-wise.
 *
 * `TSNE(method='barnes_hut', init='pca', learning_rate='auto', perplexity=30, n_iter=1000,
 * early_exaggeration=12, angle=0.5)`:
 * - affinities on the k = min(n − 1, ⌊3·perplexity + 1⌋) exact nearest neighbours (affinities.ts);
 * - init: PCA to 2-D scaled so the first coordinate has std 1e-4;
 * - learning rate max(n / early_exaggeration / 4, 50);
 * - 250 iterations with P × 12 and momentum 0.5, then momentum 0.8 up to n_iter;
 * - gains +0.2 where the update and gradient disagree in sign, ×0.8 otherwise, floor 0.01;
 * - every 50 iterations: KL divergence (as sklearn computes it, with the exaggerated P during
 *   the first phase), stop when the gradient norm ≤ min_grad_norm or when the KL has not
 *   improved for n_iter_without_progress iterations (250 in the first phase);
 * - the two phases are sklearn's two `_gradient_descent` calls: the second starts from zero
 *   update and unit gains with fresh progress bookkeeping, and a stop in the first phase (small
 *   gradient, no progress) ends only the exaggeration, not the run.
 * Differences: float64 throughout (sklearn: float32), exact PCA (sklearn: randomized SVD, so
 * the init may be mirrored), and the group walk of quadtree.ts (each repulsive force at least as
 * accurate as sklearn's θ-criterion gives).
 *
 * Work is split into steps of bounded cost (kNN blocks, affinity rows, one gradient iteration)
 * so a worker can post progress, draw the embedding, pause and cancel between steps.
 */

import { DiffProbeError, quote } from '../errors';
import { createRng, gaussian } from '../rng';
import { binarySearchPerplexity, jointProbabilities, type SparseP, upperTriangle } from './affinities';
import { attractiveForces, klDivergence } from './attraction';
import { NeighborSearch } from './neighbor-search';
import { PcaFit } from './pca';
import { BarnesHutTree } from './quadtree';

type Features = Float32Array | Float64Array;

export interface TsneOptions {
  /** Default 30; clamped to (n − 1)/3 for small n (see `warnings`). */
  perplexity?: number;
  /** Default 12. */
  earlyExaggeration?: number;
  /** 'auto' (default) = max(n / earlyExaggeration / 4, 50), or a number. */
  learningRate?: 'auto' | number;
  /** Total iterations including the exaggeration phase. Default 1000. */
  nIter?: number;
  /** Iterations with exaggeration (sklearn's _EXPLORATION_N_ITER). Default 250. */
  nIterExaggeration?: number;
  /** Barnes–Hut angle θ in [0, 0.7]. Default 0.5. */
  theta?: number;
  /** Default 1e-7. */
  minGradNorm?: number;
  /** Default 300. */
  nIterWithoutProgress?: number;
  /** 'pca' (default), 'random' (1e-4·N(0, 1), seeded), or an n×2 initial embedding. */
  init?: 'pca' | 'random' | Float64Array;
  /** Seed for the random init (and the fallback when PCA has no variance). Default 0. */
  seed?: number;
}

export type TsnePhase = 'neighbors' | 'affinities' | 'init' | 'optimize' | 'done';

export interface TsneStepInfo {
  /** The phase that this step worked on. */
  readonly phase: TsnePhase;
  /** Gradient iterations completed (0 before optimisation starts). */
  readonly iter: number;
  /** KL divergence, on iterations that compute it (every 50th and the last), else null. */
  readonly kl: number | null;
  /** ‖gradient‖ (after gains) on the same iterations as `kl`, else null. */
  readonly gradNorm: number | null;
  /** Rough overall progress in [0, 1]. */
  readonly progress: number;
  readonly done: boolean;
}

const CHECK_EVERY = 50;
const MIN_GAIN = 0.01;
const AFFINITY_ROWS_PER_STEP = 500;
// Share of the progress bar given to kNN + affinities (rough: they cost ~10–20% of the run).
const SETUP_SHARE = 0.15;

/**
 * Step-wise t-SNE to two dimensions.
 *
 * @example
 * const t = new TSNE(X, n, d, { perplexity: 30 });
 * for (let s = t.step(); !s.done; s = t.step()) if (s.iter % 10 === 0) draw(t.embedding);
 */
export class TSNE {
  readonly n: number;
  readonly d: number;
  /** Adjustments made to the options (e.g. perplexity clamped for small n). */
  readonly warnings: string[] = [];
  readonly perplexity: number;
  readonly learningRate: number;
  /** Number of nearest neighbours used for the affinities. */
  readonly kNeighbors: number;
  private readonly X: Features;
  private readonly opts: Required<Omit<TsneOptions, 'learningRate' | 'perplexity' | 'init' | 'seed'>>;
  private readonly init: 'pca' | 'random' | Float64Array;
  private readonly seed: number;
  private phase: TsnePhase = 'neighbors';
  private search: NeighborSearch | null = null;
  private pcaFit: PcaFit | null = null;
  private knnIdx: Int32Array | null = null;
  private knnD2: Float64Array | null = null;
  private condP: Float64Array | null = null;
  private readonly betaArr: Float64Array;
  private affinityRow = 0;
  private P: SparseP | null = null;
  /** The strict upper triangle of P (j > i), for the pairwise attractive forces. */
  private upper: SparseP | null = null;
  private Y: Float64Array;
  private readonly grad: Float64Array;
  private readonly update: Float64Array;
  private readonly gains: Float64Array;
  private readonly neg: Float64Array;
  private tree: BarnesHutTree | null = null;
  private iter = 0;
  /** In the first phase (early exaggeration, momentum 0.5). */
  private exploring = true;
  private bestError = Number.MAX_VALUE;
  private bestIter = 0;
  private lastKl: number | null = null;

  constructor(X: Features, n: number, d: number, options: TsneOptions = {}) {
    if (!Number.isInteger(n) || !Number.isInteger(d) || n < 1 || d < 1 || X.length < n * d) {
      throw new DiffProbeError(
        'internal',
        `TSNE: X of length ${X.length} does not hold n=${quote(n)} × d=${quote(d)}`,
      );
    }
    for (let t = 0; t < n * d; t++) {
      if (X[t] - X[t] !== 0) {
        const row = Math.floor(t / d);
        throw new DiffProbeError('probe-data', `TSNE: feature ${t % d} of row ${row} is ${X[t]}`, {
          row,
          column: t % d,
        });
      }
    }
    this.X = X;
    this.n = n;
    this.d = d;
    const theta = options.theta ?? 0.5;
    // Beyond θ = 1/√2 a cell could summarise the query point itself (see quadtree.ts).
    if (!(theta >= 0 && theta <= 0.7))
      throw new DiffProbeError('internal', `TSNE: theta ${quote(theta)} not in [0, 0.7]`);
    const ee = options.earlyExaggeration ?? 12;
    if (!(ee >= 1)) throw new DiffProbeError('internal', `TSNE: earlyExaggeration ${quote(ee)} must be ≥ 1`);
    this.opts = {
      earlyExaggeration: ee,
      nIter: options.nIter ?? 1000,
      nIterExaggeration: options.nIterExaggeration ?? 250,
      theta,
      minGradNorm: options.minGradNorm ?? 1e-7,
      nIterWithoutProgress: options.nIterWithoutProgress ?? 300,
    };
    let perplexity = options.perplexity ?? 30;
    if (!(perplexity > 0))
      throw new DiffProbeError('internal', `TSNE: perplexity ${quote(perplexity)} must be > 0`);
    if (n >= 2 && n - 1 < 3 * perplexity) {
      const clamped = (n - 1) / 3;
      this.warnings.push(
        `perplexity ${perplexity} is too large for ${n} points; using ${clamped.toFixed(3)}`,
      );
      perplexity = clamped;
    }
    this.perplexity = perplexity;
    this.kNeighbors = Math.max(1, Math.min(n - 1, Math.floor(3 * perplexity + 1)));
    const lr = options.learningRate ?? 'auto';
    this.learningRate = lr === 'auto' ? Math.max(n / ee / 4, 50) : lr;
    if (!(this.learningRate > 0))
      throw new DiffProbeError('internal', `TSNE: learningRate ${quote(lr)} must be > 0`);
    this.init = options.init ?? 'pca';
    if (this.init instanceof Float64Array && this.init.length !== 2 * n) {
      throw new DiffProbeError('internal', `TSNE: init has ${this.init.length} values, expected ${2 * n}`);
    }
    this.seed = options.seed ?? 0;
    this.Y = new Float64Array(2 * n);
    this.grad = new Float64Array(2 * n);
    this.update = new Float64Array(2 * n);
    this.gains = new Float64Array(2 * n).fill(1);
    this.neg = new Float64Array(2 * n);
    this.betaArr = new Float64Array(n);
    if (n < 2) {
      this.warnings.push(`t-SNE needs at least 2 points, got ${n}; the embedding is the origin`);
      this.phase = 'done';
    }
  }

  /** Current n×2 embedding (live; copy it to keep a snapshot). */
  get embedding(): Float64Array {
    return this.Y;
  }

  /** Precisions β_i = 1/(2σ_i²) found by the perplexity search (valid after 'affinities'). */
  get betas(): Float64Array {
    return this.betaArr;
  }

  /** Conditional p_j|i on the kNN graph, n×k with `neighborIndices` (valid after 'affinities'). */
  get conditionalP(): Float64Array | null {
    return this.condP;
  }

  get neighborIndices(): Int32Array | null {
    return this.knnIdx;
  }

  /** Symmetric joint P (valid after 'affinities'). */
  get jointP(): SparseP | null {
    return this.P;
  }

  get currentPhase(): TsnePhase {
    return this.phase;
  }

  /** Does one bounded piece of work and reports where the run stands. */
  step(): TsneStepInfo {
    switch (this.phase) {
      case 'neighbors':
        return this.stepNeighbors();
      case 'affinities':
        return this.stepAffinities();
      case 'init':
        return this.stepInit();
      case 'optimize':
        return this.stepOptimize();
      default:
        return this.info('done', null, null);
    }
  }

  /** Runs every remaining step synchronously (tests, CLI). */
  run(): TsneStepInfo {
    let s = this.step();
    while (!s.done) s = this.step();
    return s;
  }

  private progress(): number {
    const { nIter } = this.opts;
    if (this.phase === 'neighbors') return SETUP_SHARE * 0.8 * (this.search?.progress ?? 0);
    if (this.phase === 'affinities') return SETUP_SHARE * (0.8 + (0.1 * this.affinityRow) / this.n);
    if (this.phase === 'init') return SETUP_SHARE * (0.9 + 0.1 * (this.pcaFit?.progress ?? 0));
    if (this.phase === 'done') return 1;
    return SETUP_SHARE + (1 - SETUP_SHARE) * (this.iter / nIter);
  }

  private info(phase: TsnePhase, kl: number | null, gradNorm: number | null): TsneStepInfo {
    return { phase, iter: this.iter, kl, gradNorm, progress: this.progress(), done: this.phase === 'done' };
  }

  private stepNeighbors(): TsneStepInfo {
    if (!this.search) this.search = new NeighborSearch(this.X, this.n, this.d, this.kNeighbors);
    if (this.search.step()) {
      const g = this.search.result();
      this.knnIdx = g.indices;
      this.knnD2 = g.sqDistances;
      this.search = null;
      this.condP = new Float64Array(this.n * this.kNeighbors);
      this.phase = 'affinities';
    }
    return this.info('neighbors', null, null);
  }

  private stepAffinities(): TsneStepInfo {
    const to = Math.min(this.n, this.affinityRow + AFFINITY_ROWS_PER_STEP);
    binarySearchPerplexity(
      this.knnD2!,
      this.kNeighbors,
      this.perplexity,
      this.condP!,
      this.betaArr,
      this.affinityRow,
      to,
    );
    this.affinityRow = to;
    if (to === this.n) {
      this.P = jointProbabilities(this.knnIdx!, this.condP!, this.n, this.kNeighbors);
      this.upper = upperTriangle(this.P);
      this.knnD2 = null;
      this.phase = 'init';
    }
    return this.info('affinities', null, null);
  }

  /** PCA (in bounded steps) or the given/random start; then optimisation can begin. */
  private stepInit(): TsneStepInfo {
    const { n, Y } = this;
    if (this.init === 'pca' && Math.min(n, this.d) >= 2) {
      if (!this.pcaFit) this.pcaFit = new PcaFit(this.X, n, this.d, 2);
      if (!this.pcaFit.step()) return this.info('init', null, null);
      const { coords } = this.pcaFit.result();
      this.pcaFit = null;
      if (!this.scalePca(coords)) this.randomInit();
    } else if (this.init instanceof Float64Array) Y.set(this.init);
    else {
      if (this.init === 'pca')
        this.warnings.push('PCA init needs 2 or more features; t-SNE started from a random layout');
      this.randomInit();
    }
    this.tree = new BarnesHutTree(n);
    this.phase = 'optimize';
    return this.info('init', null, null);
  }

  /** sklearn: pca / std(pca[:, 0]) · 1e-4. False when the first coordinate has no spread. */
  private scalePca(coords: Float64Array): boolean {
    const { n, Y } = this;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += coords[2 * i];
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (coords[2 * i] - mean) ** 2;
    const std = Math.sqrt(v / n);
    if (std > 0) {
      for (let t = 0; t < 2 * n; t++) Y[t] = (coords[t] / std) * 1e-4;
      return true;
    }
    this.warnings.push('the features have no variance; t-SNE started from a random layout');
    return false;
  }

  private randomInit(): void {
    const { n, Y } = this;
    const z = gaussian(createRng(this.seed), 2 * n);
    for (let t = 0; t < 2 * n; t++) Y[t] = 1e-4 * z[t];
  }

  /** One gradient-descent iteration, sklearn's `_gradient_descent` body. */
  private stepOptimize(): TsneStepInfo {
    const { n, Y, grad, update, gains, opts } = this;
    const i = this.iter;
    const exploring = this.exploring;
    const momentum = exploring ? 0.5 : 0.8;
    const exaggeration = exploring ? opts.earlyExaggeration : 1;
    const check = (i + 1) % CHECK_EVERY === 0;
    // sklearn computes the error on each phase's last iteration too.
    const last = i === opts.nIter - 1 || (exploring && i === opts.nIterExaggeration - 1);
    const error = this.gradient(exaggeration, check || last);
    const lr = this.learningRate;
    for (let t = 0; t < 2 * n; t++) {
      const g0 = grad[t];
      let gain = gains[t];
      gain = update[t] * g0 < 0 ? gain + 0.2 : gain * 0.8;
      if (gain < MIN_GAIN) gain = MIN_GAIN;
      gains[t] = gain;
      const g = g0 * gain;
      grad[t] = g;
      const u = momentum * update[t] - lr * g;
      update[t] = u;
      Y[t] += u;
    }
    this.iter = i + 1;
    let kl: number | null = null;
    let gradNorm: number | null = null;
    if (check || last) {
      kl = error;
      this.lastKl = error;
      let s = 0;
      for (let t = 0; t < 2 * n; t++) s += grad[t] * grad[t];
      gradNorm = Math.sqrt(s);
    }
    let stop = false;
    if (check) {
      const limit = exploring ? opts.nIterExaggeration : opts.nIterWithoutProgress;
      if (error < this.bestError) {
        this.bestError = error;
        this.bestIter = i;
      } else if (i - this.bestIter > limit) stop = true;
      if (gradNorm! <= opts.minGradNorm) stop = true;
    }
    if (exploring && (stop || i + 1 === opts.nIterExaggeration)) {
      // The end of sklearn's first _gradient_descent call; the second starts afresh: no momentum
      // carried over (update = 0), gains back to 1, progress bookkeeping from this iteration.
      this.exploring = false;
      update.fill(0);
      gains.fill(1);
      this.bestError = Number.MAX_VALUE;
      this.bestIter = i + 1;
    } else if (stop) this.phase = 'done';
    if (this.iter >= opts.nIter) this.phase = 'done';
    return this.info('optimize', kl, gradNorm);
  }

  /** KL divergence reported by the last checking iteration (null before the first). */
  get kl(): number | null {
    return this.lastKl;
  }

  /**
   * grad = 4·(exaggeration·Σ_j p_ij·q̃_ij·(y_i − y_j) − Σ_j q̃_ij²·(y_i − y_j) / Z), with
   * q̃_ij = 1/(1 + ‖y_i − y_j‖²) and Z = Σ q̃; returns the KL divergence when asked, else NaN.
   */
  private gradient(exaggeration: number, withError: boolean): number {
    const { n, Y, grad, neg } = this;
    const tree = this.tree!;
    tree.build(Y, n);
    const Z = Math.max(tree.repulsion(this.opts.theta, neg), Number.MIN_VALUE);
    attractiveForces(this.upper!, Y, grad);
    const a = 4 * exaggeration;
    const b = 4 / Z;
    for (let t = 0; t < 2 * n; t++) grad[t] = a * grad[t] - b * neg[t];
    return withError ? klDivergence(this.upper!, Y, Z, exaggeration) : Number.NaN;
  }
}
