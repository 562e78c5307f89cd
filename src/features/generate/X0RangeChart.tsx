import { scaleLinear, scaleSymlog } from 'd3-scale';
import { area } from 'd3-shape';
import type { DataRange, X0Stats } from '../../core/sampler/x0';
import { BottomAxis } from '../../ui/BottomAxis';
import { DataTable } from '../../ui/DataTable';
import { formatRange, formatValue } from '../../ui/value-range';

const W = 360;
const H = 120;
const M = { top: 8, right: 10, bottom: 26, left: 40 };
const MUTED = '#5b6474';
const BAND = '#2f5fd0';
const DATA = '#15803d';

/**
 * The raw x̂_0's extremes at each step (before clipping) against the data range: a model that
 * needs clipping shows a band far outside the green lines. Symlog y, so ±1 and ±36 both read.
 */
export function X0RangeChart({
  stats,
  timesteps,
  range,
  planned,
  table = true,
}: {
  stats: readonly X0Stats[];
  timesteps: readonly number[];
  range: DataRange;
  planned: number;
  /** The numbers as a table too (left out while sampling: a 1000-step run would rebuild it each step). */
  table?: boolean;
}) {
  if (!stats.length) return null;
  const x = scaleLinear([1, Math.max(2, planned)], [M.left, W - M.right]);
  const lo = Math.min(range[0], ...stats.map((s) => s.min));
  const hi = Math.max(range[1], ...stats.map((s) => s.max));
  const half = (range[1] - range[0]) / 2;
  const y = scaleSymlog([lo, hi], [H - M.bottom, M.top]).constant(half || 1);
  const band =
    area<X0Stats>(
      (_, i) => x(i + 1),
      (s) => y(s.min),
      (s) => y(s.max),
    )(stats as X0Stats[]) ?? '';
  const ticks = [...new Set([lo, range[0], range[1], hi].map((v) => Number(v.toPrecision(2))))];
  return (
    <figure className="x0-range">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        className="chart"
        role="img"
        aria-label={`Range of x̂₀ at each step before clipping: from ${formatValue(Math.min(...stats.map((s) => s.min)))} to ${formatValue(Math.max(...stats.map((s) => s.max)))}, data range ${formatRange(range)}`}
      >
        <path d={band} fill={BAND} fillOpacity={0.25} stroke={BAND} strokeWidth={1} />
        {range.map((v) => (
          <line
            key={v}
            x1={M.left}
            x2={W - M.right}
            y1={y(v)}
            y2={y(v)}
            stroke={DATA}
            strokeDasharray="4 2"
          />
        ))}
        <g fontSize={9} fill={MUTED}>
          <BottomAxis
            x={x}
            y={H - M.bottom}
            tickY={H - 13}
            titleY={H - 2}
            title="step (noisiest first)"
            stroke={MUTED}
          />
          {ticks.map((t) => (
            <text key={t} x={M.left - 4} y={y(t) + 3} textAnchor="end">
              {formatValue(t)}
            </text>
          ))}
          <text x={W - M.right} y={M.top + 8} textAnchor="end" fill={DATA}>
            data range {formatRange(range)}
          </text>
        </g>
      </svg>
      <figcaption>x̂₀ before clipping: lowest to highest value at each step</figcaption>
      {table && (
        <DataTable
          summary="x̂₀ range per step as a table"
          caption="Timestep, lowest and highest x̂₀ value before clipping, and how many values left the data range"
          columns={['step', 't', 'lowest', 'highest', 'values outside the range']}
          rows={stats.map((s, i) => ({
            key: String(i),
            header: String(i + 1),
            cells: [String(timesteps[i] ?? ''), formatValue(s.min), formatValue(s.max), String(s.outside)],
          }))}
        />
      )}
    </figure>
  );
}
