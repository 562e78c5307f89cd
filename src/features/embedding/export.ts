/**
 * @file Text exports of an embedding: the JSON (points, features, settings, provenance; what
 * `diffprobe reproduce` reads), CSV rows (id,label,x,y), and the SVG fragments (points, legend)
 * that turn the on-screen axes into a self-contained figure. Pure strings, so they can be checked
 * in unit tests; the plot adds them to a clone of its SVG. The app and the CLI write the same JSON.
 */
import { float32ToBase64 } from '../../core/float32-base64';
import type { Provenance } from '../../pipeline/provenance';
import type { EmbedMethod, EmbedOptions, EmbedQuality } from '../../worker/jobs';

export const EMBEDDING_FORMAT = 'diffprobe-embedding';

/** What an embedding export holds: a run's points and everything they were computed from. */
export interface EmbeddingExport {
  appVersion: string;
  method: EmbedMethod;
  options: EmbedOptions;
  blocks: string[];
  t: number;
  seed: number;
  /** The pooling's name ("avg", "avg2"…); the provenance holds the pooling itself. */
  pooling: string;
  complete: boolean;
  iter: number;
  totalIter: number;
  classes: readonly string[] | null;
  ids: readonly string[];
  labels: Int32Array;
  coords: Float32Array;
  /** The n×d features that were embedded (the blocks' pooled features side by side, in `blocks` order). */
  X: Float32Array | null;
  d: number;
  quality: EmbedQuality | null;
  provenance: Provenance | null;
}

/**
 * The embedding as JSON. The features go as base64 float32 (exact, a third of the size of
 * printed numbers): reproduce compares them value by value, and they are what a t-SNE's
 * neighbourhoods are measured against.
 */
export function embeddingToJson(e: EmbeddingExport): string {
  return `${JSON.stringify({
    format: EMBEDDING_FORMAT,
    version: 2,
    appVersion: e.appVersion,
    method: e.method,
    options: e.options,
    blocks: e.blocks,
    t: e.t,
    seed: e.seed,
    pooling: e.pooling,
    complete: e.complete,
    iterations: { done: e.iter, total: e.totalIter },
    classes: e.classes,
    ids: e.ids,
    labels: Array.from(e.labels),
    coords: Array.from(e.coords),
    note: 'coords are [x0, y0, x1, y1, …], one pair per id; features.data is base64 of little-endian float32 [n, d] (numpy: np.frombuffer(base64.b64decode(data), "<f4").reshape(shape))',
    features: e.X
      ? { shape: [e.ids.length, e.d], dtype: 'float32', encoding: 'base64', data: float32ToBase64(e.X) }
      : null,
    quality: e.quality,
    provenance: e.provenance,
  })}\n`;
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * One header line and one row per point: dataset id, class name, x, y.
 *
 * @example embeddingToCsv(['test:0'], Int32Array.of(9), ['T-shirt/top', …], Float32Array.of(1.5, -2))
 * // 'id,label,x,y\ntest:0,Ankle boot,1.5,-2\n'
 */
export function embeddingToCsv(
  ids: readonly string[],
  labels: Int32Array,
  classes: readonly string[],
  coords: Float32Array,
): string {
  const lines = ['id,label,x,y'];
  for (let i = 0; i < ids.length; i++) {
    const label = classes[labels[i]] ?? String(labels[i]);
    lines.push(`${csvField(ids[i])},${csvField(label)},${coords[2 * i]},${coords[2 * i + 1]}`);
  }
  return `${lines.join('\n')}\n`;
}

const r2 = (v: number) => Math.round(v * 100) / 100;

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface PointsFragmentInput {
  coords: Float32Array;
  labels: Int32Array;
  colors: readonly string[];
  hidden: ReadonlySet<number>;
  /** Data → SVG coordinates (zoom included). */
  x: (v: number) => number;
  y: (v: number) => number;
  radius: number;
  /** The plot area; points outside it are left out. */
  area: { x: number; y: number; width: number; height: number };
}

/** `<g>` of one `<circle>` per visible point inside the plot area, drawn class by class. */
export function pointsSvgFragment(p: PointsFragmentInput): string {
  const { coords, labels, colors, hidden, x, y, radius, area } = p;
  const parts: string[] = ['<g class="points" stroke="none">'];
  for (let c = 0; c < colors.length; c++) {
    if (hidden.has(c)) continue;
    const circles: string[] = [];
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] !== c) continue;
      const cx = x(coords[2 * i]);
      const cy = y(coords[2 * i + 1]);
      if (cx < area.x || cx > area.x + area.width || cy < area.y || cy > area.y + area.height) continue;
      circles.push(`<circle cx="${r2(cx)}" cy="${r2(cy)}" r="${radius}"/>`);
    }
    if (circles.length) parts.push(`<g fill="${colors[c]}" fill-opacity="0.8">${circles.join('')}</g>`);
  }
  parts.push('</g>');
  return parts.join('');
}

/** A legend column at (x, y): a swatch and the class name per line; hidden classes are greyed. */
export function legendSvgFragment(
  classes: readonly string[],
  colors: readonly string[],
  hidden: ReadonlySet<number>,
  x: number,
  y: number,
): string {
  const rows = classes.map((name, c) => {
    const off = hidden.has(c);
    const ty = y + c * 14;
    return (
      `<rect x="${x}" y="${ty}" width="9" height="9" fill="${off ? '#d9dde5' : colors[c]}"/>` +
      `<text x="${x + 13}" y="${ty + 8}" font-size="10" fill="${off ? '#9aa1ad' : '#1d2330'}">` +
      `${escapeXml(name)}${off ? ' (hidden)' : ''}</text>`
    );
  });
  return `<g class="legend">${rows.join('')}</g>`;
}
