import { useId, useRef, useState } from 'react';
import { describeCka, repLabel } from '../../pipeline/cka-spec';
import { MAX_GRAM_IMAGES } from '../../pipeline/grams';
import { bundledDataFor, maxT, useStore } from '../../state/store';
import { DataTable } from '../../ui/DataTable';
import { FileButton } from '../../ui/FileButton';
import { MatrixHeatmap } from '../../ui/MatrixHeatmap';
import { NumberField } from '../../ui/NumberField';
import { SaveChartButtons } from '../../ui/SaveChartButtons';
import { POOLINGS } from '../extraction/commands';
import { parseTimesteps } from '../probe/commands';
import {
  type CkaFeatures,
  type CkaSettings,
  downloadCka,
  openCompanionFiles,
  runCkaComparison,
} from './commands';
import { ckaFigure, reasonText } from './figure';

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

const VIEWS: { id: CkaSettings['view']; label: string }[] = [
  { id: 'blocks', label: 'Blocks × blocks at one t' },
  { id: 'timesteps', label: 'Timesteps × timesteps for one block' },
  { id: 'models', label: 'This model’s blocks × a second model’s' },
];

/**
 * Representational similarity: linear CKA between the blocks of the model at one t, between the
 * timesteps of one block, or between this model's blocks and a second model's (its random-weights
 * twin, or another model opened here). A heatmap with the value under the pointer, the numbers as
 * a table, and CSV / JSON (with the full spec) / SVG / PNG.
 */
export function CkaPanel() {
  const model = useStore((s) => s.model);
  const dataset = useStore(bundledDataFor);
  const viewT = useStore((s) => s.view.t);
  const selected = useStore((s) => s.view.blocks);
  const companions = useStore((s) => s.companions);
  const matrix = useStore((s) => s.cka);
  const job = useStore((s) => s.jobs.cka);
  const busy = useStore((s) => Object.keys(s.jobs).some((k) => k !== 'model'));
  const [view, setView] = useState<CkaSettings['view']>('blocks');
  const [tText, setTText] = useState('');
  const [tsText, setTsText] = useState('0, 10, 50, 100, 200, 500');
  const [which, setWhich] = useState<'all' | 'selected'>('all');
  const [other, setOther] = useState('twin');
  const [twinSeed, setTwinSeed] = useState(0);
  const [features, setFeatures] = useState<CkaFeatures>('avg');
  const [estimator, setEstimator] = useState<CkaSettings['estimator']>('biased');
  const [count, setCount] = useState(500);
  const figure = useRef<SVGSVGElement>(null);
  const ids = {
    view: useId(),
    t: useId(),
    ts: useId(),
    which: useId(),
    other: useId(),
    features: useId(),
    est: useId(),
  };
  if (!model || !dataset) return <p className="muted">CKA needs the model and the bundled data.</p>;
  const names = model.manifest.blocks.map((b) => b.name);
  const blocks = which === 'all' ? names : names.filter((b) => selected.includes(b));
  const oneT = parseTimesteps(tText || String(viewT), maxT(model));
  const timesteps =
    view === 'timesteps' ? parseTimesteps(tsText, maxT(model)) : oneT && oneT.length === 1 ? oneT : null;
  const block = selected[0] ?? names[0];
  const maxImages =
    features === 'maps' ? Math.min(MAX_GRAM_IMAGES, dataset.splits.test.count) : dataset.splits.test.count;
  const others = companions.filter((c) => c.id !== model.id);
  const settings: CkaSettings = {
    view,
    blocks: view === 'timesteps' ? [block] : blocks,
    timesteps: timesteps ?? [],
    other: other === 'twin' ? { kind: 'twin', seed: twinSeed } : { kind: 'loaded', id: other },
    features,
    estimator,
    count: Math.min(count, maxImages),
    imageSeed: 0,
  };
  const ready = Boolean(timesteps?.length) && settings.blocks.length > 0;
  const spec = matrix?.spec;
  const undefinedCount = matrix ? matrix.reasons.flat().filter(Boolean).length : 0;
  return (
    <div className="cka analysis">
      <div className="analysis-controls">
        <div className="form-grid">
          <label htmlFor={ids.view}>Compare</label>
          <select id={ids.view} value={view} onChange={(e) => setView(e.target.value as CkaSettings['view'])}>
            {VIEWS.map((v) => (
              <option key={v.id} value={v.id}>
                {v.label}
              </option>
            ))}
          </select>
          {view === 'timesteps' ? (
            <>
              <label htmlFor={ids.ts}>CKA timesteps</label>
              <input
                id={ids.ts}
                type="text"
                value={tsText}
                aria-invalid={!timesteps}
                aria-describedby={`${ids.ts}-block`}
                onChange={(e) => setTsText(e.target.value)}
              />
            </>
          ) : (
            <>
              <label htmlFor={ids.t}>CKA timestep</label>
              <input
                id={ids.t}
                type="text"
                inputMode="numeric"
                value={tText || String(viewT)}
                aria-invalid={!timesteps}
                onChange={(e) => setTText(e.target.value)}
              />
              <label htmlFor={ids.which}>CKA blocks</label>
              <select
                id={ids.which}
                value={which}
                onChange={(e) => setWhich(e.target.value as 'all' | 'selected')}
              >
                <option value="all">All {names.length} blocks</option>
                <option value="selected">Selected blocks ({selected.length})</option>
              </select>
            </>
          )}
          {view === 'models' && (
            <>
              <label htmlFor={ids.other}>Second model</label>
              <select id={ids.other} value={other} onChange={(e) => setOther(e.target.value)}>
                <option value="twin">Its random-weights twin</option>
                {others.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.manifest.name}
                  </option>
                ))}
              </select>
              {other === 'twin' && (
                <NumberField
                  label="Twin init seed"
                  min={0}
                  max={0xffffffff}
                  value={twinSeed}
                  onChange={setTwinSeed}
                />
              )}
            </>
          )}
          <label htmlFor={ids.features}>CKA features</label>
          <select
            id={ids.features}
            value={features}
            onChange={(e) => setFeatures(e.target.value as CkaFeatures)}
          >
            {(['avg', 'max', 'avg2', 'avg4'] as const).map((p) => (
              <option key={p} value={p}>
                {POOLINGS[p].label} pooling
              </option>
            ))}
            <option value="maps">Full maps (n×n Gram matrices, at most {MAX_GRAM_IMAGES} images)</option>
          </select>
          <label htmlFor={ids.est}>HSIC estimator</label>
          <select
            id={ids.est}
            value={estimator}
            onChange={(e) => setEstimator(e.target.value as CkaSettings['estimator'])}
          >
            <option value="biased">Biased (Kornblith et al. 2019)</option>
            <option value="debiased">Debiased (Song et al. 2012)</option>
          </select>
          <NumberField
            label="CKA images"
            min={1}
            max={maxImages}
            value={Math.min(count, maxImages)}
            onChange={setCount}
          />
        </div>
        {view === 'timesteps' && (
          <p id={`${ids.ts}-block`} className="muted">
            Block: <strong>{block}</strong> (the first selected block).
          </p>
        )}
        {!timesteps && (
          <p className="error-text">
            {view === 'timesteps'
              ? `Timesteps must be whole numbers from 0 to ${maxT(model)}, separated by commas.`
              : `The timestep must be one whole number from 0 to ${maxT(model)}.`}
          </p>
        )}
        <div className="row">
          <button type="button" disabled={busy || !ready} onClick={() => void runCkaComparison(settings)}>
            Compute CKA
          </button>
          <button type="button" disabled={!job} onClick={() => job?.cancel()}>
            Stop CKA
          </button>
          {view === 'models' && (
            <FileButton
              label="Open a second model…"
              accept=".onnx,.json,.data,.bin,.onnx_data,application/json"
              onFiles={(files) => {
                if (files.length) void openCompanionFiles(files).then((info) => info && setOther(info.id));
              }}
            />
          )}
        </div>
        <p className="muted">
          CKA is 1 when two representations of the same images agree up to a rotation and a scale, and near 0
          when they share nothing linear. Images: {Math.min(count, maxImages)} of the bundled test split,
          every class in proportion.
        </p>
      </div>
      <div className="analysis-figures">
        {!matrix && <p className="muted">The heatmap appears here once CKA runs.</p>}
        {matrix && spec && (
          <>
            <p aria-live="polite">
              {matrix.status === 'running'
                ? 'Running…'
                : matrix.status === 'stopped'
                  ? 'Stopped; the values computed so far are kept.'
                  : matrix.status === 'failed'
                    ? 'Failed.'
                    : `Done in ${matrix.ckaSeconds?.toFixed(2)} s after extraction (${matrix.route === 'gram' ? 'through n×n Gram matrices' : 'in feature space'}).`}{' '}
              {capitalise(describeCka(spec))}.
            </p>
            {undefinedCount > 0 && (
              <p className="warning-text">
                {undefinedCount} value{undefinedCount > 1 ? 's are' : ' is'}{' '}
                {reasonText(matrix.reasons.flat().find(Boolean) ?? 'constant')}; they are left empty, not NaN.
              </p>
            )}
            <MatrixHeatmap ref={figure} spec={ckaFigure(matrix)} className="cka-heatmap" />
            <DataTable
              summary="CKA values as a table"
              caption={describeCka(spec)}
              columns={['', ...spec.cols.map((r) => repLabel(spec, r))]}
              rows={spec.rows.map((r, i) => ({
                key: `${r.model}:${r.block}:${r.t}`,
                header: repLabel(spec, r),
                cells: matrix.values[i].map((v, j) =>
                  v !== null ? v.toFixed(4) : matrix.reasons[i][j] ? 'undefined' : '—',
                ),
              }))}
            />
            <div className="row" data-part="exports">
              <button type="button" onClick={() => downloadCka('csv')}>
                CKA CSV
              </button>
              <button type="button" onClick={() => downloadCka('json')}>
                CKA JSON
              </button>
              <SaveChartButtons chart={figure} file="cka-heatmap" label="CKA heatmap" />
            </div>
          </>
        )}
      </div>
    </div>
  );
}
