/**
 * @file A labelled matrix as a heatmap, laid out once with no React or DOM: rows down, columns
 * across (their names slanted so long block names fit), a colour per value with the value printed
 * when the cells are large enough, a colour bar, and a tooltip text per cell. The app renders the
 * layout as JSX (MatrixHeatmap.tsx) and the CLI writes it as a standalone SVG ({@link matrixSvg}):
 * the same figure. Used for CKA matrices (sequential, 0…1) and for "trained − random" differences
 * of a sweep (diverging around 0).
 */
import { scaleDiverging, scaleSequential } from 'd3-scale';
import { interpolateRdBu, interpolateViridis } from 'd3-scale-chromatic';

export type MatrixColor =
  /** Values in a fixed domain (CKA: 0…1); values outside take the end colours. */
  | { kind: 'sequential'; domain: [number, number] }
  /** Values around 0 (a difference): blue below, red above, white at 0, ±`max` the ends. */
  | { kind: 'diverging'; max: number };

export interface MatrixSpec {
  /** The figure in words (its accessible name and the file's <title>). */
  description: string;
  rows: readonly string[];
  cols: readonly string[];
  /** rows × cols; null: no value (not computed, or undefined: see `cellTitle`). */
  values: readonly (readonly (number | null)[])[];
  color: MatrixColor;
  /** The value as printed in a cell and the tooltip ("0.93", "+2.1"). */
  format: (v: number) => string;
  /** The tooltip of cell (i, j). */
  cellTitle: (i: number, j: number) => string;
  /** The colour bar's caption ("CKA", "trained − random, points"). */
  legend: string;
  /** Axis captions. */
  rowAxis: string;
  colAxis: string;
}

export interface MatrixText {
  x: number;
  y: number;
  text: string;
  fontSize: number;
  fill: string;
  anchor: 'start' | 'middle' | 'end';
  /** Degrees, about (x, y). */
  rotate?: number;
}

export interface MatrixCell {
  i: number;
  j: number;
  value: number | null;
  x: number;
  y: number;
  size: number;
  fill: string;
  title: string;
  label: MatrixText | null;
}

export interface MatrixLayout {
  width: number;
  height: number;
  description: string;
  rowLabels: MatrixText[];
  colLabels: MatrixText[];
  axisTexts: MatrixText[];
  cells: MatrixCell[];
  /** The colour bar: stops from its low end to its high end, its box and its tick labels. */
  legend: { x: number; y: number; width: number; height: number; stops: string[]; texts: MatrixText[] };
}

const INK = '#1d2330';
const MUTED = '#5b6474';
const EMPTY = '#eef0f4';

function textWidth(s: string, fontSize: number): number {
  return 0.56 * fontSize * s.length;
}

/** Black or white, whichever reads better on `fill` (an "rgb(r, g, b)" or "#rrggbb" colour). */
function inkOn(fill: string): string {
  const m = /rgb\((\d+), ?(\d+), ?(\d+)\)/.exec(fill);
  const [r, g, b] = m
    ? [Number(m[1]), Number(m[2]), Number(m[3])]
    : [1, 3, 5].map((k) => Number.parseInt(fill.slice(k, k + 2), 16));
  return 0.299 * r + 0.587 * g + 0.114 * b > 140 ? '#000' : '#fff';
}

export function colorOf(color: MatrixColor): (v: number) => string {
  if (color.kind === 'sequential') {
    const [lo, hi] = color.domain;
    const scale = scaleSequential(interpolateViridis).domain([lo, hi > lo ? hi : lo + 1e-9]);
    return (v) => scale(Math.min(hi, Math.max(lo, v)));
  }
  const m = color.max > 0 ? color.max : 1;
  // RdBu runs red → blue; reversed so that positive (training helped) is red.
  const scale = scaleDiverging((t: number) => interpolateRdBu(1 - t)).domain([-m, 0, m]);
  return (v) => scale(Math.min(m, Math.max(-m, v)));
}

export function matrixLayout(spec: MatrixSpec): MatrixLayout {
  const { rows, cols } = spec;
  const n = Math.max(rows.length, cols.length);
  const cell = n <= 8 ? 34 : n <= 16 ? 26 : n <= 32 ? 16 : 10;
  const printValues = cell >= 26;
  const fontSize = cell >= 26 ? 9 : 8;
  const rowW = Math.min(200, Math.max(30, ...rows.map((r) => textWidth(r, fontSize)))) + 8;
  // Column names slanted at −50°: they need height for their length.
  const colH = Math.min(150, Math.max(24, ...cols.map((c) => textWidth(c, fontSize) * 0.77))) + 10;
  const left = rowW + 14;
  const top = colH + 6;
  const gridW = cols.length * cell;
  const gridH = rows.length * cell;
  const legendW = 12;
  const legendGap = 18;
  const width = left + gridW + legendGap + legendW + 44;
  const height = top + gridH + 26;
  const fill = colorOf(spec.color);
  const cells: MatrixCell[] = [];
  rows.forEach((_, i) => {
    cols.forEach((_, j) => {
      const v = spec.values[i]?.[j] ?? null;
      const x = left + j * cell;
      const y = top + i * cell;
      const f = v === null ? EMPTY : fill(v);
      cells.push({
        i,
        j,
        value: v,
        x,
        y,
        size: cell - 1,
        fill: f,
        title: spec.cellTitle(i, j),
        label:
          printValues || v === null
            ? {
                x: x + (cell - 1) / 2,
                y: y + (cell - 1) / 2 + fontSize * 0.35,
                text: v === null ? (printValues ? '—' : '') : spec.format(v),
                fontSize: fontSize - 0.5,
                fill: v === null ? MUTED : inkOn(f),
                anchor: 'middle',
              }
            : null,
      });
    });
  });
  const rowLabels = rows.map(
    (r, i): MatrixText => ({
      x: left - 4,
      y: top + i * cell + cell / 2 + fontSize * 0.35,
      text: r,
      fontSize,
      fill: INK,
      anchor: 'end',
    }),
  );
  const colLabels = cols.map(
    (c, j): MatrixText => ({
      x: left + j * cell + cell / 2,
      y: top - 5,
      text: c,
      fontSize,
      fill: INK,
      anchor: 'start',
      rotate: -50,
    }),
  );
  const axisTexts: MatrixText[] = [
    { x: 4, y: top + gridH / 2, text: spec.rowAxis, fontSize: 9, fill: MUTED, anchor: 'middle', rotate: -90 },
    { x: left + gridW / 2, y: height - 6, text: spec.colAxis, fontSize: 9, fill: MUTED, anchor: 'middle' },
  ];
  axisTexts[0].x = 10;
  const lx = left + gridW + legendGap;
  const [lo, hi] = spec.color.kind === 'sequential' ? spec.color.domain : [-spec.color.max, spec.color.max];
  const stops = Array.from({ length: 11 }, (_, k) => fill(lo + ((hi - lo) * k) / 10));
  const legendTexts: MatrixText[] = [
    { x: lx + legendW + 3, y: top + gridH, text: spec.format(lo), fontSize: 8, fill: MUTED, anchor: 'start' },
    { x: lx + legendW + 3, y: top + 7, text: spec.format(hi), fontSize: 8, fill: MUTED, anchor: 'start' },
    { x: lx + legendW / 2, y: top - 5, text: spec.legend, fontSize: 8, fill: MUTED, anchor: 'middle' },
  ];
  return {
    width,
    height,
    description: spec.description,
    rowLabels,
    colLabels,
    axisTexts,
    cells,
    legend: { x: lx, y: top, width: legendW, height: gridH, stops, texts: legendTexts },
  };
}

function esc(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Coordinates to 0.01 of a unit in files (no 57.28000000000001). */
const r2 = (v: number) => Math.round(v * 100) / 100;

function textSvg(t: MatrixText): string {
  const [x, y] = [r2(t.x), r2(t.y)];
  const rotate = t.rotate ? ` transform="rotate(${t.rotate} ${x} ${y})"` : '';
  return `<text x="${x}" y="${y}" font-size="${t.fontSize}" fill="${t.fill}" text-anchor="${t.anchor}"${rotate}>${esc(t.text)}</text>`;
}

/** The heatmap as a standalone SVG document (white background, fonts and colours inline). */
export function matrixSvg(spec: MatrixSpec): string {
  const l = matrixLayout(spec);
  const g = l.legend;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${r2(l.width)} ${r2(l.height)}" width="${r2(l.width * 2)}" height="${r2(l.height * 2)}" font-family="system-ui, sans-serif" role="img" aria-label="${esc(l.description)}">`,
    `<title>${esc(l.description)}</title>`,
    `<defs><linearGradient id="legend" x1="0" y1="1" x2="0" y2="0">${g.stops.map((c, k) => `<stop offset="${k / (g.stops.length - 1)}" stop-color="${c}"/>`).join('')}</linearGradient></defs>`,
    `<rect width="${r2(l.width)}" height="${r2(l.height)}" fill="#fff"/>`,
    ...l.axisTexts.map(textSvg),
    ...l.rowLabels.map(textSvg),
    ...l.colLabels.map(textSvg),
    ...l.cells.map(
      (c) =>
        `<g><rect x="${r2(c.x)}" y="${r2(c.y)}" width="${c.size}" height="${c.size}" fill="${c.fill}"><title>${esc(c.title)}</title></rect>${c.label ? textSvg(c.label) : ''}</g>`,
    ),
    `<rect x="${r2(g.x)}" y="${r2(g.y)}" width="${g.width}" height="${r2(g.height)}" fill="url(#legend)"/>`,
    ...g.texts.map(textSvg),
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}
