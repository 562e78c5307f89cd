import { scaleSequential } from 'd3-scale';
import { interpolateBlues } from 'd3-scale-chromatic';
import type { CSSProperties } from 'react';
import { describeHead } from '../../core/heads/spec';
import { describePooling } from '../../core/pooling-kinds';
import { thumbnailFor } from '../../data/thumbnail';
import { isHeadResult } from '../../pipeline/probe-run';
import type { ProbeRun } from '../../state/results';
import { useStore } from '../../state/store';
import { DataTable } from '../../ui/DataTable';
import { downloadBytes } from '../../ui/download';
import { PixelCanvas } from '../../ui/PixelCanvas';
import { probeToJson } from './commands';
import { TryIt } from './TryIt';

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** L-BFGS's stopping reasons, in words. */
const STOP_REASONS: Record<string, string> = {
  gtol: 'converged: gradient below tolerance',
  ftol: 'converged: loss no longer decreasing',
  'line-search': 'converged: no better step found',
  'max-iter': 'iteration limit reached',
  'early-stop': 'stopped early: validation accuracy no longer improving',
  'max-epochs': 'epoch limit reached',
  stopped: 'stopped',
};

/** Accuracy, confusion matrix, per-class accuracy and misclassified test images. */
export function ProbeResults({ run }: { run: ProbeRun }) {
  const dataset = useStore((s) => s.dataset);
  const uploads = useStore((s) => s.uploads);
  const model = useStore((s) => s.model);
  const r = run.result;
  if (!r || !model) return null;
  const classes = run.classes;
  const { width, height, channels } = model.manifest.input;
  const k = classes.length;
  const rowTotals = Array.from({ length: k }, (_, i) =>
    r.confusion.slice(i * k, (i + 1) * k).reduce((a, b) => a + b, 0),
  );
  const color = scaleSequential(interpolateBlues).domain([0, 1]);
  const testIds = run.spec.data.ids.test;
  const { sizes } = run.spec.data;
  const wrong = testIds
    .flatMap((id, i) => (r.testPredictions[i] !== run.testLabels[i] ? [{ id, i }] : []))
    .slice(0, 24);
  const cell = 22;
  return (
    <section className="probe-results" aria-label="Probe results">
      <p className="accuracy">
        Test accuracy <strong>{r.testAccuracy === null ? '—' : pct(r.testAccuracy)}</strong> (held-out test
        images, {sizes.test}, evaluated once after training) · validation accuracy{' '}
        {r.validationAccuracy === null ? '— (no validation images)' : pct(r.validationAccuracy)} (
        {sizes.validation} images, what the curves showed) · train accuracy {pct(r.trainAccuracy)} (
        {sizes.train} images) ·{' '}
        {isHeadResult(r)
          ? `${describeHead(r.head)}: ${r.iterations} epochs, epoch ${r.bestEpoch} kept (${STOP_REASONS[r.stopReason] ?? r.stopReason}), ${r.parameters.toLocaleString('en')} parameters`
          : `${r.iterations} iterations (${STOP_REASONS[r.stopReason] ?? r.stopReason})`}{' '}
        in {(r.ms / 1000).toFixed(1)} s,{' '}
        {r.solver === 'tfjs-wasm'
          ? 'float32 on TensorFlow.js (WASM)'
          : r.solver === 'onnxruntime-wasm'
            ? 'float32 on ONNX Runtime'
            : 'float64 in JavaScript'}{' '}
        · {run.d} features from {run.spec.blocks.join(' + ')} at t = {run.spec.timesteps.join(', ')},{' '}
        {describePooling(run.spec.pooling)} pooling, noise seed {run.spec.seed}
      </p>
      <div className="probe-figures">
        <svg
          viewBox={`0 0 ${110 + k * cell} ${k * cell + 70}`}
          className="confusion"
          style={{ '--aspect': (110 + k * cell) / (k * cell + 70) } as CSSProperties}
          role="img"
          aria-label="Confusion matrix: rows are true classes, columns predicted classes"
        >
          {classes.map((c, i) => (
            <text key={c} x={104} y={i * cell + cell / 2 + 4} textAnchor="end" className="tick">
              {c}
            </text>
          ))}
          {classes.map((c, j) => (
            <text
              key={c}
              transform={`translate(${110 + j * cell + cell / 2}, ${k * cell + 6}) rotate(50)`}
              className="tick"
            >
              {c}
            </text>
          ))}
          {Array.from({ length: k * k }, (_, idx) => {
            const i = Math.floor(idx / k);
            const j = idx % k;
            const v = r.confusion[idx];
            const frac = rowTotals[i] ? v / rowTotals[i] : 0;
            return (
              <g key={`${i}-${j}`}>
                <rect x={110 + j * cell} y={i * cell} width={cell - 1} height={cell - 1} fill={color(frac)}>
                  <title>{`true ${classes[i]}, predicted ${classes[j]}: ${v}`}</title>
                </rect>
                {v > 0 && (
                  <text
                    x={110 + j * cell + cell / 2}
                    y={i * cell + cell / 2 + 4}
                    textAnchor="middle"
                    className={frac > 0.5 ? 'cell dark' : 'cell'}
                  >
                    {v}
                  </text>
                )}
              </g>
            );
          })}
        </svg>
        <table className="per-class">
          <caption>Per-class test accuracy</caption>
          <tbody>
            {classes.map((c, i) => (
              <tr key={c}>
                <th scope="row">{c}</th>
                <td>{rowTotals[i] ? pct(r.confusion[i * k + i] / rowTotals[i]) : '—'}</td>
                <td>
                  <span
                    className="bar"
                    style={{ width: `${rowTotals[i] ? (r.confusion[i * k + i] / rowTotals[i]) * 60 : 0}px` }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <DataTable
        summary="Confusion matrix as a table"
        caption="Test images by true class (rows) and predicted class (columns)"
        columns={['true class', ...classes]}
        rows={classes.map((c, i) => ({
          key: c,
          header: c,
          cells: classes.map((_, j) => String(r.confusion[i * k + j])),
        }))}
      />
      <button
        type="button"
        onClick={() =>
          downloadBytes(
            probeToJson(run),
            run.head ? 'diffprobe-head.json' : 'diffprobe-probe.json',
            'application/json',
          )
        }
      >
        Download {run.head ? 'head' : 'probe'} (JSON)
      </button>
      <TryIt run={run} />
      <h3>Misclassified test images</h3>
      <ul className="gallery misclassified" aria-label="Misclassified test images">
        {wrong.map(({ id, i }) => {
          const thumb = thumbnailFor(id, dataset, uploads, { width, height, channels });
          if (!thumb) return null;
          const text = `predicted ${classes[r.testPredictions[i]]} (${pct(r.testConfidence[i])}), true ${classes[run.testLabels[i]]}`;
          return (
            <li key={id} title={text}>
              <PixelCanvas
                bytes={thumb.bytes}
                width={thumb.width}
                height={thumb.height}
                channels={thumb.channels}
                size={48}
                label={text}
              />
              <small>
                {classes[r.testPredictions[i]]}
                <br />≠ {classes[run.testLabels[i]]}
              </small>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
