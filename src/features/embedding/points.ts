/**
 * @file Which bundled images an embedding shows, and the geometry of its plot: an equal-aspect
 * fit of the layout, hit testing for hover, and box selection. Pure; the plot component and the
 * export both use these.
 */
import { sampleIndices } from '../../core/sample';

export type PointChoice = 'first' | 'sample';

/**
 * Rows of a split of `total` images: the first `count`, or a seeded sample (in sampled order).
 *
 * @example choosePoints(3, 10_000, 'first', 0) // [0, 1, 2]
 */
export function choosePoints(count: number, total: number, choice: PointChoice, seed: number): number[] {
  const k = Math.max(0, Math.min(total, Math.round(count)));
  if (choice === 'first') return Array.from({ length: k }, (_, i) => i);
  return sampleIndices(total, k, seed);
}

export interface Extent {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/**
 * Data domain that fits the visible points of an n×2 layout into a width×height area with the
 * same units per pixel on both axes (distances in a t-SNE/UMAP map mean the same in x and y),
 * plus `pad` (a fraction) on every side. A layout with no spread gets a unit box around it.
 */
export function fitExtent(
  coords: Float32Array,
  visible: (i: number) => boolean,
  width: number,
  height: number,
  pad = 0.05,
): Extent {
  let x0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  const n = coords.length / 2;
  for (let i = 0; i < n; i++) {
    if (!visible(i)) continue;
    const x = coords[2 * i];
    const y = coords[2 * i + 1];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  if (!(x1 >= x0)) return { x0: -1, x1: 1, y0: -1, y1: 1 };
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  // Units per pixel: the larger of what each axis needs.
  let upp = Math.max((x1 - x0) / width, (y1 - y0) / height);
  if (!(upp > 0)) upp = Math.max(Math.abs(cx), Math.abs(cy), 1) / Math.min(width, height);
  upp *= 1 + 2 * pad;
  const hw = (upp * width) / 2;
  const hh = (upp * height) / 2;
  return { x0: cx - hw, x1: cx + hw, y0: cy - hh, y1: cy + hh };
}

/**
 * Index of the visible point nearest to (px, py) among screen positions sx, sy, or -1 when none
 * is within `radius`.
 */
export function nearestPoint(
  sx: Float32Array,
  sy: Float32Array,
  px: number,
  py: number,
  visible: (i: number) => boolean,
  radius: number,
): number {
  let best = -1;
  let bestD = radius * radius;
  for (let i = 0; i < sx.length; i++) {
    const dx = sx[i] - px;
    const dy = sy[i] - py;
    const d2 = dx * dx + dy * dy;
    if (d2 <= bestD && visible(i)) {
      best = i;
      bestD = d2;
    }
  }
  return best;
}

/** Visible points whose screen positions fall inside the box spanned by two corners. */
export function pointsInBox(
  sx: Float32Array,
  sy: Float32Array,
  a: [number, number],
  b: [number, number],
  visible: (i: number) => boolean,
): number[] {
  const [xa, xb] = a[0] < b[0] ? [a[0], b[0]] : [b[0], a[0]];
  const [ya, yb] = a[1] < b[1] ? [a[1], b[1]] : [b[1], a[1]];
  const out: number[] = [];
  for (let i = 0; i < sx.length; i++)
    if (sx[i] >= xa && sx[i] <= xb && sy[i] >= ya && sy[i] <= yb && visible(i)) out.push(i);
  return out;
}

/** Class counts of the labels, for the legend. */
export function classCounts(labels: Int32Array, k: number): number[] {
  const counts = new Array<number>(k).fill(0);
  for (const c of labels) if (c >= 0 && c < k) counts[c]++;
  return counts;
}

export interface ClassCentre {
  count: number;
  /** Mean position of the class's points. */
  x: number;
  y: number;
  /** Root-mean-square distance of its points from that centre. */
  spread: number;
}

/**
 * Per class: how many points, their mean position and their RMS distance from it (an n×2 layout).
 *
 * @example classCentres(Float32Array.of(0, 0, 2, 0), Int32Array.of(1, 1), 2)[1]
 * // { count: 2, x: 1, y: 0, spread: 1 }
 */
export function classCentres(coords: Float32Array, labels: Int32Array, k: number): ClassCentre[] {
  const out = Array.from({ length: k }, () => ({ count: 0, x: 0, y: 0, spread: 0 }));
  for (let i = 0; i < labels.length; i++) {
    const c = out[labels[i]];
    if (!c) continue;
    c.count++;
    c.x += coords[2 * i];
    c.y += coords[2 * i + 1];
  }
  for (const c of out) {
    if (!c.count) continue;
    c.x /= c.count;
    c.y /= c.count;
  }
  for (let i = 0; i < labels.length; i++) {
    const c = out[labels[i]];
    if (!c) continue;
    c.spread += (coords[2 * i] - c.x) ** 2 + (coords[2 * i + 1] - c.y) ** 2;
  }
  for (const c of out) c.spread = c.count ? Math.sqrt(c.spread / c.count) : 0;
  return out;
}
