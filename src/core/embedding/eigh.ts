/**
 * @file Eigen-decomposition of a real symmetric matrix (all eigenpairs): Householder reduction to
 * tridiagonal form, then the implicit QL algorithm. This is EISPACK's tred2/tql2 as published
 * in JAMA (public domain), adapted to flat row-major arrays with the eigenvectors kept as rows
 * during the QL sweeps so the inner rotation loop is contiguous. O(m³) for an m×m matrix
 * (about 0.3 s for m = 512 in V8).
 */

import { DiffProbeError } from '../errors';

export interface SymmetricEigen {
  /** Eigenvalues, largest first. */
  readonly values: Float64Array;
  /** Unit eigenvectors as rows (m×m row-major), in the order of `values`. */
  readonly vectors: Float64Array;
}

/** Householder tridiagonalisation: V (row-major m×m) in/out, d diagonal, e sub-diagonal. */
function tred2(V: Float64Array, m: number, d: Float64Array, e: Float64Array): void {
  const last = (m - 1) * m;
  for (let j = 0; j < m; j++) d[j] = V[last + j];
  for (let i = m - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[(i - 1) * m + j];
        V[i * m + j] = 0;
        V[j * m + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[j * m + i] = f;
        g = e[j] + V[j * m + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const vkj = V[k * m + j];
          g += vkj * d[k];
          e[k] += vkj * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[k * m + j] -= f * e[k] + g * d[k];
        d[j] = V[(i - 1) * m + j];
        V[i * m + j] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < m - 1; i++) {
    V[last + i] = V[i * m + i];
    V[i * m + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k * m + i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k * m + i + 1] * V[k * m + j];
        for (let k = 0; k <= i; k++) V[k * m + j] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[k * m + i + 1] = 0;
  }
  for (let j = 0; j < m; j++) {
    d[j] = V[last + j];
    V[last + j] = 0;
  }
  V[last + m - 1] = 1;
  e[0] = 0;
}

/** Implicit QL on the tridiagonal (d, e); W holds the eigenvectors as rows (W = Vᵀ). */
function tql2(W: Float64Array, m: number, d: Float64Array, e: Float64Array): void {
  for (let i = 1; i < m; i++) e[i - 1] = e[i];
  e[m - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  let budget = 60 * m + 60; // QL converges in ~2 sweeps per eigenvalue; this is a safety net
  for (let l = 0; l < m; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let mm = l;
    while (mm < m) {
      if (Math.abs(e[mm]) <= eps * tst1) break;
      mm++;
    }
    if (mm > l) {
      do {
        if (--budget < 0)
          throw new DiffProbeError('internal', `eigh: QL iteration did not converge (m=${m})`);
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < m; i++) d[i] -= h;
        f += h;
        p = d[mm];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = mm - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          const a = i * m;
          const b = a + m;
          for (let k = 0; k < m; k++) {
            const t = W[b + k];
            W[b + k] = s * W[a + k] + c * t;
            W[a + k] = c * W[a + k] - s * t;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

/**
 * All eigenpairs of the symmetric m×m matrix A (row-major; only read, and assumed symmetric).
 *
 * @example eigh(new Float64Array([2, 1, 1, 2]), 2).values // [3, 1]
 */
export function eigh(A: Float64Array, m: number): SymmetricEigen {
  if (A.length !== m * m) throw new DiffProbeError('internal', `eigh: ${A.length} values for ${m}×${m}`);
  for (let i = 0; i < A.length; i++) {
    if (!Number.isFinite(A[i])) throw new DiffProbeError('internal', `eigh: non-finite entry at ${i}`);
  }
  const V = Float64Array.from(A);
  const d = new Float64Array(m);
  const e = new Float64Array(m);
  if (m === 0) return { values: d, vectors: V };
  tred2(V, m, d, e);
  const W = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) W[j * m + i] = V[i * m + j];
  tql2(W, m, d, e);
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => d[b] - d[a] || a - b);
  const values = new Float64Array(m);
  const vectors = new Float64Array(m * m);
  order.forEach((src, dst) => {
    values[dst] = d[src];
    vectors.set(W.subarray(src * m, src * m + m), dst * m);
  });
  return { values, vectors };
}
