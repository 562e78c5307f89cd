import { scaleLinear, scaleLog } from 'd3-scale';
import { schemeTableau10 } from 'd3-scale-chromatic';
import { line } from 'd3-shape';
import { CONVENTION_IDS } from '../../core/timestep/convention';
import { nameOf } from '../../core/timestep/denoising-check';
import type { DenoisingCheckResult } from '../../pipeline/denoising-check';
import { DataTable } from '../../ui/DataTable';

const W = 380;
const H = 170;
const M = { top: 10, right: 12, bottom: 30, left: 44 };
const TYPE_LABEL = { epsilon: 'ε', sample: 'x₀', v_prediction: 'v' } as const;

/**
 * The denoising error per t under each convention (log scale): the error of ε̂ relative to an
 * all-zero output, so the dashed line at 1 is "no better than predicting nothing". A trained model
 * under its own convention lies well below it at every t. Non-finite errors sit on the top edge.
 */
export function DenoisingChart({ result }: { result: DenoisingCheckResult }) {
  const { timesteps, rows } = result;
  const finite = rows.flatMap((r) => r.relative.filter(Number.isFinite));
  const lo = Math.min(0.001, ...finite) * 0.8;
  const hi = Math.max(2, ...finite) * 1.25;
  const x = scaleLinear()
    .domain([0, Math.max(...timesteps)])
    .range([M.left, W - M.right]);
  const y = scaleLog()
    .domain([lo, hi])
    .range([H - M.bottom, M.top])
    .clamp(true);
  const at = (v: number) => (Number.isFinite(v) ? y(v) : M.top);
  const path = line<[number, number]>()
    .x((d) => x(d[0]))
    .y((d) => at(d[1]));
  const ticks = y.ticks(4).filter((t) => Number.isInteger(Math.log10(t)));
  // One colour per convention, whichever order the rows come in.
  const color = (r: DenoisingCheckResult['rows'][number]) =>
    schemeTableau10[CONVENTION_IDS.indexOf(r.convention)];
  const label = (r: DenoisingCheckResult['rows'][number]) => `${nameOf(r)}, read as ${TYPE_LABEL[r.type]}`;
  return (
    <figure className="denoising-chart">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`Denoising error relative to an all-zero output at t = ${timesteps.join(', ')}, per timestep convention (the table below has the numbers)`}
      >
        {ticks.map((t) => (
          <g key={t}>
            <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} className="grid" />
            <text x={M.left - 4} y={y(t)} dy="0.32em" textAnchor="end" className="tick">
              {t >= 1e-3 ? String(t) : t.toExponential(0)}
            </text>
          </g>
        ))}
        <line x1={M.left} x2={W - M.right} y1={y(1)} y2={y(1)} className="baseline" strokeDasharray="4 3" />
        <text x={M.left + 4} y={y(1) - 3} className="tick">
          1 = no better than predicting nothing
        </text>
        {timesteps.map((t) => (
          <text key={t} x={x(t)} y={H - M.bottom + 13} textAnchor="middle" className="tick">
            {t}
          </text>
        ))}
        <text x={(M.left + W - M.right) / 2} y={H - 3} textAnchor="middle" className="tick">
          timestep t
        </text>
        {rows.map((r) => (
          <g key={r.convention} stroke={color(r)} fill={color(r)}>
            <path d={path(timesteps.map((t, k) => [t, r.relative[k]])) ?? ''} fill="none" strokeWidth={1.8} />
            {timesteps.map((t, k) => (
              <circle key={t} cx={x(t)} cy={at(r.relative[k])} r={2.4} />
            ))}
          </g>
        ))}
      </svg>
      <figcaption className="legend">
        {rows.map((r) => (
          <span key={r.convention}>
            <span className="swatch" style={{ background: color(r) }} aria-hidden="true" /> {label(r)}
          </span>
        ))}
      </figcaption>
      <DataTable
        summary="The errors as a table"
        caption="Denoising error relative to an all-zero output, per convention and timestep"
        columns={['Convention (reading)', ...timesteps.map((t) => `t = ${t}`), 'Geometric mean']}
        rows={rows.map((r) => ({
          key: r.convention,
          header: label(r),
          cells: [...r.relative.map(fmt), fmt(r.score)],
        }))}
      />
    </figure>
  );
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(3) : 'NaN/Inf';
}
