import { scaleLinear, scaleSequential } from 'd3-scale';
import { interpolateViridis, schemeTableau10 } from 'd3-scale-chromatic';
import { line } from 'd3-shape';
import { forwardRef } from 'react';
import { bestCell, type SweepGrid } from './sweep-grid';

/** The grid's axes and its validation accuracies as a plain matrix (null: not computed). */
function axes(grid: SweepGrid) {
  return {
    blocks: grid.spec.blocks,
    timesteps: grid.spec.timesteps,
    accuracy: grid.cells.map((row) => row.map((c) => c?.validationAccuracy ?? null)),
  };
}

const CELL_W = 46;
const CELL_H = 18;
const LEFT = 64;
const TOP = 26;

/** Validation accuracy for every (block, t): blocks in U-Net order down, t across; the chosen cell is marked. */
export const SweepHeatmap = forwardRef<SVGSVGElement, { grid: SweepGrid }>(function SweepHeatmap(
  { grid },
  ref,
) {
  const { blocks, timesteps, accuracy } = axes(grid);
  const values = accuracy.flat().filter((v): v is number => v !== null);
  const lo = values.length ? Math.min(...values) : 0;
  const hi = values.length ? Math.max(...values) : 1;
  const color = scaleSequential(interpolateViridis).domain([lo, hi > lo ? hi : lo + 1e-6]);
  const best = bestCell(grid);
  const W = LEFT + timesteps.length * CELL_W + 8;
  const H = TOP + blocks.length * CELL_H + 8;
  return (
    <svg
      ref={ref}
      viewBox={`0 0 ${W} ${H}`}
      className="sweep-heatmap"
      role="img"
      aria-label={
        best
          ? `Sweep heatmap of validation accuracy; best: ${best.block} at t = ${best.t}, ${(best.accuracy * 100).toFixed(1)}% validation accuracy`
          : 'Sweep heatmap of validation accuracy (no cells yet)'
      }
    >
      <text x={LEFT} y={10} fontSize={9} fill="#5b6474">
        timestep t →
      </text>
      {timesteps.map((t, j) => (
        <text
          key={t}
          x={LEFT + j * CELL_W + CELL_W / 2}
          y={TOP - 4}
          fontSize={9}
          textAnchor="middle"
          fill="#5b6474"
        >
          {t}
        </text>
      ))}
      {blocks.map((b, i) => (
        <text
          key={b}
          x={LEFT - 4}
          y={TOP + i * CELL_H + CELL_H / 2 + 3}
          fontSize={9}
          textAnchor="end"
          fill="#1d2330"
        >
          {b}
        </text>
      ))}
      {blocks.map((b, i) =>
        timesteps.map((t, j) => {
          const v = accuracy[i][j];
          const isBest = best && best.block === b && best.t === t;
          return (
            <g key={`${b}@${t}`}>
              <rect
                x={LEFT + j * CELL_W}
                y={TOP + i * CELL_H}
                width={CELL_W - 1}
                height={CELL_H - 1}
                fill={v === null ? '#eef0f4' : color(v)}
                stroke={isBest ? '#e11d48' : 'none'}
                strokeWidth={isBest ? 2 : 0}
              >
                <title>
                  {v === null
                    ? `${b}, t = ${t}: not computed`
                    : `${b}, t = ${t}: ${(v * 100).toFixed(1)}% validation accuracy`}
                </title>
              </rect>
              {v !== null && (
                <text
                  x={LEFT + j * CELL_W + CELL_W / 2}
                  y={TOP + i * CELL_H + CELL_H / 2 + 3}
                  fontSize={8.5}
                  textAnchor="middle"
                  fill={v > (lo + hi) / 2 ? '#000' : '#fff'}
                >
                  {isBest ? '★ ' : ''}
                  {(v * 100).toFixed(1)}
                </text>
              )}
            </g>
          );
        }),
      )}
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
