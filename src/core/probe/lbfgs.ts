/**
 * @file Limited-memory BFGS for smooth unconstrained minimisation, one iteration per `step()`.
 *
 * Mirrors the stopping rules of SciPy's L-BFGS-B as scikit-learn calls it (`gtol` on the
 * max-norm of the gradient, `ftol` on the relative decrease, `maxIter` iterations, history 10),
 * with a strong-Wolfe line search (Nocedal & Wright, Algorithms 3.5/3.6, cubic interpolation)
 * instead of MINPACK's More–Thuente. Step-wise so that a worker can report progress between
 * iterations, stop, and carry on later.
 */

import { DiffProbeError } from '../errors';

/**
 * Writes the gradient at `x` into `grad` and returns the function value. Must not keep `x`.
 * It may be asynchronous (e.g. computed by ONNX Runtime); then drive the optimiser with
 * {@link Lbfgs.stepAsync}.
 */
export type ObjectiveFn = (x: Float64Array, grad: Float64Array) => number | Promise<number>;

/** One objective evaluation that the iteration waits for. */
interface EvalRequest {
  readonly x: Float64Array;
  readonly grad: Float64Array;
}

/** The algorithm is written once, as a generator that yields evaluation requests. */
type Steps<T> = Generator<EvalRequest, T, number>;

export interface LbfgsOptions {
  /** History size (SciPy's `maxcor`). Default 10. */
  m?: number;
  /** Stop when max_i |g_i| ≤ gtol (SciPy `pgtol`, sklearn's `tol`). Default 1e-5. */
  gtol?: number;
  /** Stop when (f_old − f)/max(|f_old|, |f|, 1) ≤ ftol. Default 2.220446049250313e-9 (SciPy's). */
  ftol?: number;
  /** Maximum number of iterations. Default 15000 (SciPy's). */
  maxIter?: number;
  /** Maximum function evaluations in one line search. Default 20 (SciPy's). */
  maxLineSearch?: number;
}

/** Why the optimiser stopped; 'running' while it has not. */
export type LbfgsReason = 'running' | 'gtol' | 'ftol' | 'max-iter' | 'line-search';

export interface LbfgsStatus {
  /** Completed iterations (0 after the first call, which only evaluates the start point). */
  readonly iter: number;
  /** Objective at the current point. */
  readonly f: number;
  /** max_i |g_i| at the current point. */
  readonly gradNorm: number;
  /** Function/gradient evaluations so far. */
  readonly nEval: number;
  readonly done: boolean;
  readonly reason: LbfgsReason;
}

const C1 = 1e-4; // sufficient decrease
const C2 = 0.9; // curvature (strong Wolfe), the usual choice for quasi-Newton methods

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m || Number.isNaN(v)) m = v; // NaN propagates so that a broken objective is visible
  }
  return m;
}

/** Minimiser of a cubic through (a, fa, da) and (b, fb, db), or NaN when it has none. */
function cubicMin(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const d1 = da + db - (3 * (fa - fb)) / (a - b);
  const rad = d1 * d1 - da * db;
  if (!(rad >= 0)) return Number.NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(rad);
  return b - ((b - a) * (db + d2 - d1)) / (db - da + 2 * d2);
}

/**
 * Step-wise L-BFGS.
 *
 * @example
 * const opt = new Lbfgs((x, g) => { g[0] = 2 * (x[0] - 3); return (x[0] - 3) ** 2; }, new Float64Array(1));
 * while (!opt.step().done) {}
 * opt.x[0] // ≈ 3
 */
export class Lbfgs {
  private readonly fg: ObjectiveFn;
  private readonly n: number;
  private readonly m: number;
  private readonly gtol: number;
  private readonly ftol: number;
  private readonly maxIter: number;
  private readonly maxLs: number;
  private readonly xCur: Float64Array;
  private readonly g: Float64Array;
  private readonly dir: Float64Array;
  private readonly xTry: Float64Array;
  private readonly gTry: Float64Array;
  private readonly S: Float64Array[];
  private readonly Y: Float64Array[];
  private readonly rho: Float64Array;
  private readonly alpha: Float64Array;
  private hist = 0; // number of stored pairs
  private head = 0; // slot of the next pair
  private f = Number.NaN;
  private iter = 0;
  private nEval = 0;
  private started = false;
  private status: LbfgsStatus | null = null;

  constructor(fg: ObjectiveFn, x0: Float64Array, options: LbfgsOptions = {}) {
    this.fg = fg;
    this.n = x0.length;
    this.m = options.m ?? 10;
    this.gtol = options.gtol ?? 1e-5;
    this.ftol = options.ftol ?? 2.220446049250313e-9;
    this.maxIter = options.maxIter ?? 15000;
    this.maxLs = options.maxLineSearch ?? 20;
    if (!(this.m >= 1) || !(this.maxIter >= 0) || !(this.gtol >= 0) || !(this.ftol >= 0)) {
      throw new DiffProbeError('internal', `Lbfgs: invalid options ${JSON.stringify(options)}`);
    }
    this.xCur = Float64Array.from(x0);
    this.g = new Float64Array(this.n);
    this.dir = new Float64Array(this.n);
    this.xTry = new Float64Array(this.n);
    this.gTry = new Float64Array(this.n);
    this.S = Array.from({ length: this.m }, () => new Float64Array(this.n));
    this.Y = Array.from({ length: this.m }, () => new Float64Array(this.n));
    this.rho = new Float64Array(this.m);
    this.alpha = new Float64Array(this.m);
  }

  /** The current point (a live view; copy it to keep it). */
  get x(): Float64Array {
    return this.xCur;
  }

  /** The gradient at the current point (a live view). */
  get gradient(): Float64Array {
    return this.g;
  }

  /**
   * Does one iteration (the first call only evaluates the start point) and returns where the
   * optimiser stands. After `done`, further calls return the same status.
   */
  step(): LbfgsStatus {
    const it = this.iterate();
    let r = it.next();
    while (!r.done) {
      const f = this.fg(r.value.x, r.value.grad);
      if (typeof f !== 'number') {
        f.catch(() => {}); // its outcome is not wanted; do not let it surface as unhandled
        throw new DiffProbeError('internal', 'Lbfgs.step: the objective is asynchronous; use stepAsync()');
      }
      r = it.next(f);
    }
    return r.value;
  }

  /** {@link step} for an objective that may return a promise. */
  async stepAsync(): Promise<LbfgsStatus> {
    const it = this.iterate();
    let r = it.next();
    while (!r.done) r = it.next(await this.fg(r.value.x, r.value.grad));
    return r.value;
  }

  private *iterate(): Steps<LbfgsStatus> {
    if (this.status?.done) return this.status;
    if (!this.started) {
      this.started = true;
      this.f = yield* this.eval(this.xCur, this.g);
      return this.finish(Number.POSITIVE_INFINITY);
    }
    const { n, xCur, g, dir, xTry, gTry } = this;
    this.direction();
    let gd = dot(g, dir);
    if (!(gd < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      this.hist = 0;
      for (let i = 0; i < n; i++) dir[i] = -g[i];
      gd = dot(g, dir);
    }
    // SciPy's L-BFGS-B starts with step 1/||d|| on the first iteration and 1 afterwards; we also
    // use 1/||d|| after a restart, when the direction is an unscaled gradient again.
    const a0 = this.hist === 0 ? 1 / Math.sqrt(dot(dir, dir)) : 1;
    const fOld = this.f;
    const a = yield* this.lineSearch(fOld, gd, a0);
    if (a === null) return this.stop('line-search');
    // xTry/gTry hold the accepted point; store s = a·d and y = g_new − g_old.
    const s = this.S[this.head];
    const y = this.Y[this.head];
    for (let i = 0; i < n; i++) {
      s[i] = xTry[i] - xCur[i];
      y[i] = gTry[i] - g[i];
    }
    const sy = dot(s, y);
    if (sy > Number.EPSILON * dot(y, y)) {
      this.rho[this.head] = 1 / sy;
      this.head = (this.head + 1) % this.m;
      this.hist = Math.min(this.hist + 1, this.m);
    }
    xCur.set(xTry);
    g.set(gTry);
    this.iter++;
    return this.finish(fOld);
  }

  private *eval(x: Float64Array, grad: Float64Array): Steps<number> {
    this.nEval++;
    return yield { x, grad };
  }

  private finish(fOld: number): LbfgsStatus {
    const f = this.f;
    const gradNorm = maxAbs(this.g);
    if (!Number.isFinite(f) || !Number.isFinite(gradNorm)) {
      throw new DiffProbeError('internal', `Lbfgs: objective is not finite (f=${f}, |g|=${gradNorm})`, {
        iter: this.iter,
      });
    }
    let reason: LbfgsReason = 'running';
    if (gradNorm <= this.gtol) reason = 'gtol';
    else if ((fOld - f) / Math.max(Math.abs(fOld), Math.abs(f), 1) <= this.ftol) reason = 'ftol';
    else if (this.iter >= this.maxIter) reason = 'max-iter';
    this.status = { iter: this.iter, f, gradNorm, nEval: this.nEval, done: reason !== 'running', reason };
    return this.status;
  }

  private stop(reason: LbfgsReason): LbfgsStatus {
    const prev = this.status!;
    this.status = { ...prev, nEval: this.nEval, done: true, reason };
    return this.status;
  }

  /** Two-loop recursion: dir = −H·g. */
  private direction(): void {
    const { n, dir, g, S, Y, rho, alpha, m } = this;
    for (let i = 0; i < n; i++) dir[i] = -g[i];
    if (this.hist === 0) return;
    let slot = this.head;
    for (let h = 0; h < this.hist; h++) {
      slot = (slot - 1 + m) % m;
      const a = rho[slot] * dot(S[slot], dir);
      alpha[slot] = a;
      const y = Y[slot];
      for (let i = 0; i < n; i++) dir[i] -= a * y[i];
    }
    const last = (this.head - 1 + m) % m;
    const gamma = 1 / (rho[last] * dot(Y[last], Y[last]));
    for (let i = 0; i < n; i++) dir[i] *= gamma;
    for (let h = 0; h < this.hist; h++) {
      const b = rho[slot] * dot(Y[slot], dir);
      const s = S[slot];
      const c = alpha[slot] - b;
      for (let i = 0; i < n; i++) dir[i] += c * s[i];
      slot = (slot + 1) % m;
    }
  }

  /** f(x + a·d) into xTry/gTry; returns [f, directional derivative]. */
  private *trial(a: number): Steps<[number, number]> {
    const { n, xCur, dir, xTry, gTry } = this;
    for (let i = 0; i < n; i++) xTry[i] = xCur[i] + a * dir[i];
    const f = yield* this.eval(xTry, gTry);
    return [f, dot(gTry, dir)];
  }

  /**
   * Strong-Wolfe line search. On success xTry/gTry hold the accepted point, this.f its value,
   * and the step is returned; null when no acceptable step was found.
   */
  private *lineSearch(f0: number, d0: number, aInit: number): Steps<number | null> {
    let aPrev = 0;
    let fPrev = f0;
    let dPrev = d0;
    let a = aInit;
    let evals = 0;
    // Bracketing phase.
    for (;;) {
      const [fa, da] = yield* this.trial(a);
      evals++;
      if (!Number.isFinite(fa) || fa > f0 + C1 * a * d0 || (evals > 1 && fa >= fPrev)) {
        return yield* this.zoom(f0, d0, aPrev, fPrev, dPrev, a, fa, da, evals);
      }
      if (Math.abs(da) <= -C2 * d0) {
        this.f = fa;
        return a;
      }
      if (da >= 0) return yield* this.zoom(f0, d0, a, fa, da, aPrev, fPrev, dPrev, evals);
      if (evals >= this.maxLs) return yield* this.fallback(f0, a, fa);
      // Extrapolate: cubic step clamped to [2a, 10a].
      const c = cubicMin(aPrev, fPrev, dPrev, a, fa, da);
      const next = Number.isFinite(c) ? Math.min(Math.max(c, 2 * a), 10 * a) : 2 * a;
      aPrev = a;
      fPrev = fa;
      dPrev = da;
      a = next;
    }
  }

  private *zoom(
    f0: number,
    d0: number,
    aLoIn: number,
    fLoIn: number,
    dLoIn: number,
    aHiIn: number,
    fHiIn: number,
    dHiIn: number,
    evalsIn: number,
  ): Steps<number | null> {
    let aLo = aLoIn;
    let fLo = fLoIn;
    let dLo = dLoIn;
    let aHi = aHiIn;
    let fHi = fHiIn;
    let dHi = dHiIn;
    let evals = evalsIn;
    while (evals < this.maxLs) {
      const lo = Math.min(aLo, aHi);
      const width = Math.abs(aHi - aLo);
      let a = Number.isFinite(fHi) ? cubicMin(aLo, fLo, dLo, aHi, fHi, dHi) : Number.NaN;
      // Safeguard: stay inside the middle 80% of the bracket, else bisect.
      if (!(a >= lo + 0.1 * width && a <= lo + 0.9 * width)) a = 0.5 * (aLo + aHi);
      const [fa, da] = yield* this.trial(a);
      evals++;
      if (!Number.isFinite(fa) || fa > f0 + C1 * a * d0 || fa >= fLo) {
        aHi = a;
        fHi = fa;
        dHi = da;
      } else {
        if (Math.abs(da) <= -C2 * d0) {
          this.f = fa;
          return a;
        }
        if (da * (aHi - aLo) >= 0) {
          aHi = aLo;
          fHi = fLo;
          dHi = dLo;
        }
        aLo = a;
        fLo = fa;
        dLo = da;
      }
      if (width <= 1e-16 * Math.max(1, Math.abs(aLo))) break;
    }
    return aLo > 0 ? yield* this.fallback(f0, aLo, fLo) : null;
  }

  /** Out of evaluations: accept the best decreasing step seen (re-evaluated), as SciPy would. */
  private *fallback(f0: number, a: number, fa: number): Steps<number | null> {
    if (!(fa < f0) || a <= 0) return null;
    const [f] = yield* this.trial(a);
    this.f = f;
    return a;
  }
}
