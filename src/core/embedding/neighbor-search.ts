/**
 * @file Exact k-nearest-neighbour search for t-SNE's input affinities, step-wise.
 *
 * Brute force over all pairs i < j (each pair computed once and offered to both rows' max-heaps),
 * with squared distances from ‖xi‖² + ‖xj‖² − 2·xi·xj on column-centred float64 data (centring
 * removes most of the cancellation that the dot-product form suffers on offset features). Four
 * rows are matched against two other rows at a time, so each load serves two or four dot
 * products (~1.5× faster than one row at a time in V8). n = 10,000 × 64 dims is ~3.2·10⁹ multiply-adds: a few seconds in V8.
 */

import { DiffProbeError, quote } from '../errors';

type Features = Float32Array | Float64Array;

export interface NeighborGraph {
  readonly n: number;
  readonly k: number;
  /** n×k neighbour indices, nearest first. */
  readonly indices: Int32Array;
  /** n×k squared Euclidean distances, ascending per row. */
  readonly sqDistances: Float64Array;
}

/**
 * Step-wise exact kNN: call {@link step} until it returns true, then {@link result}.
 *
 * @example const s = new NeighborSearch(X, n, d, 90); while (!s.step()) await tick(); s.result();
 */
export class NeighborSearch {
  readonly n: number;
  readonly d: number;
  readonly k: number;
  private readonly X: Float64Array;
  private readonly norms: Float64Array;
  private readonly heapD: Float64Array;
  private readonly heapI: Int32Array;
  private readonly count: Int32Array;
  private next = 0; // first row of the next block
  private pairsDone = 0;

  constructor(X: Features, n: number, d: number, k: number) {
    if (!Number.isInteger(n) || !Number.isInteger(d) || n < 2 || d < 1 || X.length < n * d) {
      throw new DiffProbeError(
        'internal',
        `NeighborSearch: X of length ${X.length} does not hold ${quote(n)} × ${quote(d)}`,
      );
    }
    if (!Number.isInteger(k) || k < 1 || k > n - 1) {
      throw new DiffProbeError('internal', `NeighborSearch: k=${quote(k)} must be in [1, ${n - 1}]`);
    }
    this.n = n;
    this.d = d;
    this.k = k;
    const mean = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += X[i * d + j];
    for (let j = 0; j < d; j++) mean[j] /= n;
    this.X = new Float64Array(n * d);
    this.norms = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const v = X[i * d + j] - mean[j];
        this.X[i * d + j] = v;
        s += v * v;
      }
      this.norms[i] = s;
    }
    this.heapD = new Float64Array(n * k);
    this.heapI = new Int32Array(n * k);
    this.count = new Int32Array(n);
  }

  /** Fraction of pairs processed, in [0, 1]. */
  get progress(): number {
    const total = (this.n * (this.n - 1)) / 2;
    return total === 0 ? 1 : this.pairsDone / total;
  }

  /**
   * Process blocks of rows until about `budget` multiply-adds were spent (default 2·10⁷, a few
   * tens of milliseconds). Returns true when every pair has been seen.
   */
  step(budget = 2e7): boolean {
    const { n, d } = this;
    let spent = 0;
    while (this.next < n && spent < budget) {
      const a = this.next;
      const rows = Math.min(4, n - a);
      if (rows === 4) this.block4(a);
      else for (let r = 0; r < rows; r++) this.row1(a + r);
      this.next = a + rows;
      const pairs = rows * (n - a) - (rows * (rows + 1)) / 2;
      this.pairsDone += pairs;
      spent += pairs * d;
    }
    return this.next >= n;
  }

  /** Neighbours sorted nearest first (ties by lower index). Call after step() returned true. */
  result(): NeighborGraph {
    if (this.next < this.n)
      throw new DiffProbeError('internal', 'NeighborSearch.result() before the search finished');
    const { n, k, heapD, heapI } = this;
    const indices = new Int32Array(n * k);
    const sqDistances = new Float64Array(n * k);
    const order = Array.from({ length: k }, (_, t) => t);
    for (let i = 0; i < n; i++) {
      const b = i * k;
      order.sort((s, t) => heapD[b + s] - heapD[b + t] || heapI[b + s] - heapI[b + t]);
      for (let t = 0; t < k; t++) {
        indices[b + t] = heapI[b + order[t]];
        sqDistances[b + t] = heapD[b + order[t]];
      }
      for (let t = 0; t < k; t++) order[t] = t;
    }
    return { n, k, indices, sqDistances };
  }

  /** Offer j as a neighbour of i (bounded max-heap of size k per row). */
  private offer(i: number, j: number, d2: number): void {
    const { k, heapD, heapI, count } = this;
    const b = i * k;
    const c = count[i];
    if (c < k) {
      let p = c;
      count[i] = c + 1;
      while (p > 0) {
        const parent = (p - 1) >> 1;
        if (heapD[b + parent] >= d2) break;
        heapD[b + p] = heapD[b + parent];
        heapI[b + p] = heapI[b + parent];
        p = parent;
      }
      heapD[b + p] = d2;
      heapI[b + p] = j;
      return;
    }
    if (d2 >= heapD[b]) return;
    let p = 0;
    for (;;) {
      const l = 2 * p + 1;
      if (l >= k) break;
      const r = l + 1;
      const m = r < k && heapD[b + r] > heapD[b + l] ? r : l;
      if (heapD[b + m] <= d2) break;
      heapD[b + p] = heapD[b + m];
      heapI[b + p] = heapI[b + m];
      p = m;
    }
    heapD[b + p] = d2;
    heapI[b + p] = j;
  }

  private pair(i: number, j: number, dot: number): void {
    let d2 = this.norms[i] + this.norms[j] - 2 * dot;
    if (d2 < 0) d2 = 0;
    // Cheap pre-checks against each heap's current worst avoid most calls.
    const k = this.k;
    if (this.count[i] < k || d2 < this.heapD[i * k]) this.offer(i, j, d2);
    if (this.count[j] < k || d2 < this.heapD[j * k]) this.offer(j, i, d2);
  }

  /** Rows a..a+3 against every later row, two at a time (4×2 dot products per pass over d). */
  private block4(a: number): void {
    const { n, d, X } = this;
    const o0 = a * d;
    const o1 = o0 + d;
    const o2 = o1 + d;
    const o3 = o2 + d;
    let j = a + 4;
    for (; j + 1 < n; j += 2) {
      const oj = j * d;
      const ok = oj + d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let r0 = 0;
      let r1 = 0;
      let r2 = 0;
      let r3 = 0;
      for (let t = 0; t < d; t++) {
        const x = X[oj + t];
        const y = X[ok + t];
        const a0 = X[o0 + t];
        const a1 = X[o1 + t];
        const a2 = X[o2 + t];
        const a3 = X[o3 + t];
        s0 += a0 * x;
        s1 += a1 * x;
        s2 += a2 * x;
        s3 += a3 * x;
        r0 += a0 * y;
        r1 += a1 * y;
        r2 += a2 * y;
        r3 += a3 * y;
      }
      this.pair(a, j, s0);
      this.pair(a + 1, j, s1);
      this.pair(a + 2, j, s2);
      this.pair(a + 3, j, s3);
      this.pair(a, j + 1, r0);
      this.pair(a + 1, j + 1, r1);
      this.pair(a + 2, j + 1, r2);
      this.pair(a + 3, j + 1, r3);
    }
    for (; j < n; j++) for (let r = 0; r < 4; r++) this.pair(a + r, j, this.dot(a + r, j));
    for (let r = 0; r < 3; r++) {
      for (let q = r + 1; q < 4; q++) this.pair(a + r, a + q, this.dot(a + r, a + q));
    }
  }

  private row1(i: number): void {
    for (let j = i + 1; j < this.n; j++) this.pair(i, j, this.dot(i, j));
  }

  private dot(i: number, j: number): number {
    const { d, X } = this;
    const oi = i * d;
    const oj = j * d;
    let s = 0;
    for (let t = 0; t < d; t++) s += X[oi + t] * X[oj + t];
    return s;
  }
}
