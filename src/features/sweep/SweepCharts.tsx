import { scaleLinear } from 'd3-scale';
import { schemeTableau10 } from 'd3-scale-chromatic';
import { line } from 'd3-shape';
import { type CSSProperties, forwardRef, useState } from 'react';
import { useSvgGrid } from '../../ui/use-svg-grid';
import { type HeatmapText, heatmapLayout } from './heatmap';
import type { SweepGrid } from './sweep-grid';

/** The grid's axes and its validation accuracies as a plain matrix (null: not computed). */
function axes(grid: SweepGrid) {
  return {
    blocks: grid.spec.blocks,
    timesteps: grid.spec.timesteps,
    accuracy: grid.cells.map((row) => row.map((c) => c?.validationAccuracy ?? null)),
  };
}

/**
 * Validation accuracy for every (block, t): blocks in U-Net order down, t across; the chosen cell
 * is marked. The figure is heatmap.ts's layout, which the CLI also writes as sweep.svg. On screen it
 * is also a grid: one Tab stop, the arrow keys (Home/End) move between cells, each cell says its
 * block, t and accuracy, and Enter or a click opens that block and t in the explorer.
 */
export const SweepHeatmap = forwardRef<
  SVGSVGElement,
  { grid: SweepGrid; onOpen?: (block: string, t: number) => void }
>(function SweepHeatmap({ grid, onOpen }, ref) {
  const l = heatmapLayout(grid);
  const rows = l.rowLabels.length;
  const cols = l.columnLabels.length;
  const bestIndex = l.cells.findIndex((c) => c.best);
  // The Tab stop: the chosen cell until the user moves (the chosen cell changes as cells come in).
  const [active, setActive] = useState<number | null>(null);
  const current = Math.min(active ?? Math.max(0, bestIndex), Math.max(0, l.cells.length - 1));
  const text = (t: HeatmapText, props: Record<string, string> = {}, key?: string) => (
    <text key={key} x={t.x} y={t.y} fontSize={t.fontSize} textAnchor={t.anchor} fill={t.fill} {...props}>
      {t.text}
    </text>
  );
  const { setRefs, onKeyDown } = useSvgGrid(ref, { rows, cols, current, setActive }, (e) => {
    if ((e.key !== 'Enter' && e.key !== ' ') || !onOpen) return false;
    const cell = l.cells[current];
    onOpen(cell.block, cell.t);
    return true;
  });
  // The figure stays SVG (it is saved as a file, and drawn like the CLI's); ARIA's grid roles make
  // it a table for assistive technology. There are no HTML elements for these roles inside an SVG.
  return (
    // biome-ignore lint/a11y/useSemanticElements: no <table> inside an SVG
    <svg
      ref={setRefs}
      viewBox={`0 0 ${l.width} ${l.height}`}
      className="sweep-heatmap"
      style={{ '--aspect': l.width / l.height } as CSSProperties}
      // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: an SVG figure that is also a keyboard grid
      role="grid"
      aria-label={`${l.description}. Arrow keys move between cells${onOpen ? '; Enter opens a cell in the explorer' : ''}.`}
      aria-rowcount={rows + 1}
      aria-colcount={cols + 1}
      onKeyDown={onKeyDown}
    >
      {/* biome-ignore lint/a11y/useSemanticElements: no <tr> inside an SVG */}
      <g role="row" aria-rowindex={1}>
        {text(l.axisTitle, { role: 'columnheader', 'aria-colindex': '1', 'aria-label': 'block' })}
        {l.columnLabels.map((t, j) =>
          text(
            t,
            { role: 'columnheader', 'aria-colindex': String(j + 2), 'aria-label': `t = ${t.text}` },
            t.text,
          ),
        )}
      </g>
      {l.rowLabels.map((label, i) => (
        // biome-ignore lint/a11y/useSemanticElements: no <tr> inside an SVG
        <g key={label.text} role="row" aria-rowindex={i + 2}>
          {text(label, { role: 'rowheader', 'aria-colindex': '1' })}
          {l.cells.slice(i * cols, (i + 1) * cols).map((c, j) => {
            const index = i * cols + j;
            return (
              // biome-ignore lint/a11y/useSemanticElements: no <td> inside an SVG
              <g
                key={c.key}
                role="gridcell"
                className="cell"
                data-cell={index}
                aria-colindex={j + 2}
                aria-selected={c.best}
                aria-label={`${c.title}${c.best ? ' (the chosen cell)' : ''}`}
                tabIndex={index === current ? 0 : -1}
                onFocus={() => setActive(index)}
                onClick={() => {
                  setActive(index);
                  onOpen?.(c.block, c.t);
                }}
              >
                <rect
                  className="cell-box"
                  x={c.x}
                  y={c.y}
                  width={c.width}
                  height={c.height}
                  fill={c.fill}
                  stroke={c.stroke ?? 'none'}
                  strokeWidth={c.strokeWidth}
                >
                  <title>{c.title}</title>
                </rect>
                {c.label && text(c.label, { 'aria-hidden': 'true' })}
              </g>
            );
          })}
        </g>
      ))}
    </svg>
  );
});

/** Validation accuracy against t for the given blocks: where in the noise range each block is most informative. */
export const SweepLines = forwardRef<SVGSVGElement, { grid: SweepGrid; blocks: string[] }>(
  function SweepLines({ grid, blocks }, ref) {
    const W = 380;
    const H = 170;
    const M = { top: 10, right: 90, bottom: 28, left: 36 };
    const { blocks: rows, timesteps, accuracy } = axes(grid);
    const shown = blocks.filter((b) => rows.includes(b));
    const values = accuracy.flat().filter((v): v is number => v !== null);
    const x = scaleLinear([Math.min(...timesteps), Math.max(...timesteps)], [M.left, W - M.right]);
    const y = scaleLinear(
      [values.length ? Math.min(...values) - 0.02 : 0, values.length ? Math.max(...values) + 0.02 : 1],
      [H - M.bottom, M.top],
    );
    return (
      <svg
        ref={ref}
        viewBox={`0 0 ${W} ${H}`}
        className="sweep-lines"
        style={{ '--aspect': W / H } as CSSProperties}
        role="img"
        aria-label={`Validation accuracy against t for ${shown.join(', ') || 'no block'}`}
      >
        <line x1={M.left} x2={W - M.right} y1={H - M.bottom} y2={H - M.bottom} stroke="#5b6474" />
        {timesteps.map((t) => (
          <text key={t} x={x(t)} y={H - M.bottom + 11} fontSize={9} textAnchor="middle" fill="#5b6474">
            {t}
          </text>
        ))}
        <text x={(M.left + W - M.right) / 2} y={H - 2} fontSize={9} textAnchor="middle" fill="#5b6474">
          timestep t
        </text>
        {y.ticks(4).map((v) => (
          <text key={v} x={M.left - 4} y={y(v) + 3} fontSize={9} textAnchor="end" fill="#5b6474">
            {(v * 100).toFixed(0)}%
          </text>
        ))}
        {shown.map((b, n) => {
          const i = rows.indexOf(b);
          const pts = timesteps.flatMap((t, j) =>
            accuracy[i][j] === null ? [] : [[x(t), y(accuracy[i][j]!)] as [number, number]],
          );
          const c = schemeTableau10[n % 10];
          return (
            <g key={b}>
              <path d={line()(pts) ?? ''} fill="none" stroke={c} strokeWidth={1.6} />
              {pts.map(([px, py]) => (
                <circle key={`${px}`} cx={px} cy={py} r={2.2} fill={c} />
              ))}
              <text x={W - M.right + 6} y={M.top + 10 + n * 12} fontSize={9} fill={c}>
                {b}
              </text>
            </g>
          );
        })}
      </svg>
    );
  },
);
