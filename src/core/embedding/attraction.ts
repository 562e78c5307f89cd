/**
 * @file The attractive half of the t-SNE gradient and the KL divergence, over the sparse P.
 *
 * P is symmetric, so both loops visit each pair once (the strict upper triangle, see
 * `upperTriangle` in affinities.ts) and apply the pair to both ends.
 */

import type { SparseP } from './affinities';

const FLOAT32_TINY = 1.1754943508222875e-38; // sklearn clips p and q at np.finfo(np.float32).tiny

/**
 * pos[2i..2i+1] = Σ_j p_ij·q̃_ij·(y_i − y_j), q̃_ij = 1/(1 + ‖y_i − y_j‖²), for Y n×2.
 *
 * @param upper the strict upper triangle of the symmetric P.
 */
export function attractiveForces(upper: SparseP, Y: Float64Array, pos: Float64Array): void {
  const { n, indptr, indices, values } = upper;
  pos.fill(0);
  for (let i = 0; i < n; i++) {
    const yx = Y[2 * i];
    const yy = Y[2 * i + 1];
    let fx = 0;
    let fy = 0;
    const end = indptr[i + 1];
    for (let t = indptr[i]; t < end; t++) {
      const j = indices[t];
      const dx = yx - Y[2 * j];
      const dy = yy - Y[2 * j + 1];
      const q = 1 / (1 + dx * dx + dy * dy);
      const pq = values[t] * q;
      const ax = pq * dx;
      const ay = pq * dy;
      fx += ax;
      fy += ay;
      pos[2 * j] -= ax;
      pos[2 * j + 1] -= ay;
    }
    pos[2 * i] += fx;
    pos[2 * i + 1] += fy;
  }
}

/**
 * KL(P‖Q) = Σ_ij p_ij log(p_ij / q_ij) over the non-zeros of P, with q_ij = q̃_ij / Z and P
 * scaled by `exaggeration` (as sklearn reports it during early exaggeration).
 */
export function klDivergence(upper: SparseP, Y: Float64Array, Z: number, exaggeration: number): number {
  const { n, indptr, indices, values } = upper;
  let error = 0;
  for (let i = 0; i < n; i++) {
    const end = indptr[i + 1];
    for (let t = indptr[i]; t < end; t++) {
      const j = indices[t];
      const dx = Y[2 * i] - Y[2 * j];
      const dy = Y[2 * i + 1] - Y[2 * j + 1];
      const q = 1 / (1 + dx * dx + dy * dy) / Z;
      const p = values[t] * exaggeration;
      error += p * Math.log(Math.max(p, FLOAT32_TINY) / Math.max(q, FLOAT32_TINY));
    }
  }
  return 2 * error; // Σ over all (i, j) = 2 · Σ over i < j
}
