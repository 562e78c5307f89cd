import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import type { ProbeStep } from '../../worker/jobs';

const W = 360;
const H = 150;
const M = { top: 10, right: 40, bottom: 26, left: 40 };

/** Live training curves: mean cross-entropy (left axis) and train/test accuracy (right axis). */
export function ProbeCurves({ curve }: { curve: ProbeStep[] }) {
  if (curve.length < 1) return null;
  const maxIter = Math.max(1, curve[curve.length - 1].iter);
  const x = scaleLinear([0, maxIter], [M.left, W - M.right]);
  const maxLoss = Math.max(...curve.map((c) => c.loss), 1e-6);
  const yLoss = scaleLinear([0, maxLoss], [H - M.bottom, M.top]);
  const yAcc = scaleLinear([0, 1], [H - M.bottom, M.top]);
  const path = (f: (s: ProbeStep) => number) => line<ProbeStep>((s) => x(s.iter), f)(curve) ?? '';
  const last = curve[curve.length - 1];
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      className="chart"
      role="img"
      aria-label={`Probe training curves: iteration ${last.iter}, loss ${last.loss.toFixed(3)}, train accuracy ${(last.trainAccuracy * 100).toFixed(1)}%, test accuracy ${(last.testAccuracy * 100).toFixed(1)}%`}
    >
      <g className="axis">
        <line x1={M.left} x2={W - M.right} y1={H - M.bottom} y2={H - M.bottom} />
        {x.ticks(5).map((t) => (
          <text key={t} x={x(t)} y={H - 10} textAnchor="middle">
            {t}
          </text>
        ))}
        <text x={(M.left + W - M.right) / 2} y={H - 1} textAnchor="middle">
          L-BFGS iteration
        </text>
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
      <path d={path((s) => yLoss(s.loss))} className="line-loss" />
      <path d={path((s) => yAcc(s.trainAccuracy))} className="line-train" />
      <path d={path((s) => yAcc(s.testAccuracy))} className="line-test" />
      <g className="legend" transform={`translate(${M.left + 6}, ${M.top + 4})`}>
        <text className="legend-loss">— loss</text>
        <text className="legend-train" y={12}>
          — train acc.
        </text>
        <text className="legend-test" y={24}>
          — test acc.
        </text>
      </g>
    </svg>
  );
}
