import { useId, useRef } from 'react';
import { useStore } from '../../state/store';
import { DataTable } from '../../ui/DataTable';
import { MatrixHeatmap } from '../../ui/MatrixHeatmap';
import { NumberField } from '../../ui/NumberField';
import { SaveChartButtons } from '../../ui/SaveChartButtons';
import { SweepHeatmap } from '../sweep/SweepCharts';
import { downloadTwinSweep } from './commands';
import { differenceFigure, differenceText, sweepDifference } from './difference';
import { TwinReport } from './TwinDialog';

/** The sweep's option: run the same sweep on the random-weights twin afterwards. */
export function TwinSweepOption({
  value,
  onChange,
}: {
  value: { on: boolean; seed: number };
  onChange: (value: { on: boolean; seed: number }) => void;
}) {
  const id = useId();
  return (
    <div className="row">
      <input
        id={id}
        type="checkbox"
        checked={value.on}
        onChange={(e) => onChange({ ...value, on: e.target.checked })}
      />
      <label htmlFor={id}>Then sweep its random-weights twin (trained − random per cell)</label>
      {value.on && (
        <NumberField
          label="Twin init seed"
          min={0}
          max={0xffffffff}
          value={value.seed}
          onChange={(seed) => onChange({ ...value, seed })}
        />
      )}
    </div>
  );
}

/** The twin's sweep beside the trained model's: its heatmap, the difference, words, table, exports. */
export function TwinSweepFigures() {
  const sweep = useStore((s) => s.sweep);
  const twinSweep = useStore((s) => s.twinSweep);
  const heatmap = useRef<SVGSVGElement>(null);
  const difference = useRef<SVGSVGElement>(null);
  // Beside the sweep it was run for only: a newer sweep of the trained model has another spec.
  if (!sweep || !twinSweep || twinSweep.trained !== sweep.grid.spec) return null;
  const { grid, status, twin } = twinSweep;
  const text = differenceText(sweep.grid, grid);
  const diff = sweepDifference(sweep.grid, grid);
  return (
    <section className="twin-sweep" aria-label="The random-weights twin's sweep">
      <h3>Random-weights twin: {twin.manifest.name}</h3>
      <p aria-live="polite">
        {status === 'running'
          ? 'The twin’s sweep is running…'
          : status === 'stopped'
            ? 'The twin’s sweep was stopped; the cells computed so far are kept.'
            : status === 'failed'
              ? 'The twin’s sweep failed.'
              : 'The twin’s sweep is done (same images, split and settings).'}
      </p>
      {text && (
        <p className="finding" aria-live="polite">
          {text}
        </p>
      )}
      <div className="twin-sweep-figures">
        <SweepHeatmap ref={heatmap} grid={grid} />
        <MatrixHeatmap
          ref={difference}
          spec={differenceFigure(sweep.grid, grid)}
          className="difference-heatmap"
        />
      </div>
      <DataTable
        summary="Trained − random per cell as a table"
        caption="Validation accuracy difference (trained model minus its random-weights twin), in points"
        columns={['block', ...grid.spec.timesteps.map((t) => `t = ${t}`)]}
        rows={grid.spec.blocks.map((b, i) => ({
          key: b,
          header: b,
          cells: diff[i].map((d) => (d === null ? '—' : `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(1)}`)),
        }))}
      />
      <div className="row" data-part="exports">
        <button type="button" onClick={() => downloadTwinSweep('csv')}>
          Twin sweep CSV
        </button>
        <button type="button" onClick={() => downloadTwinSweep('difference')}>
          Trained − random CSV
        </button>
        <SaveChartButtons chart={difference} file="sweep-trained-minus-random" label="Difference" />
      </div>
      <details>
        <summary>What the twin re-drew and kept</summary>
        <TwinReport model={twin} />
      </details>
    </section>
  );
}
