/**
 * @file t-SNE input affinities on a k-nearest-neighbour graph, as scikit-learn 1.2
 * (`_utils._binary_search_perplexity` + `_joint_probabilities_nn`).
 *
 * Per row: binary search over the precision β so that the entropy of p_j|i ∝ exp(−β·d²_ij)
 * equals log(perplexity) within 1e-5 (at most 100 halvings/doublings, starting from β = 1).
 * Then P = (P_cond + P_condᵀ) / Σ, stored as CSR with sorted column indices.
 */

import { DiffProbeError } from '../errors';

const PERPLEXITY_TOLERANCE = 1e-5;
const MAX_STEPS = 100;
const EPSILON_DBL = 1e-8;

/** Sparse symmetric joint probabilities (CSR, column indices ascending per row; sums to 1). */
export interface SparseP {
  readonly n: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float64Array;
}

/**
 * Conditional probabilities for rows [from, to) of a kNN graph, written into `P` (n×k) and
 * their precisions into `betas`. Distances are rounded to float32 first, as sklearn does.
 *
 * @param sqDistances n×k squared distances to each row's k neighbours.
 */
export function binarySearchPerplexity(
  sqDistances: Float64Array,
  k: number,
  perplexity: number,
  P: Float64Array,
  betas: Float64Array,
  from: number,
  to: number,
): void {
  const desiredEntropy = Math.log(perplexity);
  const dist = new Float64Array(k);
  for (let i = from; i < to; i++) {
    const o = i * k;
    for (let j = 0; j < k; j++) dist[j] = Math.fround(sqDistances[o + j]);
    let betaMin = Number.NEGATIVE_INFINITY;
    let betaMax = Number.POSITIVE_INFINITY;
    let beta = 1;
    for (let step = 0; step < MAX_STEPS; step++) {
      let sumP = 0;
      for (let j = 0; j < k; j++) {
        const p = Math.exp(-dist[j] * beta);
        P[o + j] = p;
        sumP += p;
      }
      if (sumP === 0) sumP = EPSILON_DBL;
      let sumDistP = 0;
      for (let j = 0; j < k; j++) {
        const p = P[o + j] / sumP;
        P[o + j] = p;
        sumDistP += dist[j] * p;
      }
      const entropyDiff = Math.log(sumP) + beta * sumDistP - desiredEntropy;
      if (Math.abs(entropyDiff) <= PERPLEXITY_TOLERANCE) break;
      if (entropyDiff > 0) {
        betaMin = beta;
        beta = betaMax === Number.POSITIVE_INFINITY ? beta * 2 : (beta + betaMax) / 2;
      } else {
        betaMax = beta;
        beta = betaMin === Number.NEGATIVE_INFINITY ? beta / 2 : (beta + betaMin) / 2;
      }
    }
    betas[i] = beta;
  }
}

/**
 * Symmetrise and normalise conditional probabilities on a kNN graph: P_ij = (p_j|i + p_i|j) / Σ.
 *
 * @param indices n×k neighbour indices; @param condP n×k conditional probabilities.
 */
export function jointProbabilities(indices: Int32Array, condP: Float64Array, n: number, k: number): SparseP {
  // Entries of Pᵀ: count per column first (CSR of the transpose), then merge row by row.
  const tCount = new Int32Array(n + 1);
  for (let t = 0; t < n * k; t++) tCount[indices[t] + 1]++;
  for (let i = 0; i < n; i++) tCount[i + 1] += tCount[i];
  const tIdx = new Int32Array(n * k);
  const tVal = new Float64Array(n * k);
  const fill = tCount.slice(0, n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = indices[i * k + t];
      const pos = fill[j]++;
      tIdx[pos] = i; // rows are visited in order, so each transposed row is sorted
      tVal[pos] = condP[i * k + t];
    }
  }
  const indptr = new Int32Array(n + 1);
  const outIdx = new Int32Array(2 * n * k);
  const outVal = new Float64Array(2 * n * k);
  const order = new Int32Array(k);
  let nnz = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    for (let t = 0; t < k; t++) order[t] = t;
    order.sort((s, t) => indices[o + s] - indices[o + t]);
    let a = 0;
    let b = tCount[i];
    const bEnd = tCount[i + 1];
    while (a < k || b < bEnd) {
      const ja = a < k ? indices[o + order[a]] : n;
      const jb = b < bEnd ? tIdx[b] : n;
      let v = 0;
      let j: number;
      if (ja <= jb) {
        j = ja;
        v += condP[o + order[a]];
        a++;
        // Duplicate neighbours cannot occur in a kNN row; merge only with the transpose.
        if (jb === ja) {
          v += tVal[b];
          b++;
        }
      } else {
        j = jb;
        v = tVal[b];
        b++;
      }
      outIdx[nnz] = j;
      outVal[nnz] = v;
      total += v;
      nnz++;
    }
    indptr[i + 1] = nnz;
  }
  const sum = Math.max(total, Number.EPSILON);
  const values = outVal.slice(0, nnz);
  for (let t = 0; t < nnz; t++) values[t] /= sum;
  for (let t = 0; t < nnz; t++) {
    if (!(values[t] >= 0 && values[t] <= 1)) {
      throw new DiffProbeError('internal', `jointProbabilities: probability ${values[t]} outside [0, 1]`);
    }
  }
  return { n, indptr, indices: outIdx.slice(0, nnz), values };
}

/** The entries with column > row of a CSR matrix (for symmetric matrices: each pair once). */
export function upperTriangle(P: SparseP): SparseP {
  const { n, indptr, indices, values } = P;
  const up = new Int32Array(n + 1);
  let nnz = 0;
  for (let i = 0; i < n; i++) {
    for (let t = indptr[i]; t < indptr[i + 1]; t++) if (indices[t] > i) nnz++;
    up[i + 1] = nnz;
  }
  const idx = new Int32Array(nnz);
  const val = new Float64Array(nnz);
  let o = 0;
  for (let i = 0; i < n; i++) {
    for (let t = indptr[i]; t < indptr[i + 1]; t++) {
      if (indices[t] > i) {
        idx[o] = indices[t];
        val[o] = values[t];
        o++;
      }
    }
  }
  return { n, indptr: up, indices: idx, values: val };
}
