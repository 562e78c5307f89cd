import { scaleLinear } from 'd3-scale';
import { schemeTableau10 } from 'd3-scale-chromatic';
import { line } from 'd3-shape';
import { forwardRef } from 'react';
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
 * is marked. The figure is heatmap.ts's layout, which the CLI also writes as sweep.svg.
 */
export const SweepHeatmap = forwardRef<SVGSVGElement, { grid: SweepGrid }>(function SweepHeatmap(
  { grid },
  ref,
) {
  const l = heatmapLayout(grid);
  const text = (t: HeatmapText, key?: string) => (
    <text key={key} x={t.x} y={t.y} fontSize={t.fontSize} textAnchor={t.anchor} fill={t.fill}>
      {t.text}
    </text>
  );
  return (
    <svg
      ref={ref}
      viewBox={`0 0 ${l.width} ${l.height}`}
      className="sweep-heatmap"
      role="img"
      aria-label={l.description}
    >
      {l.texts.map((t, i) => text(t, `t${i}`))}
      {l.cells.map((c) => (
        <g key={c.key}>
          <rect
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
          {c.label && text(c.label)}
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
