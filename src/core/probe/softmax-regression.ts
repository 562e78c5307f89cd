/**
 * @file Multinomial logistic regression (softmax) with an L2 penalty: the linear probe.
 *
 * Minimises the objective of scikit-learn 1.2's
 * `LogisticRegression(multi_class='multinomial', solver='lbfgs', C, fit_intercept=True)`:
 *
 *     Σ_i [ logsumexp(z_i) − z_{i,y_i} ] + 1/(2C)·‖W‖²,   z_i = W·x_i + b   (b not penalised)
 *
 * with W of shape k×d (one row per class, like `coef_`) and b of length k (`intercept_`).
 * Starting from zero, every gradient keeps Σ_c W_c = 0 and Σ_c b_c = 0, so the minimiser is
 * the same unique point sklearn finds. Training is step-wise ({@link SoftmaxTrainer}) so the UI
 * can draw loss/accuracy curves and stop.
 */

import { DiffProbeError, quote } from '../errors';
import { Lbfgs, type LbfgsReason, type LbfgsStatus } from './lbfgs';
import type { Features } from './standardize';

/** Rows per block in the objective (block logits stay in L1: 32·k doubles). */
const BLOCK = 32;

/** A fitted probe: `W` is k×d row-major (sklearn's coef_), `b` has length k (intercept_). */
export interface SoftmaxModel {
  readonly d: number;
  readonly k: number;
  readonly W: Float64Array;
  readonly b: Float64Array;
}

/**
 * The data term Σ_i [logsumexp(z_i) − z_{i,y_i}] computed elsewhere (e.g. by ONNX Runtime, see
 * objective-graph.ts), for large problems. The trainer adds the L2 penalty.
 */
export interface DataTerm {
  /**
   * At w = [W (k×d), b (k)]: writes the data term's gradient into g (length k·(d+1)) and returns
   * its value and the number of training rows whose largest logit is their label (and, if it
   * holds a test set, the same count for it).
   */
  evaluate(w: Float64Array, g: Float64Array): Promise<{ ce: number; correct: number; testCorrect?: number }>;
  /**
   * The relative precision of its value (e.g. {@link FLOAT32_FTOL} for float32 arithmetic). L-BFGS
   * stops on relative decreases below it: smaller ones are rounding noise.
   */
  readonly relativePrecision: number;
}

export interface SoftmaxTrainerOptions {
  /** Inverse regularisation strength, as sklearn's `C`. Default 1. */
  C?: number;
  /** Maximum L-BFGS iterations (sklearn's `max_iter`). Default 100. */
  maxIter?: number;
  /** Stop when the largest |gradient| entry is ≤ tol (sklearn's `tol`). Default 1e-4. */
  tol?: number;
  /** Compute the data term with this instead of the built-in loop; then use {@link SoftmaxTrainer.stepAsync}. */
  dataTerm?: DataTerm;
  /**
   * Stop when the relative decrease of the objective is ≤ ftol. Default: SciPy's 2.2e-9 for the
   * built-in float64 loop; the data term's `relativePrecision` with a `dataTerm`.
   */
  ftol?: number;
}

/**
 * float32's resolution (2⁻²³). A data term summed from float32 rows is exact to about this
 * relative precision, so smaller relative decreases are rounding noise: below it the line search
 * only chases noise (we measured 61 evaluations instead of 23 on 10k × 256 with SciPy's ftol).
 */
export const FLOAT32_FTOL = 2 ** -23;

/** What one {@link SoftmaxTrainer.step} reports. */
export interface SoftmaxStepInfo {
  /** L-BFGS iterations so far (0 after the first call, which evaluates the zero model). */
  readonly iter: number;
  /** The full objective (summed cross-entropy + penalty). */
  readonly loss: number;
  /** Mean cross-entropy per training row, without the penalty (comparable across n and C). */
  readonly meanCrossEntropy: number;
  /** Training accuracy of the current model, in [0, 1]. */
  readonly trainAccuracy: number;
  /** Largest |gradient| entry. */
  readonly gradNorm: number;
  /** Objective evaluations so far (L-BFGS iterations plus line-search trials). */
  readonly evaluations: number;
  /** Correct test rows of the current model, when the data term counted them. */
  readonly testCorrect?: number;
  readonly done: boolean;
  readonly reason: LbfgsReason;
}

/** What one objective evaluation counted, and where. */
interface Evaluation {
  readonly point: Float64Array;
  ce: number;
  correct: number;
  testCorrect: number | undefined;
}

function samePoint(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function checkLabels(y: ArrayLike<number>, n: number, k: number, where: string): void {
  if (y.length < n) throw new DiffProbeError('internal', `${where}: ${y.length} labels for ${n} rows`);
  for (let i = 0; i < n; i++) {
    const c = y[i];
    if (!Number.isInteger(c) || c < 0 || c >= k) {
      throw new DiffProbeError('probe-data', `${where}: label ${quote(c)} of row ${i} is not in [0, ${k})`, {
        row: i,
        label: c,
        k,
      });
    }
  }
}

/**
 * Softmax-regression trainer: one L-BFGS iteration per {@link step}.
 *
 * @param X row-major n×d training features (standardise them first, see standardize.ts); null
 *   with a `dataTerm`, which holds the features itself.
 * @param y n integer labels in [0, k).
 * @example
 * const t = new SoftmaxTrainer(Xtrain, ytrain, n, d, k, { C: 1, maxIter: 200 });
 * for (let s = t.step(); !s.done; s = t.step()) drawPoint(s.iter, s.loss);
 * const acc = accuracy(yTest, predict(t.model, Xtest, nTest));
 */
export class SoftmaxTrainer {
  readonly n: number;
  readonly d: number;
  readonly k: number;
  private readonly X: Features | null;
  private readonly y: Int32Array;
  private readonly alpha: number;
  private readonly opt: Lbfgs;
  private readonly z: Float64Array;
  private readonly dataTerm: DataTerm | undefined;
  /** The last evaluation: L-BFGS's last trial, which it may have rejected. */
  private lastEval: Evaluation;
  /** The evaluation at the point L-BFGS accepted last, whose counts the steps report. */
  private acceptedEval: Evaluation;
  private readonly scratch: Float64Array;
  private readonly fg: (w: Float64Array, g: Float64Array) => number | Promise<number>;

  constructor(
    X: Features | null,
    y: ArrayLike<number>,
    n: number,
    d: number,
    k: number,
    opts: SoftmaxTrainerOptions = {},
  ) {
    const C = opts.C ?? 1;
    if (!(C > 0) || !Number.isFinite(C))
      throw new DiffProbeError('internal', `SoftmaxTrainer: C must be > 0, got ${quote(C)}`);
    if (!Number.isInteger(k) || k < 2)
      throw new DiffProbeError('probe-data', `SoftmaxTrainer: need k ≥ 2 classes, got ${quote(k)}`);
    if (!(n >= 1) || !(d >= 1) || (X ? X.length < n * d : !opts.dataTerm)) {
      throw new DiffProbeError(
        'internal',
        `SoftmaxTrainer: X of length ${X?.length} does not hold ${n}×${d}`,
      );
    }
    checkLabels(y, n, k, 'SoftmaxTrainer');
    this.n = n;
    this.d = d;
    this.k = k;
    this.X = X;
    this.y = Int32Array.from({ length: n }, (_, i) => y[i]);
    this.alpha = 1 / C;
    this.z = new Float64Array(BLOCK * k);
    this.dataTerm = opts.dataTerm;
    const size = k * (d + 1);
    const blank = (): Evaluation => ({
      point: new Float64Array(size).fill(Number.NaN),
      ce: Number.NaN,
      correct: 0,
      testCorrect: undefined,
    });
    this.lastEval = blank();
    this.acceptedEval = blank();
    this.scratch = new Float64Array(size);
    this.fg = opts.dataTerm
      ? (w: Float64Array, g: Float64Array) => this.objectiveWith(opts.dataTerm!, w, g)
      : (w: Float64Array, g: Float64Array) => this.objective(w, g);
    this.opt = new Lbfgs(this.fg, new Float64Array(size), {
      gtol: opts.tol ?? 1e-4,
      ftol: opts.ftol ?? opts.dataTerm?.relativePrecision,
      maxIter: opts.maxIter ?? 100,
    });
  }

  /** One L-BFGS iteration (the first call evaluates the zero model). Not with a `dataTerm`. */
  step(): SoftmaxStepInfo {
    const s = this.opt.step();
    if (!this.accepted()) {
      this.fg(this.opt.x, this.scratch);
      this.accepted();
    }
    return this.info(s);
  }

  /** One L-BFGS iteration, with either objective. */
  async stepAsync(): Promise<SoftmaxStepInfo> {
    const s = await this.opt.stepAsync();
    if (!this.accepted()) {
      await this.fg(this.opt.x, this.scratch);
      this.accepted();
    }
    return this.info(s);
  }

  /**
   * Whether the counts of the current point are known. L-BFGS's last evaluation is its accepted
   * point after a successful line search, but a rejected trial after a failed one (the point
   * then stays where it was): so the counts are taken from the evaluation made at the current
   * point, never simply the last one.
   */
  private accepted(): boolean {
    const x = this.opt.x;
    if (samePoint(this.lastEval.point, x)) {
      const e = this.acceptedEval;
      this.acceptedEval = this.lastEval;
      this.lastEval = e;
    }
    return samePoint(this.acceptedEval.point, x);
  }

  /** Whether the data term is computed outside this class (see {@link DataTerm}). */
  get external(): boolean {
    return this.dataTerm !== undefined;
  }

  /** The step's report, with the counts of the accepted point (see {@link accepted}). */
  private info(s: LbfgsStatus): SoftmaxStepInfo {
    const e = this.acceptedEval;
    return {
      testCorrect: e.testCorrect,
      evaluations: s.nEval,
      iter: s.iter,
      loss: s.f,
      meanCrossEntropy: e.ce / this.n,
      trainAccuracy: e.correct / this.n,
      gradNorm: s.gradNorm,
      done: s.done,
      reason: s.reason,
    };
  }

  /** A copy of the current model. */
  get model(): SoftmaxModel {
    const w = this.opt.x;
    const kd = this.k * this.d;
    return { d: this.d, k: this.k, W: w.slice(0, kd), b: w.slice(kd, kd + this.k) };
  }

  /** The objective with an external data term, plus the L2 penalty on W. */
  private async objectiveWith(term: DataTerm, w: Float64Array, g: Float64Array): Promise<number> {
    const { ce, correct, testCorrect } = await term.evaluate(w, g);
    this.record(w, ce, correct, testCorrect);
    return ce + this.penalty(w, g);
  }

  private record(w: Float64Array, ce: number, correct: number, testCorrect: number | undefined): void {
    const e = this.lastEval;
    e.point.set(w);
    e.ce = ce;
    e.correct = correct;
    e.testCorrect = testCorrect;
  }

  /** Adds α·W to the gradient and returns α/2·‖W‖² (the intercept is not penalised). */
  private penalty(w: Float64Array, g: Float64Array): number {
    const kd = this.k * this.d;
    const alpha = this.alpha;
    let pen = 0;
    for (let t = 0; t < kd; t++) {
      const v = w[t];
      pen += v * v;
      g[t] += alpha * v;
    }
    return 0.5 * alpha * pen;
  }

  /**
   * Objective and gradient at w = [W (k×d), b (k)], in blocks of {@link BLOCK} rows:
   * logits for the block (two rows per pass over W, so each weight load serves two rows), a
   * stable softmax per row, then grad_W[c] += Σ_rows (p_c − [c = y]) · x, four rows per pass over
   * grad_W[c]. The blocking roughly triples throughput over the row-at-a-time loop in V8. Also
   * records the cross-entropy and the training accuracy of this point for {@link step}.
   */
  private objective(w: Float64Array, g: Float64Array): number {
    const { n, d, k, y, z } = this;
    const X = this.X as Features; // the constructor requires X without a data term
    const kd = k * d;
    g.fill(0);
    let ce = 0;
    let correct = 0;
    for (let i0 = 0; i0 < n; i0 += BLOCK) {
      const i1 = Math.min(n, i0 + BLOCK);
      // Logits z[(i − i0)·k + c].
      let i = i0;
      for (; i + 1 < i1; i += 2) {
        const o = i * d;
        const o2 = o + d;
        const zo = (i - i0) * k;
        for (let c = 0; c < k; c++) {
          const wo = c * d;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          let j = 0;
          for (; j + 1 < d; j += 2) {
            const w0 = w[wo + j];
            const w1 = w[wo + j + 1];
            s0 += w0 * X[o + j];
            s1 += w1 * X[o + j + 1];
            s2 += w0 * X[o2 + j];
            s3 += w1 * X[o2 + j + 1];
          }
          if (j < d) {
            s0 += w[wo + j] * X[o + j];
            s2 += w[wo + j] * X[o2 + j];
          }
          z[zo + c] = s0 + s1 + w[kd + c];
          z[zo + k + c] = s2 + s3 + w[kd + c];
        }
      }
      for (; i < i1; i++) {
        const o = i * d;
        const zo = (i - i0) * k;
        for (let c = 0; c < k; c++) {
          const wo = c * d;
          let s0 = 0;
          for (let j = 0; j < d; j++) s0 += w[wo + j] * X[o + j];
          z[zo + c] = s0 + w[kd + c];
        }
      }
      // Softmax → residuals r = p − onehot(y), in place.
      for (let i = i0; i < i1; i++) {
        const zo = (i - i0) * k;
        let zMax = Number.NEGATIVE_INFINITY;
        let arg = 0;
        for (let c = 0; c < k; c++) {
          if (z[zo + c] > zMax) {
            zMax = z[zo + c];
            arg = c;
          }
        }
        const yi = y[i];
        if (arg === yi) correct++;
        const zy = z[zo + yi];
        let sum = 0;
        for (let c = 0; c < k; c++) {
          const e = Math.exp(z[zo + c] - zMax);
          z[zo + c] = e;
          sum += e;
        }
        ce += Math.log(sum) + zMax - zy;
        const inv = 1 / sum;
        for (let c = 0; c < k; c++) {
          const r = z[zo + c] * inv - (c === yi ? 1 : 0);
          z[zo + c] = r;
          g[kd + c] += r;
        }
      }
      // grad_W[c] += Σ_i r_ic x_i.
      for (let c = 0; c < k; c++) {
        const wo = c * d;
        let i = i0;
        for (; i + 3 < i1; i += 4) {
          const o = i * d;
          const o2 = o + d;
          const o3 = o2 + d;
          const o4 = o3 + d;
          const zi = (i - i0) * k + c;
          const ra = z[zi];
          const rb = z[zi + k];
          const rc = z[zi + 2 * k];
          const rd = z[zi + 3 * k];
          for (let j = 0; j < d; j++)
            g[wo + j] += ra * X[o + j] + rb * X[o2 + j] + rc * X[o3 + j] + rd * X[o4 + j];
        }
        for (; i < i1; i++) {
          const o = i * d;
          const r = z[(i - i0) * k + c];
          for (let j = 0; j < d; j++) g[wo + j] += r * X[o + j];
        }
      }
    }
    this.record(w, ce, correct, undefined);
    return ce + this.penalty(w, g);
  }
}

/**
 * Class probabilities, n×k row-major.
 *
 * @example predictProba(model, X, n)[i * model.k + c] // P(class c | row i)
 */
export function predictProba(model: SoftmaxModel, X: Features, n: number): Float64Array {
  const { d, k, W, b } = model;
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    const po = i * k;
    let zMax = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      let s = b[c];
      const wo = c * d;
      for (let j = 0; j < d; j++) s += W[wo + j] * X[o + j];
      out[po + c] = s;
      if (s > zMax) zMax = s;
    }
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp(out[po + c] - zMax);
      out[po + c] = e;
      sum += e;
    }
    for (let c = 0; c < k; c++) out[po + c] /= sum;
  }
  return out;
}

/** Predicted class per row (argmax of the logits; ties → lowest class, like numpy's argmax). */
export function predict(model: SoftmaxModel, X: Features, n: number): Int32Array {
  const { d, k, W, b } = model;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let best = Number.NEGATIVE_INFINITY;
    let arg = 0;
    for (let c = 0; c < k; c++) {
      let s = b[c];
      const wo = c * d;
      for (let j = 0; j < d; j++) s += W[wo + j] * X[o + j];
      if (s > best) {
        best = s;
        arg = c;
      }
    }
    out[i] = arg;
  }
  return out;
}

/** Fraction of equal entries, in [0, 1] (NaN for empty input). */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  if (yTrue.length !== yPred.length) {
    throw new DiffProbeError('internal', `accuracy: ${yTrue.length} labels vs ${yPred.length} predictions`);
  }
  let ok = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) ok++;
  return ok / yTrue.length;
}

/**
 * Confusion counts, k×k row-major: entry [t·k + p] counts rows of true class t predicted as p
 * (rows = truth, columns = prediction, as sklearn.metrics.confusion_matrix).
 */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k: number): Int32Array {
  if (yTrue.length !== yPred.length) {
    throw new DiffProbeError(
      'internal',
      `confusionMatrix: ${yTrue.length} labels vs ${yPred.length} predictions`,
    );
  }
  const m = new Int32Array(k * k);
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    if (!(t >= 0 && t < k && p >= 0 && p < k)) {
      throw new DiffProbeError(
        'probe-data',
        `confusionMatrix: label pair (${quote(t)}, ${quote(p)}) outside [0, ${k})`,
      );
    }
    m[t * k + p]++;
  }
  return m;
}
