import { useId, useState } from 'react';
import { bundledDataFor, useStore } from '../../state/store';
import type { PoolingId } from '../../state/view';
import { NumberField } from '../../ui/NumberField';
import { downloadFeatureSet, extractFeatureSet, POOLINGS } from './commands';

/** Pooled features of many images for the selected blocks, t and pooling; Stop keeps what is done. */
export function ExtractControls() {
  const pooling = useStore((s) => s.view.pooling);
  const setPooling = useStore((s) => s.setPooling);
  const selected = useStore((s) => s.view.images);
  const set = useStore((s) => s.featureSet);
  const running = useStore((s) => Boolean(s.jobs.extract));
  const ready = useStore((s) => Boolean(s.model && bundledDataFor(s)));
  const [source, setSource] = useState<'selected' | 'test'>('test');
  const [count, setCount] = useState(1000);
  const [batch, setBatch] = useState(32);
  const ids = { pooling: useId(), source: useId(), count: useId(), batch: useId() };

  const start = () => {
    const imageIds = source === 'selected' ? selected : Array.from({ length: count }, (_, i) => `test:${i}`);
    void extractFeatureSet(imageIds, batch);
  };

  return (
    <fieldset className="extract" data-part="pooling">
      <legend>Pooled features</legend>
      <div className="row">
        <label htmlFor={ids.pooling}>Pooling</label>
        <select id={ids.pooling} value={pooling} onChange={(e) => setPooling(e.target.value as PoolingId)}>
          {Object.entries(POOLINGS).map(([id, p]) => (
            <option key={id} value={id}>
              {p.label}
            </option>
          ))}
        </select>
      </div>
      <div className="row" data-part="extract">
        <NumberField label="Batch size" min={1} max={256} value={batch} onChange={setBatch} />
        <label htmlFor={ids.source}>Extract from</label>
        <select
          id={ids.source}
          value={source}
          onChange={(e) => setSource(e.target.value as 'selected' | 'test')}
        >
          <option value="test">First N test images</option>
          <option value="selected">Selected images ({selected.length})</option>
        </select>
        {source === 'test' && <NumberField label="N" min={1} max={10000} value={count} onChange={setCount} />}
        <button type="button" onClick={start} disabled={!ready || running}>
          Extract features
        </button>
      </div>
      {set && (
        <div className="row" aria-live="polite">
          <span>
            {set.status === 'running' ? 'Extracting' : set.status === 'stopped' ? 'Stopped' : 'Extracted'}:{' '}
            {set.filledCount} of {set.spec.imageIds.length} images ·{' '}
            {set.spec.blocks.map((b) => `${b} (${set.dims[b] ?? '…'} dims)`).join(', ')} · t = {set.spec.t}
            {set.status === 'stopped' && ` · kept ${set.filledCount}`}
          </span>
          <button
            type="button"
            onClick={() => downloadFeatureSet('features')}
            disabled={set.filledCount === 0}
          >
            Download features (.npy)
          </button>
          <button type="button" onClick={() => downloadFeatureSet('labels')} disabled={set.filledCount === 0}>
            Download labels (.npy)
          </button>
          <button type="button" onClick={() => downloadFeatureSet('json')} disabled={set.filledCount === 0}>
            Download features with ids (JSON)
          </button>
        </div>
      )}
    </fieldset>
  );
}
