import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import type { Ref } from 'react';
import { BottomAxis } from '../../ui/BottomAxis';
import { DataTable } from '../../ui/DataTable';
import type { ProbeStep } from '../../worker/jobs';

const W = 360;
const H = 150;
const M = { top: 10, right: 40, bottom: 26, left: 40 };
const MUTED = '#5b6474';
// Colours as presentation attributes (not CSS), so that a saved SVG/PNG looks the same.
const SERIES = [
  { key: 'loss', label: '— loss', color: '#b45309', dash: undefined },
  { key: 'trainAccuracy', label: '— train acc.', color: '#64748b', dash: '3 2' },
  { key: 'validationAccuracy', label: '— validation acc.', color: '#2f5fd0', dash: undefined },
] as const;

/**
 * Live training curves: mean cross-entropy (left axis) and train/validation accuracy (right axis).
 * The test images are not in them: they are looked at once, after training.
 */
export function ProbeCurves({
  curve,
  ref,
  unit = 'L-BFGS iteration',
}: {
  curve: ProbeStep[];
  ref?: Ref<SVGSVGElement>;
  /** What a step of the curve is: an L-BFGS iteration, or a neural head's epoch. */
  unit?: 'L-BFGS iteration' | 'epoch';
}) {
  if (curve.length < 1) return null;
  const maxIter = Math.max(1, curve[curve.length - 1].iter);
  const x = scaleLinear([0, maxIter], [M.left, W - M.right]);
  const maxLoss = Math.max(...curve.map((c) => c.loss), 1e-6);
  const yLoss = scaleLinear([0, maxLoss], [H - M.bottom, M.top]);
  const yAcc = scaleLinear([0, 1], [H - M.bottom, M.top]);
  const value = (s: ProbeStep, key: (typeof SERIES)[number]['key']) =>
    key === 'loss' ? yLoss(s.loss) : yAcc(s[key] ?? 0);
  const path = (key: (typeof SERIES)[number]['key']) =>
    line<ProbeStep>(
      (s) => x(s.iter),
      (s) => value(s, key),
    ).defined((s) => s[key] !== null)(curve) ?? '';
  const last = curve[curve.length - 1];
  const validation =
    last.validationAccuracy === null
      ? 'no validation images'
      : `validation accuracy ${(last.validationAccuracy * 100).toFixed(1)}%`;
  const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
  return (
    <>
      <svg
        ref={ref}
        viewBox={`0 0 ${W} ${H}`}
        className="chart"
        role="img"
        aria-label={`Probe training curves: ${unit === 'epoch' ? 'epoch' : 'iteration'} ${last.iter}, loss ${last.loss.toFixed(3)}, train accuracy ${(last.trainAccuracy * 100).toFixed(1)}%, ${validation}`}
      >
        <g fontSize={9} fill={MUTED}>
          <BottomAxis x={x} y={H - M.bottom} tickY={H - 10} titleY={H - 1} title={unit} stroke={MUTED} />
          {yLoss.ticks(3).map((t) => (
            <text key={`l${t}`} x={M.left - 4} y={yLoss(t) + 3} textAnchor="end">
              {t}
            </text>
          ))}
          {[0, 0.5, 1].map((t) => (
            <text key={`a${t}`} x={W - M.right + 4} y={yAcc(t) + 3}>
              {t * 100}%
            </text>
          ))}
        </g>
        {SERIES.map((s) => (
          <path
            key={s.key}
            d={path(s.key)}
            fill="none"
            stroke={s.color}
            strokeWidth={1.5}
            strokeDasharray={s.dash}
          />
        ))}
        <g transform={`translate(${M.left + 6}, ${M.top + 4})`} fontSize={9}>
          {SERIES.map((s, i) => (
            <text key={s.key} y={12 * i} fill={s.color}>
              {s.label}
            </text>
          ))}
        </g>
      </svg>
      <DataTable
        summary="Training curves as a table"
        caption={`Loss, train accuracy and validation accuracy at each ${unit}`}
        columns={[unit === 'epoch' ? 'epoch' : 'iteration', 'loss', 'train accuracy', 'validation accuracy']}
        rows={curve.map((c) => ({
          key: String(c.iter),
          header: String(c.iter),
          cells: [c.loss.toFixed(4), pct(c.trainAccuracy), pct(c.validationAccuracy)],
        }))}
      />
    </>
  );
}
