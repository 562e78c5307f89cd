import { schemeTableau10 } from 'd3-scale-chromatic';
import { type RefObject, useId, useMemo, useRef, useState } from 'react';
import { Waiting } from '../../app/Waiting';
import type { EmbeddingRun } from '../../state/results';
import { bundledDataFor, maxT, useStore } from '../../state/store';
import { ActionButton } from '../../ui/ActionButton';
import { SaveChartButtons } from '../../ui/SaveChartButtons';
import { METHOD_NAMES } from '../../worker/embedding/embedder';
import { POOLINGS } from '../extraction/commands';
import { NeedsBundledData } from '../images/NeedsBundledData';
import {
  downloadEmbeddingCsv,
  downloadEmbeddingJson,
  resumeEmbedding,
  runComparison,
  runEmbedding,
  showInFeatureMaps,
  stopEmbedding,
} from './commands';
import { EmbeddingControls } from './EmbeddingControls';
import { EmbeddingLegend } from './EmbeddingLegend';
import { EmbeddingPlot, type EmbeddingPlotHandle } from './EmbeddingPlot';
import { EmbeddingTable } from './EmbeddingTable';
import { classCounts } from './points';
import { SelectionStrip } from './SelectionStrip';
import { DEFAULT_FORM, type EmbeddingForm, parseEmbeddingForm } from './settings';
import { qualityText, runStatusText } from './status';

function plotLabel(run: EmbeddingRun, k: number, hidden: number): string {
  const hiddenText = hidden ? `, ${hidden} hidden` : '';
  return `${METHOD_NAMES[run.method]} of ${run.blocks.join(' + ')} at t = ${run.t}: ${run.ids.length} points, ${k} classes${hiddenText}`;
}

const statusOf = (run: EmbeddingRun) => runStatusText({ ...run, hasLayout: run.coords !== null });

/** t-SNE / PCA / UMAP of the selected blocks' pooled features, with an optional comparison view. */
export function EmbeddingPanel() {
  const model = useStore((s) => s.model);
  const dataset = useStore(bundledDataFor);
  const view = useStore((s) => s.view);
  const { main, compare } = useStore((s) => s.embedding);
  const busy = useStore((s) => Object.keys(s.jobs).some((k) => k !== 'model'));
  const running = useStore(
    (s) =>
      Boolean(s.jobs.embed) ||
      [s.embedding.main, s.embedding.compare].some((r) => r?.status === 'extracting'),
  );
  const [form, setForm] = useState<EmbeddingForm>(DEFAULT_FORM);
  const [compareOn, setCompareOn] = useState(false);
  const [compareBlock, setCompareBlock] = useState('');
  const [compareT, setCompareT] = useState('500');
  const [hidden, setHidden] = useState<ReadonlySet<number>>(new Set());
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [hover, setHover] = useState(-1);
  const [selectMode, setSelectMode] = useState(false);
  const mainPlot = useRef<EmbeddingPlotHandle>(null);
  const comparePlot = useRef<EmbeddingPlotHandle>(null);
  const ids = { block: useId(), t: useId() };

  // A comparison that arrives from elsewhere (the tour runs one) turns the comparison view on.
  const compareIds = compare?.ids;
  const [compareSeen, setCompareSeen] = useState(compareIds);
  if (compareSeen !== compareIds) {
    setCompareSeen(compareIds);
    if (compareIds && !compareOn) setCompareOn(true);
  }

  // A new set of points makes the old selection meaningless (state adjusted during render).
  const mainIds = main?.ids;
  const [selectionFor, setSelectionFor] = useState(mainIds);
  if (selectionFor !== mainIds) {
    setSelectionFor(mainIds);
    setSelected(new Set());
    setHover(-1);
  }

  const classes = dataset?.index.classes ?? [];
  const colors = useMemo(() => classes.map((_, c) => schemeTableau10[c % 10]), [classes]);
  const counts = useMemo(
    () => (main ? classCounts(main.labels, classes.length) : []),
    [main?.labels, classes.length, main],
  );

  if (!model) return <Waiting otherwise="The embedding needs a model." />;
  if (!dataset) return <NeedsBundledData what="The embedding" />;
  const maxPoints = dataset.splits.test.count;
  const { settings, errors } = parseEmbeddingForm(form, maxPoints);
  const blocks = model.manifest.blocks.map((b) => b.name);
  // A block picked for an earlier model may not exist in this one: then the default choice.
  const block = blocks.includes(compareBlock)
    ? compareBlock
    : blocks.find((b) => !view.blocks.includes(b)) || blocks[0];
  const tMax = maxT(model);
  const tNum = Number(compareT);
  const compareValid = Number.isInteger(tNum) && tNum >= 0 && tNum <= tMax;
  const compareSpec = compareOn && compareValid ? { block, t: tNum } : null;
  const runName = `Run ${METHOD_NAMES[form.method]}`;
  const resumable = Boolean(main?.resumable || compare?.resumable);
  const canRunComparison = compareOn && compareValid && main?.status === 'done' && !busy;
  const selectedIds = main ? [...selected].sort((a, b) => a - b) : [];

  const toggleClass = (c: number) =>
    setHidden((h) => {
      const next = new Set(h);
      if (next.has(c)) next.delete(c);
      else next.add(c);
      return next;
    });

  const plotFor = (
    run: EmbeddingRun,
    ref: RefObject<EmbeddingPlotHandle | null>,
    slot: 'main' | 'compare',
  ) => (
    <figure className="embedding-figure" data-part={`embedding-${slot}`}>
      <figcaption>
        {METHOD_NAMES[run.method]} of <strong>{run.blocks.join(' + ')}</strong> at t = {run.t}
        {slot === 'compare' ? ' (comparison)' : ''}
      </figcaption>
      <EmbeddingPlot
        ref={ref}
        run={run}
        label={plotLabel(run, classes.length, hidden.size)}
        dataset={dataset}
        classes={classes}
        colors={colors}
        hidden={hidden}
        selected={selected}
        hover={hover}
        selectMode={selectMode}
        onHover={setHover}
        onSelect={(idx) => setSelected(new Set(idx))}
      />
      <p className="muted" aria-live="polite">
        {statusOf(run)}
      </p>
      {run.quality && <p className="embedding-quality">{qualityText(run.quality, run.ids.length)}</p>}
      {run.warnings.length > 0 && (
        <ul
          className="embedding-warnings"
          aria-label={slot === 'main' ? 'Embedding messages' : 'Comparison messages'}
        >
          {run.warnings.map((w) => (
            <li key={w}>{w.replace(/^\w/, (c) => c.toUpperCase())}.</li>
          ))}
        </ul>
      )}
      <div className="row">
        <button
          type="button"
          aria-label={slot === 'main' ? 'Reset zoom' : 'Reset zoom of the comparison'}
          onClick={() => ref.current?.resetZoom()}
        >
          Reset zoom
        </button>
      </div>
      <EmbeddingTable run={run} classes={classes} hidden={hidden} />
    </figure>
  );

  return (
    <div className="embedding analysis">
      <div className="analysis-controls">
        <p className="muted">
          Blocks: <strong>{view.blocks.join(' + ')}</strong> at t = {view.t} · pooling:{' '}
          {POOLINGS[view.pooling].label} · noise seed {view.seed}. Points are bundled test images; features
          are used as they are unless standardised.
        </p>
        <EmbeddingControls form={form} errors={errors} maxPoints={maxPoints} onChange={setForm} />
        <div className="row">
          <button type="button" aria-pressed={compareOn} onClick={() => setCompareOn(!compareOn)}>
            Compare
          </button>
          {compareOn && (
            <>
              <label htmlFor={ids.block}>Compare block</label>
              <select id={ids.block} value={block} onChange={(e) => setCompareBlock(e.target.value)}>
                {blocks.map((b) => (
                  <option key={b} value={b}>
                    {b}
                  </option>
                ))}
              </select>
              <label htmlFor={ids.t}>Compare t</label>
              <input
                id={ids.t}
                type="number"
                min={0}
                max={tMax}
                className="embedding-t"
                value={compareT}
                aria-invalid={!compareValid}
                onChange={(e) => setCompareT(e.target.value)}
              />
            </>
          )}
        </div>
        <div className="row">
          <ActionButton
            reason={
              busy
                ? 'Another job is running: wait for it, or stop it.'
                : !settings
                  ? 'Fix the settings marked above.'
                  : null
            }
            onClick={() => settings && void runEmbedding({ ...settings, compare: compareSpec })}
          >
            {runName}
          </ActionButton>
          <ActionButton
            label="Stop embedding"
            reason={running ? null : 'Nothing to stop: no embedding is running.'}
            quiet
            onClick={stopEmbedding}
          >
            Stop
          </ActionButton>
          <ActionButton
            label="Resume embedding"
            reason={
              busy
                ? 'Another job is running.'
                : !resumable
                  ? 'Nothing to resume: no embedding was stopped.'
                  : null
            }
            quiet
            onClick={() => void resumeEmbedding()}
          >
            Resume
          </ActionButton>
          {compareOn && (
            <ActionButton
              reason={
                canRunComparison
                  ? null
                  : !compareValid
                    ? 'Fix the compare timestep.'
                    : busy
                      ? 'Another job is running.'
                      : 'Run the main embedding first: the comparison uses its settings.'
              }
              onClick={() => compareSpec && void runComparison(compareSpec)}
            >
              Run comparison
            </ActionButton>
          )}
        </div>
      </div>
      <div className="analysis-figures">
        {!main && <p className="muted">The map appears here once it runs.</p>}
        {main && (
          <>
            <div className="row">
              <EmbeddingLegend
                classes={classes}
                colors={colors}
                counts={counts}
                hidden={hidden}
                onToggle={toggleClass}
              />
            </div>
            <div className="row">
              <button type="button" aria-pressed={selectMode} onClick={() => setSelectMode(!selectMode)}>
                Select
              </button>
              <span className="muted">
                Drag to pan, wheel to zoom; shift-drag (or Select) to pick points; hover for neighbours.
              </span>
            </div>
            <div className="embedding-figures">
              {plotFor(main, mainPlot, 'main')}
              {compareOn && compare && plotFor(compare, comparePlot, 'compare')}
            </div>
            <div className="row" data-part="exports">
              <SaveChartButtons
                chart={() => mainPlot.current?.exportSvg()}
                file={`embedding_${main.method}_${main.blocks.join('+')}_t${main.t}`}
                label="Save"
                disabled={main.coords ? null : 'No layout yet.'}
              />
              <ActionButton
                reason={main.coords ? null : 'No layout yet.'}
                quiet
                onClick={() => downloadEmbeddingCsv('main')}
              >
                Save CSV
              </ActionButton>
              <ActionButton
                reason={main.coords ? null : 'No layout yet.'}
                quiet
                onClick={() => downloadEmbeddingJson('main')}
              >
                Save JSON (with provenance)
              </ActionButton>
            </div>
            {selectedIds.length > 0 && (
              <SelectionStrip
                ids={selectedIds.map((i) => main.ids[i])}
                labels={selectedIds.map((i) => main.labels[i])}
                classes={classes}
                dataset={dataset}
                onShow={() => showInFeatureMaps(selectedIds.map((i) => main.ids[i]))}
                onClear={() => setSelected(new Set())}
              />
            )}
          </>
        )}
      </div>
    </div>
  );
}
