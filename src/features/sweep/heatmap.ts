/**
 * @file The sweep heatmap, drawn once: `heatmapLayout` computes every shape and label of the figure
 * (blocks in U-Net order down, t across, validation accuracy as colour, the best cell marked) from
 * a grid, with no React or DOM. The app's SweepHeatmap renders the layout as JSX; `heatmapSvg`
 * writes it as a standalone SVG file (the CLI's sweep.svg). Same layout, same figure.
 */
import { scaleSequential } from 'd3-scale';
import { interpolateViridis } from 'd3-scale-chromatic';
import { bestCell, type SweepGrid } from '../../pipeline/sweep-grid';
import type { MatrixText } from '../../ui/matrix-heatmap';

const CELL_W = 46;
const CELL_H = 18;
/** Room for the block names at the left: at least 64 units, more for long names (about 5.3 per character at 9 px), at most 240. */
const leftFor = (blocks: readonly string[]) =>
  Math.min(240, Math.max(64, 10 + 5.3 * Math.max(0, ...blocks.map((b) => b.length))));
const TOP = 26;

/** A text of the figure: the matrix heatmap's (ui/matrix-heatmap.ts), never rotated here. */
export type HeatmapText = MatrixText;

export interface HeatmapCell {
  key: string;
  /** The cell's block (row) and timestep (column). */
  block: string;
  t: number;
  /** It is the chosen (best) cell. */
  best: boolean;
  x: number;
  y: number;
  width: number;
  height: number;
  fill: string;
  /** The best cell's outline, else null. */
  stroke: string | null;
  strokeWidth: number;
  /** Tooltip. */
  title: string;
  /** The value printed in the cell (null for a cell not computed). */
  label: HeatmapText | null;
}

export interface HeatmapLayout {
  width: number;
  height: number;
  /** The figure in words (the accessible name on screen, the <title> in a file). */
  description: string;
  /** Every label: the axis title, then the column labels (t), then the row labels (blocks). */
  texts: HeatmapText[];
  /** The same labels by role, for a figure that is also a grid (the app's keyboard-readable one). */
  axisTitle: HeatmapText;
  columnLabels: HeatmapText[];
  rowLabels: HeatmapText[];
  /** Row by row (blocks), then t: cells[i * timesteps + j]. */
  cells: HeatmapCell[];
}

/** Validation accuracy for every (block, t): the figure's shapes and labels. */
export function heatmapLayout(grid: SweepGrid): HeatmapLayout {
  const blocks = grid.spec.blocks;
  const timesteps = grid.spec.timesteps;
  const accuracy = grid.cells.map((row) => row.map((c) => c?.validationAccuracy ?? null));
  const values = accuracy.flat().filter((v): v is number => v !== null);
  const lo = values.length ? Math.min(...values) : 0;
  const hi = values.length ? Math.max(...values) : 1;
  const color = scaleSequential(interpolateViridis).domain([lo, hi > lo ? hi : lo + 1e-6]);
  const best = bestCell(grid);
  const LEFT = leftFor(blocks);
  const width = LEFT + timesteps.length * CELL_W + 8;
  const height = TOP + blocks.length * CELL_H + 8;
  const axisTitle: HeatmapText = {
    x: LEFT,
    y: 10,
    text: 'timestep t →',
    fontSize: 9,
    fill: '#5b6474',
    anchor: 'start',
  };
  const columnLabels = timesteps.map(
    (t, j): HeatmapText => ({
      x: LEFT + j * CELL_W + CELL_W / 2,
      y: TOP - 4,
      text: String(t),
      fontSize: 9,
      fill: '#5b6474',
      anchor: 'middle',
    }),
  );
  const rowLabels = blocks.map(
    (b, i): HeatmapText => ({
      x: LEFT - 4,
      y: TOP + i * CELL_H + CELL_H / 2 + 3,
      text: b,
      fontSize: 9,
      fill: '#1d2330',
      anchor: 'end',
    }),
  );
  const texts = [axisTitle, ...columnLabels, ...rowLabels];
  const cells: HeatmapCell[] = [];
  blocks.forEach((b, i) => {
    timesteps.forEach((t, j) => {
      const v = accuracy[i][j];
      const isBest = best !== null && best.block === b && best.t === t;
      cells.push({
        key: `${b}@${t}`,
        block: b,
        t,
        best: isBest,
        x: LEFT + j * CELL_W,
        y: TOP + i * CELL_H,
        width: CELL_W - 1,
        height: CELL_H - 1,
        fill: v === null ? '#eef0f4' : color(v),
        stroke: isBest ? '#e11d48' : null,
        strokeWidth: isBest ? 2 : 0,
        title:
          v === null
            ? `${b}, t = ${t}: not computed`
            : `${b}, t = ${t}: ${(v * 100).toFixed(1)}% validation accuracy`,
        label:
          v === null
            ? null
            : {
                x: LEFT + j * CELL_W + CELL_W / 2,
                y: TOP + i * CELL_H + CELL_H / 2 + 3,
                text: `${isBest ? '★ ' : ''}${(v * 100).toFixed(1)}`,
                fontSize: 8.5,
                fill: v > (lo + hi) / 2 ? '#000' : '#fff',
                anchor: 'middle',
              },
      });
    });
  });
  const description = best
    ? `Sweep heatmap of validation accuracy; best: ${best.block} at t = ${best.t}, ${(best.accuracy * 100).toFixed(1)}% validation accuracy`
    : 'Sweep heatmap of validation accuracy (no cells yet)';
  return { width, height, description, texts, axisTitle, columnLabels, rowLabels, cells };
}

function esc(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function textSvg(t: HeatmapText): string {
  return `<text x="${t.x}" y="${t.y}" font-size="${t.fontSize}" fill="${t.fill}" text-anchor="${t.anchor}">${esc(t.text)}</text>`;
}

/** The heatmap as a standalone SVG document (white background, fonts and colours inline). */
export function heatmapSvg(grid: SweepGrid): string {
  const l = heatmapLayout(grid);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${l.width} ${l.height}" width="${l.width * 2}" height="${l.height * 2}" font-family="system-ui, sans-serif" role="img" aria-label="${esc(l.description)}">`,
    `<title>${esc(l.description)}</title>`,
    `<rect width="${l.width}" height="${l.height}" fill="#fff"/>`,
    ...l.texts.map(textSvg),
    ...l.cells.map(
      (c) =>
        `<g><rect x="${c.x}" y="${c.y}" width="${c.width}" height="${c.height}" fill="${c.fill}"${c.stroke ? ` stroke="${c.stroke}" stroke-width="${c.strokeWidth}"` : ''}><title>${esc(c.title)}</title></rect>${c.label ? textSvg(c.label) : ''}</g>`,
    ),
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}
