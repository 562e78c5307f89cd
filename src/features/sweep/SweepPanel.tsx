import { useId, useRef, useState } from 'react';
import { Waiting } from '../../app/Waiting';
import { defaultHead, HEADS, type HeadKind } from '../../core/heads/spec';
import { VALIDATION_FRACTION } from '../../pipeline/split';
import { notifyError } from '../../state/jobs';
import { bundledDataFor, maxT, useStore } from '../../state/store';
import { ActionButton } from '../../ui/ActionButton';
import { DataTable } from '../../ui/DataTable';
import { NumberField } from '../../ui/NumberField';
import { SaveChartButtons } from '../../ui/SaveChartButtons';
import { NeedsBundledData } from '../images/NeedsBundledData';
import { LabelLeak } from '../model/ExtraInputs';
import { parseTimesteps } from '../probe/commands';
import { HeadSelect } from '../probe/HeadSelect';
import { runSweepWithBaselines } from '../results/baselines';
import { sweepFindingText } from '../results/selectors';
import { runTwinSweep } from '../twin/commands';
import { TwinSweepFigures, TwinSweepOption } from '../twin/TwinSweep';
import { downloadSweep, openInExplorer } from './commands';
import { SweepHeatmap, SweepLines } from './SweepCharts';
import { bestCell } from './sweep-grid';

/** The blocks × timesteps sweep: where in the U-Net, and at which noise level, the classes live. */
export function SweepPanel() {
  const model = useStore((s) => s.model);
  const dataset = useStore(bundledDataFor);
  const selected = useStore((s) => s.view.blocks);
  const sweep = useStore((s) => s.sweep);
  const job = useStore((s) => s.jobs.sweep);
  const busy = useStore((s) => Object.keys(s.jobs).some((k) => k !== 'model'));
  const finding = useStore(sweepFindingText);
  const [which, setWhich] = useState<'all' | 'selected'>('all');
  const [tText, setTText] = useState('0, 25, 100, 200, 500');
  const [nTrain, setNTrain] = useState(2000);
  const [nTest, setNTest] = useState(1000);
  const [twin, setTwin] = useState({ on: false, seed: 0 });
  const [headKind, setHeadKind] = useState<HeadKind>('linear');
  const heatmap = useRef<SVGSVGElement>(null);
  const lines = useRef<SVGSVGElement>(null);
  const ids = { which: useId(), t: useId(), train: useId(), test: useId() };
  if (!model) return <Waiting otherwise="The sweep needs a model." />;
  if (!dataset) return <NeedsBundledData what="The sweep" />;
  const timesteps = parseTimesteps(tText, maxT(model));
  const blocks =
    which === 'all'
      ? model.manifest.blocks.map((b) => b.name)
      : model.manifest.blocks.map((b) => b.name).filter((b) => selected.includes(b));
  const best = sweep ? bestCell(sweep.grid) : null;
  const chosen = sweep?.grid.chosen ?? null;
  const lineBlocks = selected.length ? selected : best ? [best.block] : [];
  const open = (block: string, t: number) => {
    openInExplorer(block, t);
    document.getElementById('feature-maps')?.scrollIntoView({ block: 'start' });
  };
  return (
    <div className="sweep analysis">
      <div className="analysis-controls">
        <LabelLeak />
        <div className="form-grid">
          <label htmlFor={ids.which}>Sweep blocks</label>
          <select
            id={ids.which}
            value={which}
            onChange={(e) => setWhich(e.target.value as 'all' | 'selected')}
          >
            <option value="all">All {model.manifest.blocks.length} blocks</option>
            <option value="selected">Selected blocks ({selected.length})</option>
          </select>
          <HeadSelect label="Sweep classifier" value={headKind} onChange={setHeadKind} />
          <label htmlFor={ids.t}>Sweep timesteps</label>
          <input
            id={ids.t}
            type="text"
            value={tText}
            aria-invalid={!timesteps}
            onChange={(e) => setTText(e.target.value)}
          />
          <NumberField
            label="Sweep training images"
            min={10}
            max={dataset.splits.train.count}
            value={nTrain}
            onChange={setNTrain}
          />
          <NumberField
            label="Sweep test images"
            min={10}
            max={dataset.splits.test.count}
            value={nTest}
            onChange={setNTest}
          />
        </div>
        {!timesteps && (
          <p className="error-text">
            Timesteps must be whole numbers from 0 to {maxT(model)}, separated by commas.
          </p>
        )}
        <div className="row">
          <ActionButton
            reason={
              busy
                ? 'Another job is running: wait for it, or stop it.'
                : !timesteps
                  ? `Fix the sweep timesteps: whole numbers from 0 to ${maxT(model)}.`
                  : !blocks.length
                    ? 'No block is selected: pick blocks in the U-Net drawing, or sweep all blocks.'
                    : null
            }
            onClick={() =>
              timesteps &&
              void runSweepWithBaselines({
                blocks,
                timesteps,
                nTrain,
                nTest,
                splitSeed: 0,
                validationFraction: VALIDATION_FRACTION,
                C: 1,
                maxIter: 100,
                head: headKind === 'linear' ? null : defaultHead(headKind),
              }).then(() => {
                if (twin.on) return runTwinSweep(twin.seed).catch(notifyError);
              })
            }
          >
            Run sweep
          </ActionButton>
          <ActionButton
            reason={job ? null : 'Nothing to stop: no sweep is running.'}
            quiet
            onClick={() => job?.cancel()}
          >
            Stop sweep
          </ActionButton>
          <span className="muted">
            {blocks.length} × {timesteps?.length ?? 0}{' '}
            {headKind === 'linear' ? 'probes' : `${HEADS[headKind].noun.replace(/^the /, '')}s`} on {nTrain} +{' '}
            {nTest} images; features come from the cache when they can.
            {headKind !== 'linear' &&
              ' A head trains for up to a few minutes per cell; the linear probe on the chosen cell says what it adds.'}
          </span>
        </div>
        <TwinSweepOption value={twin} onChange={setTwin} />
        <p className="muted">
          Each cell is judged on a validation part of the training images ({VALIDATION_FRACTION * 100}% of
          each class, about {Math.round(nTrain * VALIDATION_FRACTION)}), and the best cell is chosen by it.
          Only that cell is evaluated on the test images, once.
        </p>
      </div>
      <div className="analysis-figures">
        {!sweep && <p className="muted">The heatmap appears here once the sweep runs.</p>}
        {sweep && (
          <>
            <p aria-live="polite">
              {sweep.status === 'running'
                ? 'Running…'
                : sweep.status === 'stopped'
                  ? 'Stopped; the cells computed so far are kept.'
                  : sweep.status === 'failed'
                    ? 'Failed.'
                    : 'Done.'}{' '}
              {best && (
                <>
                  Best by validation accuracy: <strong>{best.block}</strong> at t = <strong>{best.t}</strong>,{' '}
                  {(best.accuracy * 100).toFixed(1)}% validation accuracy.
                </>
              )}{' '}
              {chosen?.testAccuracy != null && (
                <>
                  Its test accuracy, evaluated once on {sweep.grid.spec.data.sizes.test} held-out images:{' '}
                  <strong>{(chosen.testAccuracy * 100).toFixed(1)}%</strong>.
                </>
              )}
            </p>
            {finding && (
              <p className="finding" aria-live="polite">
                {finding}
              </p>
            )}
            <div className="sweep-figures">
              <SweepHeatmap ref={heatmap} grid={sweep.grid} onOpen={open} />
              <SweepLines ref={lines} grid={sweep.grid} blocks={lineBlocks} />
            </div>
            <p className="muted">
              Click a cell (or move to it with the arrow keys and press Enter) to open that block and t in the
              explorer.
            </p>
            <DataTable
              summary="Validation accuracy of every cell as a table"
              caption="Validation accuracy of the probe on each block (rows) at each timestep (columns)"
              columns={['block', ...sweep.grid.spec.timesteps.map((t) => `t = ${t}`)]}
              rows={sweep.grid.spec.blocks.map((b, i) => ({
                key: b,
                header: b,
                cells: sweep.grid.cells[i].map((c) =>
                  c?.validationAccuracy == null ? '—' : `${(c.validationAccuracy * 100).toFixed(1)}%`,
                ),
              }))}
            />
            <div className="row" data-part="exports">
              <button type="button" onClick={() => downloadSweep('csv')}>
                Sweep CSV
              </button>
              <button type="button" onClick={() => downloadSweep('json')}>
                Sweep JSON
              </button>
              <SaveChartButtons chart={heatmap} file="sweep-heatmap" label="Heatmap" />
              <SaveChartButtons chart={lines} file="sweep-lines" label="Lines" />
            </div>
            <TwinSweepFigures />
          </>
        )}
      </div>
    </div>
  );
}
