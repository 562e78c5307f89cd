import { useEffect, useId, useRef, useState } from 'react';
import { openLoadedModel, openRandomTwin } from '../../app/commands';
import { useStore } from '../../state/store';
import { NumberField } from '../../ui/NumberField';
import type { ModelInfo } from '../../worker/jobs';
import { downloadTwinReport } from './commands';

/**
 * "Random twin…": the loaded model's random-weights twin — the same graph with every learned
 * weight re-drawn as PyTorch initialises that layer — opened as a model like any other, and, for a
 * twin, its report (what was re-drawn, reset and kept, by name) and the way back to the trained model.
 */
export function TwinDialog({ onClose }: { onClose: () => void }) {
  const model = useStore((s) => s.model);
  const busy = useStore((s) => s.modelStatus === 'loading' || 'model' in s.jobs);
  const [seed, setSeed] = useState(model?.twin ? model.twin.seed + 1 : 0);
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog
      ref={ref}
      className="model-dialog twin-dialog"
      aria-labelledby="twin-dialog-title"
      onClose={onClose}
    >
      <h2 id="twin-dialog-title">Random-weights twin</h2>
      <p>
        The same network with every learned weight re-drawn the way PyTorch initialises that layer (Conv,
        ConvTranspose and Linear weights and biases: U(±1/√fan_in)), normalisations reset to scale 1 and shift
        0, and the constants that were never learned (timestep tables, shapes, scalars) kept. What a probe
        finds in the twin is what the architecture gives without training.
      </p>
      {model?.twin && <TwinReport model={model} />}
      <div className="row">
        <NumberField label="Init seed" min={0} max={0xffffffff} value={seed} onChange={setSeed} />
        <button type="button" disabled={!model || busy} onClick={() => void openRandomTwin(seed)}>
          {model?.twin ? 'Open the twin of this twin' : 'Open the twin'}
        </button>
        {model?.twin && (
          <button
            type="button"
            disabled={busy}
            onClick={() => model.twin && void openLoadedModel(model.twin.of, model.twin.ofName)}
          >
            Back to {model.twin.ofName}
          </button>
        )}
        <button type="button" onClick={() => ref.current?.close()}>
          Close
        </button>
      </div>
    </dialog>
  );
}

/** What the twin re-drew, reset and kept, by tensor name; the whole list in a scrolling table. */
export function TwinReport({ model }: { model: ModelInfo }) {
  const twin = model.twin;
  const captionId = useId();
  if (!twin) return null;
  const { report } = twin;
  const kept = report.entries.filter((e) => e.action === 'kept');
  return (
    <section className="twin-report" aria-labelledby={captionId}>
      <h3 id={captionId}>
        Twin of {twin.ofName}, init seed {twin.seed}
      </h3>
      <p>
        {report.redrawn} tensors re-drawn, {report.reset} reset, {report.kept} kept:{' '}
        {report.values.changed.toLocaleString('en')} of {report.values.total.toLocaleString('en')} values
        changed.
        {kept.length > 0 && <> Kept: {kept.map((e) => `${e.name} (${e.role})`).join(', ')}.</>}
      </p>
      <details>
        <summary>Every tensor: what happened to it and why</summary>
        {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scroll region must be focusable to be scrolled by keyboard */}
        <section className="table-scroll twin-table" aria-label="The twin's tensors" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">tensor</th>
                <th scope="col">shape</th>
                <th scope="col">what</th>
                <th scope="col">role</th>
                <th scope="col">how or why</th>
              </tr>
            </thead>
            <tbody>
              {report.entries.map((e) => (
                <tr key={e.name}>
                  <th scope="row">{e.name}</th>
                  <td>[{e.dims.join(', ')}]</td>
                  <td>{e.action}</td>
                  <td>{e.role}</td>
                  <td>{e.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </details>
      <button type="button" onClick={() => downloadTwinReport(model)}>
        Save the report (JSON)
      </button>
    </section>
  );
}
