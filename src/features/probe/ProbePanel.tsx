import { useId, useRef, useState } from 'react';
import { Waiting } from '../../app/Waiting';
import { defaultHead, HEADS, type HeadKind } from '../../core/heads/spec';
import { GRID_SIZES, type GridSize } from '../../core/pooling';
import { describePooling } from '../../core/pooling-kinds';
import { VALIDATION_FRACTION } from '../../pipeline/split';
import { bundledDataFor, maxT, useShallow, useStore } from '../../state/store';
import { ActionButton } from '../../ui/ActionButton';
import { NumberField } from '../../ui/NumberField';
import { SaveChartButtons } from '../../ui/SaveChartButtons';
import { POOLINGS } from '../extraction/commands';
import { NeedsBundledData } from '../images/NeedsBundledData';
import { LabelLeak } from '../model/ExtraInputs';
import { trainProbeWithBaselines } from '../results/baselines';
import { probeFindingText } from '../results/selectors';
import { parseTimesteps, probePooling, stopProbe } from './commands';
import { HeadSelect } from './HeadSelect';
import { ProbeCurves } from './ProbeCurves';
import { ProbeResults } from './ProbeResults';

/** A linear probe, or an MLP or attention head, on the selected blocks' features, trained in the worker. */
export function ProbePanel() {
  const curves = useRef<SVGSVGElement>(null);
  const model = useStore((s) => s.model);
  const dataset = useStore(bundledDataFor);
  const view = useStore(
    useShallow((s) => ({ t: s.view.t, blocks: s.view.blocks, pooling: s.view.pooling, seed: s.view.seed })),
  );
  const run = useStore((s) => s.probe);
  const finding = useStore(probeFindingText);
  const busy = useStore((s) => Boolean(s.jobs.probe || s.jobs.extract));
  const uploads = useStore((s) => s.uploads);
  const [source, setSource] = useState<'bundled' | 'uploads'>('bundled');
  const [nTrain, setNTrain] = useState(2000);
  const [nTest, setNTest] = useState(1000);
  const [splitSeed, setSplitSeed] = useState(0);
  const [tText, setTText] = useState('');
  const [C, setC] = useState(1);
  const [maxIter, setMaxIter] = useState(200);
  const [headKind, setHeadKind] = useState<HeadKind>('linear');
  const [headSeed, setHeadSeed] = useState(0);
  const [epochs, setEpochs] = useState<number | null>(null);
  const [grid, setGrid] = useState<GridSize>(8);
  const ids = {
    grid: useId(),
    source: useId(),
    train: useId(),
    test: useId(),
    seed: useId(),
    t: useId(),
    C: useId(),
    iter: useId(),
  };
  if (!model) return <Waiting otherwise="The probe needs a model." />;
  const timesteps = parseTimesteps(tText || String(view.t), maxT(model));
  const maxTrain = dataset?.splits.train.count ?? 10;
  const maxTest = dataset?.splits.test.count ?? 10;
  const labelled = uploads.filter((u) => u.className);
  const neural = headKind === 'linear' ? null : defaultHead(headKind, headSeed);
  if (neural && epochs !== null) neural.training.maxEpochs = epochs;
  const pooling = probePooling(neural, POOLINGS[view.pooling].pooling, grid);
  const uploadClasses = new Set(labelled.map((u) => u.className));
  const trainReason = busy
    ? 'A probe or an extraction is running: wait for it, or press Stop.'
    : !timesteps
      ? `Fix the probe timesteps: whole numbers from 0 to ${maxT(model)}.`
      : source === 'bundled' && !dataset
        ? 'The bundled images are not fed to this model: see the note above.'
        : source === 'uploads' && uploadClasses.size < 2
          ? `Add labelled images of at least 2 classes in Images (${uploadClasses.size === 1 ? 'one class' : 'none'} so far).`
          : null;

  return (
    <div className="probe analysis">
      <div className="analysis-controls">
        <LabelLeak />
        <p className="muted">
          Blocks: <strong>{view.blocks.join(' + ')}</strong> (
          {view.blocks.length > 1 ? 'concatenated' : 'one block'}) · pooling:{' '}
          {neural?.kind === 'attention' ? describePooling(pooling) : POOLINGS[view.pooling].label} · noise
          seed {view.seed}
        </p>
        <div className="row">
          <HeadSelect label="Probe classifier" value={headKind} onChange={setHeadKind} />
        </div>
        {neural && (
          <p className="muted">
            {neural.kind === 'attention'
              ? `Reads each block’s map as tokens (each side average-pooled to at most ${grid}), with a Transformer block; `
              : 'Reads the pooled features with one hidden layer; '}
            trained with AdamW in the worker on TensorFlow.js (WASM). The epoch with the best validation
            accuracy is kept; training stops when it has not improved for {neural.training.patience} epochs. A
            linear probe on the same blocks and t (Regularisation C, Max iterations) is trained after it, to
            say what the head adds.
          </p>
        )}
        <div className="row">
          <label htmlFor={ids.source}>Probe data</label>
          <select
            id={ids.source}
            value={source}
            onChange={(e) => setSource(e.target.value as 'bundled' | 'uploads')}
          >
            <option value="bundled">Bundled data set (seeded split)</option>
            <option value="uploads">
              Your labelled images ({labelled.length} in {uploadClasses.size} classes; 30% held out per class)
            </option>
          </select>
        </div>
        <div className="form-grid">
          <NumberField label="Training images" min={10} max={maxTrain} value={nTrain} onChange={setNTrain} />
          <NumberField label="Test images" min={10} max={maxTest} value={nTest} onChange={setNTest} />
          <NumberField label="Split seed" min={0} max={2 ** 31} value={splitSeed} onChange={setSplitSeed} />
          <label htmlFor={ids.t}>Probe timesteps</label>
          <input
            id={ids.t}
            type="text"
            placeholder={`${view.t} (the current t)`}
            value={tText}
            aria-invalid={!timesteps}
            aria-describedby={`${ids.t}-hint`}
            onChange={(e) => setTText(e.target.value)}
          />
          <NumberField label="Regularisation C" min={0.0001} max={1e6} step="any" value={C} onChange={setC} />
          <NumberField label="Max iterations" min={1} max={2000} value={maxIter} onChange={setMaxIter} />
          {neural && (
            <>
              <NumberField
                label="Max epochs"
                min={1}
                max={1000}
                value={neural.training.maxEpochs}
                onChange={setEpochs}
              />
              <NumberField label="Head seed" min={0} max={2 ** 31} value={headSeed} onChange={setHeadSeed} />
              {neural.kind === 'attention' && (
                <>
                  <label htmlFor={ids.grid}>Token grid</label>
                  <select
                    id={ids.grid}
                    value={grid}
                    onChange={(e) => setGrid(Number(e.target.value) as GridSize)}
                  >
                    {GRID_SIZES.map((s) => (
                      <option key={s} value={s}>
                        each side ≤ {s}
                      </option>
                    ))}
                  </select>
                </>
              )}
            </>
          )}
        </div>
        <p className="muted">
          {VALIDATION_FRACTION * 100}% of the training images of each class
          {source === 'bundled' ? ` (about ${Math.round(nTrain * VALIDATION_FRACTION)} of ${nTrain})` : ''}{' '}
          are held out for validation: the curves and Stop go by them. The test images are evaluated once,
          after training.
        </p>
        <p id={`${ids.t}-hint`} className={timesteps ? 'muted' : 'error-text'}>
          {timesteps
            ? `Features at t = ${timesteps.join(', ')}${timesteps.length > 1 ? ', concatenated' : ''}.`
            : `Timesteps must be whole numbers from 0 to ${maxT(model)}, separated by commas.`}
        </p>
        {source === 'bundled' && !dataset && <NeedsBundledData what="The probe" uploads />}
        <div className="row">
          <ActionButton
            reason={trainReason}
            onClick={() =>
              timesteps &&
              void trainProbeWithBaselines({
                source,
                testFraction: 0.3,
                validationFraction: VALIDATION_FRACTION,
                nTrain,
                nTest,
                splitSeed,
                timesteps,
                C,
                maxIter,
                head: neural,
                grid,
              })
            }
          >
            {neural ? `Train ${HEADS[neural.kind].noun.replace(/^the /, '')}` : 'Train probe'}
          </ActionButton>
          <ActionButton
            reason={busy ? null : 'Nothing to stop: no probe is running.'}
            quiet
            onClick={stopProbe}
          >
            Stop
          </ActionButton>
        </div>
        {run?.problems.length ? (
          <div role="alert" className="notice notice-error">
            <strong>The probe cannot be trained on this data</strong>
            <ul>
              {run.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          </div>
        ) : null}
      </div>
      <div className="analysis-figures">
        {!run && <p className="muted">The training curves and results appear here.</p>}
        {finding && (
          <p className="finding" aria-live="polite">
            {finding}
          </p>
        )}
        {run && <ProbeCurves ref={curves} curve={run.curve} unit={run.head ? 'epoch' : 'L-BFGS iteration'} />}
        {run && run.curve.length > 0 && (
          <div className="row" data-part="exports">
            <SaveChartButtons chart={curves} file="probe-curves" label="Curves" />
          </div>
        )}
        {run && <ProbeResults run={run} />}
      </div>
    </div>
  );
}
