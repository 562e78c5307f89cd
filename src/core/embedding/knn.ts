/**
 * @file Quality measures for embeddings: leave-one-out k-NN accuracy and trustworthiness
 * (sklearn.manifold.trustworthiness). Brute force, O(n²·d): meant for evaluation, not for
 * interactive use beyond a few thousand points.
 *
 * Ties in distance are broken by the lower row index everywhere (a stable sort by
 * (distance, index)); sklearn's argsort is unstable, so the two can differ only when
 * distances tie exactly.
 */

import { DiffProbeError, quote } from '../errors';

type Features = Float32Array | Float64Array;

export interface Neighbors {
  /** n×k row-major neighbour indices, nearest first (a row never contains itself). */
  readonly indices: Int32Array;
  /** n×k squared Euclidean distances matching `indices`. */
  readonly sqDistances: Float64Array;
}

function checkMatrix(X: Features, n: number, d: number, where: string): void {
  if (!Number.isInteger(n) || !Number.isInteger(d) || n < 1 || d < 1 || X.length < n * d) {
    throw new DiffProbeError(
      'internal',
      `${where}: array of length ${X.length} does not hold ${quote(n)} × ${quote(d)}`,
    );
  }
}

/**
 * Exact k nearest neighbours of every row among the other rows, by squared Euclidean distance.
 *
 * @example const { indices } = nearestNeighbors(Y, n, 2, 10); // indices[i * 10] is i's nearest
 */
export function nearestNeighbors(X: Features, n: number, d: number, k: number): Neighbors {
  checkMatrix(X, n, d, 'nearestNeighbors');
  if (!Number.isInteger(k) || k < 1 || k > n - 1) {
    throw new DiffProbeError(
      'probe-data',
      `nearestNeighbors: k=${quote(k)} must be in [1, n − 1 = ${n - 1}]`,
      { k, n },
    );
  }
  const indices = new Int32Array(n * k);
  const sqDistances = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const base = i * k;
    let filled = 0;
    const xi = i * d;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const xj = j * d;
      let s = 0;
      for (let t = 0; t < d; t++) {
        const v = X[xi + t] - X[xj + t];
        s += v * v;
      }
      // Sorted insertion; `<` keeps the earlier (lower) index first among equal distances.
      if (filled < k) {
        let p = filled++;
        while (p > 0 && sqDistances[base + p - 1] > s) {
          sqDistances[base + p] = sqDistances[base + p - 1];
          indices[base + p] = indices[base + p - 1];
          p--;
        }
        sqDistances[base + p] = s;
        indices[base + p] = j;
      } else if (s < sqDistances[base + k - 1]) {
        let p = k - 1;
        while (p > 0 && sqDistances[base + p - 1] > s) {
          sqDistances[base + p] = sqDistances[base + p - 1];
          indices[base + p] = indices[base + p - 1];
          p--;
        }
        sqDistances[base + p] = s;
        indices[base + p] = j;
      }
    }
  }
  return { indices, sqDistances };
}

/**
 * Leave-one-out k-NN classification accuracy: each row is classified by a majority vote of its
 * k nearest other rows. A tied vote goes to the tied class whose voters have the smallest sum
 * of distances, then to the lowest label.
 *
 * @param labels n integer labels (any non-negative integers).
 * @returns the fraction of rows whose vote equals their label, in [0, 1].
 * @example knnAccuracy(tsne.embedding, n, 2, labels, 10) // 0.93
 */
export function knnAccuracy(X: Features, n: number, d: number, labels: ArrayLike<number>, k = 10): number {
  checkMatrix(X, n, d, 'knnAccuracy');
  if (labels.length < n)
    throw new DiffProbeError('internal', `knnAccuracy: ${labels.length} labels for ${n} rows`);
  const { indices, sqDistances } = nearestNeighbors(X, n, d, k);
  const votes = new Map<number, { count: number; dist: number }>();
  let correct = 0;
  for (let i = 0; i < n; i++) {
    votes.clear();
    for (let t = 0; t < k; t++) {
      const c = labels[indices[i * k + t]];
      const v = votes.get(c);
      const dist = Math.sqrt(sqDistances[i * k + t]);
      if (v) {
        v.count++;
        v.dist += dist;
      } else votes.set(c, { count: 1, dist });
    }
    let best = -1;
    let bestCount = -1;
    let bestDist = Number.POSITIVE_INFINITY;
    for (const [c, v] of votes) {
      if (
        v.count > bestCount ||
        (v.count === bestCount && (v.dist < bestDist || (v.dist === bestDist && c < best)))
      ) {
        best = c;
        bestCount = v.count;
        bestDist = v.dist;
      }
    }
    if (best === labels[i]) correct++;
  }
  return correct / n;
}

/**
 * Trustworthiness of an embedding (Venna & Kaski), exactly as sklearn.manifold.trustworthiness
 * with Euclidean metric: 1 − 2/(n·k·(2n − 3k − 1)) · Σ_i Σ_{j ∈ N_k^Y(i)} max(0, r_X(i, j) − k),
 * where r_X(i, j) is the rank of j among i's neighbours in the original space.
 *
 * @param X n×d original features; @param Y n×dY embedding.
 * @throws DiffProbeError('probe-data') unless k < n/2 (sklearn's condition).
 * @example trustworthiness(X, n, 64, Y, n, 2, 10) // 0.98
 */
export function trustworthiness(
  X: Features,
  n: number,
  d: number,
  Y: Features,
  nY: number,
  dY: number,
  k = 10,
): number {
  checkMatrix(X, n, d, 'trustworthiness');
  checkMatrix(Y, nY, dY, 'trustworthiness');
  if (nY !== n) throw new DiffProbeError('internal', `trustworthiness: ${n} rows in X but ${nY} in Y`);
  if (!Number.isInteger(k) || k < 1 || k >= n / 2) {
    throw new DiffProbeError(
      'probe-data',
      `trustworthiness: k=${quote(k)} must be ≥ 1 and < n/2 = ${n / 2}`,
      { k, n },
    );
  }
  const nbY = nearestNeighbors(Y, n, dY, k).indices;
  const dist = new Float64Array(n);
  const thr = new Float64Array(k);
  const idx = new Int32Array(k);
  const rank = new Int32Array(k);
  let penalty = 0;
  for (let i = 0; i < n; i++) {
    const xi = i * d;
    for (let j = 0; j < n; j++) {
      const xj = j * d;
      let s = 0;
      for (let t = 0; t < d; t++) {
        const v = X[xi + t] - X[xj + t];
        s += v * v;
      }
      dist[j] = s;
    }
    let thrMax = Number.NEGATIVE_INFINITY;
    for (let t = 0; t < k; t++) {
      idx[t] = nbY[i * k + t];
      thr[t] = dist[idx[t]];
      rank[t] = 1;
      if (thr[t] > thrMax) thrMax = thr[t];
    }
    for (let l = 0; l < n; l++) {
      const v = dist[l];
      if (l === i || v > thrMax) continue;
      for (let t = 0; t < k; t++) if (v < thr[t] || (v === thr[t] && l < idx[t])) rank[t]++;
    }
    for (let t = 0; t < k; t++) if (rank[t] > k) penalty += rank[t] - k;
  }
  return 1 - (penalty * 2) / (n * k * (2 * n - 3 * k - 1));
}
