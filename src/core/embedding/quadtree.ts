/**
 * @file Barnes–Hut quadtree for t-SNE's repulsive forces, rebuilt every iteration.
 *
 * The tree is scikit-learn's (`neighbors/_quad_tree.pyx`): the root is the points' bounding
 * box (upper bounds padded by max(1e-3·|M|, 1e-3)), cells split at their centre, a cell with
 * one point (or only points closer than 1e-6) is a leaf, and a cell is summarised by its centre
 * of mass when (max cell width)² / d² < θ². It lives in flat typed arrays in depth-first order
 * with a "next" index per node (the node after its subtree), so a walk is a forward scan with
 * skips: no recursion, no per-node objects.
 *
 * The walk is done once per *group* of ≤ {@link GROUP_SIZE} nearby points (Barnes 1990): a cell
 * is accepted for the whole group only if the criterion holds for the nearest point of the
 * group's bounding box, so it holds for every point in it and each point's force is at least as
 * accurate as sklearn's per-point walk. The accepted cells form an interaction list that every
 * point of the group sums over in a tight, branch-free loop. The point's own leaf is in that list
 * (leaves are always accepted); its contribution is subtracted afterwards, which also skips
 * exact duplicates as sklearn does.
 */

import { DiffProbeError } from '../errors';

/** Points closer than this in every coordinate share a leaf (sklearn's EPSILON). */
const DUPLICATE_EPS = 1e-6;
/** Target group size for the shared walk (measured: 16–32 is fastest for 5k points, 2× faster than per-point walks). */
export const GROUP_SIZE = 16;
const MAX_DEPTH = 64;

export class BarnesHutTree {
  private cap: number;
  private nNodes = 0;
  private cx: Float64Array;
  private cy: Float64Array;
  private cnt: Float64Array;
  /** Squared max width of internal cells; −1 for leaves (always accepted). */
  private w2: Float64Array;
  private next: Int32Array;
  private start: Int32Array;
  private perm: Int32Array;
  private leafOf: Int32Array;
  private groupNode: Int32Array;
  private nGroups = 0;
  private lx: Float64Array;
  private ly: Float64Array;
  private lc: Float64Array;
  private Y: Float64Array = new Float64Array(0);

  private readonly groupSize: number;

  /** @param groupSize points per shared walk (1 = the classic per-point walk). */
  constructor(n: number, groupSize = GROUP_SIZE) {
    this.groupSize = groupSize;
    this.cap = Math.max(16, 4 * n);
    this.cx = new Float64Array(this.cap);
    this.cy = new Float64Array(this.cap);
    this.cnt = new Float64Array(this.cap);
    this.w2 = new Float64Array(this.cap);
    this.next = new Int32Array(this.cap);
    this.start = new Int32Array(this.cap);
    this.perm = new Int32Array(n);
    this.leafOf = new Int32Array(n);
    this.groupNode = new Int32Array(n);
    this.lx = new Float64Array(1024);
    this.ly = new Float64Array(1024);
    this.lc = new Float64Array(1024);
  }

  /** Number of nodes of the last build. */
  get size(): number {
    return this.nNodes;
  }

  /** Build the tree over the n points of Y (n×2 row-major). */
  build(Y: Float64Array, n: number): void {
    if (n > this.perm.length)
      throw new DiffProbeError('internal', `BarnesHutTree: built for ${this.perm.length} points, got ${n}`);
    this.Y = Y;
    this.nNodes = 0;
    this.nGroups = 0;
    if (n === 0) return;
    let x0 = Number.POSITIVE_INFINITY;
    let y0 = Number.POSITIVE_INFINITY;
    let x1 = Number.NEGATIVE_INFINITY;
    let y1 = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const x = Y[2 * i];
      const y = Y[2 * i + 1];
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      this.perm[i] = i;
    }
    if (!Number.isFinite(x0 + x1 + y0 + y1)) {
      throw new DiffProbeError('internal', 'BarnesHutTree: embedding has non-finite coordinates');
    }
    // sklearn: M = max(M·(1 + 1e-3·sign(M)), M + 1e-3) keeps every point strictly inside.
    x1 = Math.max(x1 * (1 + 1e-3 * Math.sign(x1)), x1 + 1e-3);
    y1 = Math.max(y1 * (1 + 1e-3 * Math.sign(y1)), y1 + 1e-3);
    this.node(0, n, x0, x1, y0, y1, 0, Number.POSITIVE_INFINITY);
  }

  private grow(): void {
    const cap = this.cap * 2;
    const f = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    const g = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.cx = f(this.cx);
    this.cy = f(this.cy);
    this.cnt = f(this.cnt);
    this.w2 = f(this.w2);
    this.next = g(this.next);
    this.start = g(this.start);
    this.cap = cap;
  }

  /** Build the subtree of perm[s, e) inside the cell [x0, x1) × [y0, y1); returns its node index. */
  private node(
    s: number,
    e: number,
    x0: number,
    x1: number,
    y0: number,
    y1: number,
    depth: number,
    parentCount: number,
  ): number {
    if (this.nNodes === this.cap) this.grow();
    const id = this.nNodes++;
    const count = e - s;
    const { perm, Y } = this;
    this.cnt[id] = count;
    this.start[id] = s;
    const wx = x1 - x0;
    const wy = y1 - y0;
    const mx = 0.5 * (x0 + x1);
    const my = 0.5 * (y0 + y1);
    const leaf =
      count === 1 ||
      (wx <= DUPLICATE_EPS && wy <= DUPLICATE_EPS) ||
      depth >= MAX_DEPTH ||
      !(mx > x0 && mx < x1) ||
      !(my > y0 && my < y1);
    // Every point belongs to exactly one group: the topmost node with ≤ GROUP_SIZE points, or a
    // larger leaf of duplicates.
    if ((count <= this.groupSize || leaf) && parentCount > this.groupSize)
      this.groupNode[this.nGroups++] = id;
    if (leaf) {
      let sx = 0;
      let sy = 0;
      for (let t = s; t < e; t++) {
        const p = perm[t];
        sx += Y[2 * p];
        sy += Y[2 * p + 1];
        this.leafOf[p] = id;
      }
      this.cx[id] = sx / count;
      this.cy[id] = sy / count;
      this.w2[id] = -1;
      this.next[id] = this.nNodes;
      return id;
    }
    this.w2[id] = Math.max(wx * wx, wy * wy);
    // Partition by x, then each half by y: [s, a) x<mx∧y<my, [a, m) x<mx∧y≥my, [m, b) x≥mx∧y<my, [b, e).
    const m = this.partition(s, e, 0, mx);
    const a = this.partition(s, m, 1, my);
    const b = this.partition(m, e, 1, my);
    let sx = 0;
    let sy = 0;
    if (a > s) {
      const c = this.node(s, a, x0, mx, y0, my, depth + 1, count);
      sx += this.cx[c] * (a - s);
      sy += this.cy[c] * (a - s);
    }
    if (m > a) {
      const c = this.node(a, m, x0, mx, my, y1, depth + 1, count);
      sx += this.cx[c] * (m - a);
      sy += this.cy[c] * (m - a);
    }
    if (b > m) {
      const c = this.node(m, b, mx, x1, y0, my, depth + 1, count);
      sx += this.cx[c] * (b - m);
      sy += this.cy[c] * (b - m);
    }
    if (e > b) {
      const c = this.node(b, e, mx, x1, my, y1, depth + 1, count);
      sx += this.cx[c] * (e - b);
      sy += this.cy[c] * (e - b);
    }
    this.cx[id] = sx / count;
    this.cy[id] = sy / count;
    this.next[id] = this.nNodes;
    return id;
  }

  /** In-place partition of perm[s, e) so coordinate `axis` < pivot comes first; returns the split. */
  private partition(s: number, e: number, axis: number, pivot: number): number {
    const { perm, Y } = this;
    let i = s;
    let j = e - 1;
    for (;;) {
      while (i <= j && Y[2 * perm[i] + axis] < pivot) i++;
      while (i <= j && Y[2 * perm[j] + axis] >= pivot) j--;
      if (i >= j) return i;
      const t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
      i++;
      j--;
    }
  }

  private ensureList(size: number): void {
    if (size <= this.lx.length) return;
    let cap = this.lx.length;
    while (cap < size) cap *= 2;
    const f = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.lx = f(this.lx);
    this.ly = f(this.ly);
    this.lc = f(this.lc);
  }

  /**
   * Repulsive forces: for each point i, neg[2i..2i+1] = Σ_j q_ij² (y_i − y_j) (unnormalised,
   * q_ij = 1/(1 + ‖y_i − y_j‖²)), approximated by the tree. Returns Z = Σ_i Σ_{j≠i} q_ij.
   */
  repulsion(theta: number, neg: Float64Array): number {
    const { Y, perm, leafOf, cx, cy, cnt, w2, next, start } = this;
    const theta2 = theta * theta;
    const nNodes = this.nNodes;
    let total = 0;
    for (let g = 0; g < this.nGroups; g++) {
      const gNode = this.groupNode[g];
      const s = start[gNode];
      const e = s + cnt[gNode];
      let gx0 = Number.POSITIVE_INFINITY;
      let gx1 = Number.NEGATIVE_INFINITY;
      let gy0 = Number.POSITIVE_INFINITY;
      let gy1 = Number.NEGATIVE_INFINITY;
      for (let t = s; t < e; t++) {
        const p = perm[t];
        const x = Y[2 * p];
        const y = Y[2 * p + 1];
        if (x < gx0) gx0 = x;
        if (x > gx1) gx1 = x;
        if (y < gy0) gy0 = y;
        if (y > gy1) gy1 = y;
      }
      // Interaction list of the group.
      let L = 0;
      let lx = this.lx;
      let ly = this.ly;
      let lc = this.lc;
      let node = 0;
      while (node < nNodes) {
        const x = cx[node];
        const y = cy[node];
        const dx = x < gx0 ? gx0 - x : x > gx1 ? x - gx1 : 0;
        const dy = y < gy0 ? gy0 - y : y > gy1 ? y - gy1 : 0;
        if (w2[node] < theta2 * (dx * dx + dy * dy)) {
          if (L === lx.length) {
            this.ensureList(L + 1);
            lx = this.lx;
            ly = this.ly;
            lc = this.lc;
          }
          lx[L] = x;
          ly[L] = y;
          lc[L] = cnt[node];
          L++;
          node = next[node];
        } else node++;
      }
      for (let t = s; t < e; t++) {
        const p = perm[t];
        const px = Y[2 * p];
        const py = Y[2 * p + 1];
        let sq0 = 0;
        let fx0 = 0;
        let fy0 = 0;
        let sq1 = 0;
        let fx1 = 0;
        let fy1 = 0;
        let u = 0;
        for (; u + 1 < L; u += 2) {
          const ax = px - lx[u];
          const ay = py - ly[u];
          const qa = 1 / (1 + ax * ax + ay * ay);
          const ca = lc[u] * qa;
          sq0 += ca;
          fx0 += ca * qa * ax;
          fy0 += ca * qa * ay;
          const bx = px - lx[u + 1];
          const by = py - ly[u + 1];
          const qb = 1 / (1 + bx * bx + by * by);
          const cb = lc[u + 1] * qb;
          sq1 += cb;
          fx1 += cb * qb * bx;
          fy1 += cb * qb * by;
        }
        if (u < L) {
          const ax = px - lx[u];
          const ay = py - ly[u];
          const qa = 1 / (1 + ax * ax + ay * ay);
          const ca = lc[u] * qa;
          sq0 += ca;
          fx0 += ca * qa * ax;
          fy0 += ca * qa * ay;
        }
        // Remove the point's own leaf (itself and its exact duplicates).
        const own = leafOf[p];
        const ox = px - cx[own];
        const oy = py - cy[own];
        const qo = 1 / (1 + ox * ox + oy * oy);
        const co = cnt[own] * qo;
        neg[2 * p] = fx0 + fx1 - co * qo * ox;
        neg[2 * p + 1] = fy0 + fy1 - co * qo * oy;
        total += sq0 + sq1 - co;
      }
    }
    return total;
  }
}
