/**
 * @file Linear CKA (centred kernel alignment; Kornblith et al., "Similarity of Neural Network
 * Representations Revisited", ICML 2019) between two representations of the same n images.
 *
 *   CKA(X, Y) = HSIC(K, L) / √(HSIC(K, K) · HSIC(L, L)),   K = X·Xᵀ, L = Y·Yᵀ
 *
 * with HSIC estimated either the original way ('biased': tr(HKHL), H the centring matrix) or with
 * the unbiased estimator of Song et al. (2012), which Nguyen, Raghu & Kornblith (2021) use as
 * "debiased CKA": it removes the upward bias that the biased estimator has when the feature
 * dimension is large against n.
 *
 * Two equivalent routes, chosen by cost (same numbers up to rounding; tested):
 * - feature space (pooled features, dims ≪ n): ‖X̄ᵀȲ‖²_F with column-centred X̄, Ȳ, and for the
 *   debiased estimator the row norms of X̄ and Ȳ; O(n·p·q) per pair, no n×n matrix;
 * - Gram matrices (full maps, dims ≫ n): each representation becomes its centred (or U-centred)
 *   n×n Gram matrix once, O(n²·p), and a pair is one n²-long dot product.
 *
 * Everything is accumulated in float64. CKA is undefined when a representation is the same for
 * every image (HSIC(K, K) = 0): that is reported as `null` with the reason, never NaN.
 */
import { DiffProbeError } from '../errors';

/** HSIC estimator: 'biased' (Kornblith et al. 2019), 'debiased' (Song et al. 2012). */
export type CkaEstimator = 'biased' | 'debiased';

/** Fewer images than this give CKA values dominated by chance (and the debiased estimator needs n ≥ 4). */
export const MIN_CKA_IMAGES = 10;

/** What every operand has: its size, whether it is constant and its self-similarity ⟨A, A⟩. */
interface OperandBase {
  readonly n: number;
  readonly estimator: CkaEstimator;
  /** Every image has the same representation: CKA with it is undefined. */
  readonly constant: boolean;
  /** The (scaled) HSIC of the operand with itself: positive unless constant. */
  readonly self: number;
}

/** Column-centred features, row-major n×dim, with what the debiased estimator needs. */
export interface FeatureOperand extends OperandBase {
  readonly kind: 'features';
  readonly dim: number;
  readonly X: Float64Array;
  /** ‖x̄_i‖² for every row (debiased only; empty for 'biased'). */
  readonly rowSq: Float64Array;
  /** Σ_i ‖x̄_i‖². */
  readonly sumSq: number;
}

/** A centred (biased) or U-centred (debiased) n×n Gram matrix, row-major. */
export interface GramOperand extends OperandBase {
  readonly kind: 'gram';
  readonly G: Float32Array | Float64Array;
}

export type CkaOperand = FeatureOperand | GramOperand;

/** Throws DiffProbeError('cka-data') for fewer than MIN_CKA_IMAGES images. */
export function checkCkaImages(n: number): void {
  if (!(n >= MIN_CKA_IMAGES))
    throw new DiffProbeError(
      'cka-data',
      `CKA needs at least ${MIN_CKA_IMAGES} images to compare representations; it got ${n}`,
      { n, min: MIN_CKA_IMAGES },
    );
}

function checkShape(X: ArrayLike<number>, n: number, dim: number, what: string): void {
  if (!Number.isInteger(n) || !Number.isInteger(dim) || dim < 1 || X.length !== n * dim)
    throw new DiffProbeError('internal', `${what}: ${X.length} values for ${n} rows of ${dim}`);
}

/**
 * True when every column holds one value for all n rows (then every image has the same
 * representation). Exact on the input values, so no tolerance is involved.
 */
export function isConstant(X: ArrayLike<number>, n: number, dim: number): boolean {
  for (let i = 1; i < n; i++) {
    const o = i * dim;
    for (let a = 0; a < dim; a++) if (X[o + a] !== X[a]) return false;
  }
  return true;
}

function checkFinite(X: ArrayLike<number>, what: string): void {
  for (let i = 0; i < X.length; i++)
    if (!Number.isFinite(X[i]))
      throw new DiffProbeError('model-nonfinite', `${what} holds ${X[i]} (value ${i})`, { index: i });
}

/** The debiased HSIC bracket from its feature-space parts (Kornblith et al.'s notebook). */
function debiasedTerm(
  xty: number,
  rowSqX: Float64Array,
  rowSqY: Float64Array,
  sumSqX: number,
  sumSqY: number,
  n: number,
): number {
  let rr = 0;
  for (let i = 0; i < n; i++) rr += rowSqX[i] * rowSqY[i];
  return xty - (n / (n - 2)) * rr + (sumSqX * sumSqY) / ((n - 1) * (n - 2));
}

/** ‖XᵀY‖²_F for row-major n×p and n×q matrices. */
function crossFrobeniusSq(X: Float64Array, p: number, Y: Float64Array, q: number, n: number): number {
  const M = new Float64Array(p * q);
  for (let i = 0; i < n; i++) {
    const xo = i * p;
    const yo = i * q;
    for (let a = 0; a < p; a++) {
      const xa = X[xo + a];
      if (xa === 0) continue;
      const mo = a * q;
      for (let b = 0; b < q; b++) M[mo + b] += xa * Y[yo + b];
    }
  }
  let s = 0;
  for (let k = 0; k < M.length; k++) s += M[k] * M[k];
  return s;
}

/**
 * Prepares n×dim features (row-major; pooled block features, one row per image) for the
 * feature-space route.
 *
 * @throws DiffProbeError('model-nonfinite') for NaN/Inf values.
 */
export function featureOperand(
  X: ArrayLike<number>,
  n: number,
  dim: number,
  estimator: CkaEstimator,
): FeatureOperand {
  checkShape(X, n, dim, 'featureOperand');
  checkFinite(X, 'the features');
  const constant = isConstant(X, n, dim);
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let a = 0; a < dim; a++) mean[a] += X[i * dim + a];
  for (let a = 0; a < dim; a++) mean[a] /= n;
  const Xc = new Float64Array(n * dim);
  const rowSq = new Float64Array(estimator === 'debiased' ? n : 0);
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let a = 0; a < dim; a++) {
      const v = X[i * dim + a] - mean[a];
      Xc[i * dim + a] = v;
      r += v * v;
    }
    if (estimator === 'debiased') rowSq[i] = r;
    sumSq += r;
  }
  const op: FeatureOperand = {
    kind: 'features',
    n,
    dim,
    estimator,
    constant,
    X: Xc,
    rowSq,
    sumSq,
    self: 0,
  };
  return { ...op, self: constant ? 0 : pairTerm(op, op) };
}

/**
 * The linear Gram matrix K = X·Xᵀ of n×dim row-major data, float64, computed for rows
 * [rowStart, rowEnd) and their mirror images (call it over consecutive ranges to fill K while
 * yielding in between). Four rows at a time share each streamed row of X.
 */
export function gramRows(
  X: ArrayLike<number>,
  n: number,
  dim: number,
  K: Float64Array,
  rowStart: number,
  rowEnd: number,
): void {
  for (let i = rowStart; i < rowEnd; i += 4) {
    const rows = Math.min(4, rowEnd - i);
    const o0 = i * dim;
    const o1 = (i + Math.min(1, rows - 1)) * dim;
    const o2 = (i + Math.min(2, rows - 1)) * dim;
    const o3 = (i + Math.min(3, rows - 1)) * dim;
    for (let j = i; j < n; j++) {
      const oj = j * dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let a = 0; a < dim; a++) {
        const y = X[oj + a];
        s0 += X[o0 + a] * y;
        s1 += X[o1 + a] * y;
        s2 += X[o2 + a] * y;
        s3 += X[o3 + a] * y;
      }
      const sums = [s0, s1, s2, s3];
      for (let r = 0; r < rows; r++) {
        K[(i + r) * n + j] = sums[r];
        K[j * n + i + r] = sums[r];
      }
    }
  }
}

/** K = X·Xᵀ in one call (see {@link gramRows}). */
export function linearGram(X: ArrayLike<number>, n: number, dim: number): Float64Array {
  checkShape(X, n, dim, 'linearGram');
  const K = new Float64Array(n * n);
  gramRows(X, n, dim, K, 0, n);
  return K;
}

/**
 * Centres a Gram matrix in place: H·K·H for 'biased'; for 'debiased' the U-centring under which
 * ⟨Ũ(K), Ũ(L)⟩ is the unbiased HSIC estimator of Song et al. (2012), up to a factor n(n − 3)
 * (zero diagonal; column means over n − 2 with the grand-mean correction).
 */
export function centerGram(K: Float64Array, n: number, estimator: CkaEstimator): Float64Array {
  const means = new Float64Array(n);
  if (estimator === 'debiased') {
    for (let i = 0; i < n; i++) K[i * n + i] = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) means[j] += K[i * n + j];
    let total = 0;
    for (let j = 0; j < n; j++) {
      means[j] /= n - 2;
      total += means[j];
    }
    const correction = total / (2 * (n - 1));
    for (let j = 0; j < n; j++) means[j] -= correction;
  } else {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) means[j] += K[i * n + j];
    let total = 0;
    for (let j = 0; j < n; j++) {
      means[j] /= n;
      total += means[j];
    }
    const half = total / n / 2;
    for (let j = 0; j < n; j++) means[j] -= half;
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) K[i * n + j] -= means[i] + means[j];
  if (estimator === 'debiased') for (let i = 0; i < n; i++) K[i * n + i] = 0;
  return K;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

/**
 * A Gram operand from an uncentred Gram matrix K (which is centred in place). `constant` says
 * whether the representation behind K is the same for every image (see {@link isConstant}).
 * `storage` 'float32' halves the memory of a kept operand (n = 2,000: 16 MB instead of 32 MB);
 * the centring is done in float64 first, and the pair products accumulate in float64.
 */
export function gramOperand(
  K: Float64Array,
  n: number,
  estimator: CkaEstimator,
  constant: boolean,
  storage: 'float32' | 'float64' = 'float64',
): GramOperand {
  if (K.length !== n * n) throw new DiffProbeError('internal', `gramOperand: ${K.length} values for ${n}²`);
  centerGram(K, n, estimator);
  const G = storage === 'float32' ? Float32Array.from(K) : K;
  return { kind: 'gram', n, estimator, constant, G, self: constant ? 0 : dot(G, G) };
}

/** The (scaled) HSIC between two operands of the same kind, n and estimator. */
export function pairTerm(a: CkaOperand, b: CkaOperand): number {
  if (a.n !== b.n || a.estimator !== b.estimator || a.kind !== b.kind)
    throw new DiffProbeError(
      'internal',
      `CKA operands differ: ${a.kind}/${a.estimator}/n=${a.n} against ${b.kind}/${b.estimator}/n=${b.n}`,
    );
  if (a.kind === 'gram') return dot(a.G, (b as GramOperand).G);
  const B = b as FeatureOperand;
  const xty = crossFrobeniusSq(a.X, a.dim, B.X, B.dim, a.n);
  return a.estimator === 'debiased' ? debiasedTerm(xty, a.rowSq, B.rowSq, a.sumSq, B.sumSq, a.n) : xty;
}

/** Why a CKA value is undefined, or null when it is defined. */
export function undefinedReason(a: CkaOperand, b: CkaOperand): 'constant' | 'not-positive' | null {
  if (a.constant || b.constant) return 'constant';
  if (!(a.self > 0 && b.self > 0)) return 'not-positive';
  return null;
}

/**
 * CKA between two operands, or null when it is undefined (a representation constant over the
 * images, or a debiased self-similarity that is not positive; see {@link undefinedReason}).
 */
export function ckaOf(a: CkaOperand, b: CkaOperand): number | null {
  if (undefinedReason(a, b)) return null;
  return pairTerm(a, b) / Math.sqrt(a.self * b.self);
}

/**
 * Multiply-adds of each route for operands of these dimensions and `pairs` pairs: feature space
 * n·p·q per pair, Gram n²·p/2 per operand plus n² per pair.
 */
export function routeCosts(n: number, dims: readonly number[], pairs: readonly [number, number][]) {
  let features = 0;
  for (const [i, j] of pairs) features += n * dims[i] * dims[j];
  for (const d of dims) features += 2 * n * d;
  let gram = pairs.length * n * n;
  for (const d of dims) gram += (n * n * d) / 2 + 3 * n * n;
  return { features, gram };
}
