import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { toBlock } from '../../core/manifest/block';
import type {
  ManifestExtraInput,
  ManifestSchedule,
  PredictionType,
  PredictionVariance,
} from '../../core/manifest/types';
import { formatBytes, WASM_HEAP_BYTES } from '../../core/onnx/memory';
import { presetSchedule, SCHEDULE_PRESETS, type SchedulePresetId, scheduleSteps } from '../../core/schedule';
import { EDM_SIGMA_DATA, type TimestepConvention } from '../../core/timestep/convention';
import { useStore } from '../../state/store';
import { ActionButton } from '../../ui/ActionButton';
import type { BlockCandidate, ModelInfo } from '../../worker/jobs';
import { CandidateGraph } from './CandidateGraph';
import { findCandidateBlocks, reconfigureModel, saveManifest, saveRewrittenOnnx } from './commands';
import { ExtraInputsFields } from './ExtraInputs';
import { editManifest } from './edit-manifest';
import { ConventionChooser, DenoisingCheckView } from './TimestepConvention';

const PREDICTIONS: { id: PredictionType; label: string }[] = [
  { id: 'epsilon', label: 'ε (noise)' },
  { id: 'sample', label: 'x₀ (clean image)' },
  { id: 'v_prediction', label: 'v (velocity)' },
];

const VARIANCES: { id: PredictionVariance; label: string }[] = [
  {
    id: 'learned_range',
    label: 'interpolation of log β and log β̃, in [−1, 1] (guided-diffusion, improved DDPM, DiT)',
  },
  { id: 'learned', label: 'log σ² itself' },
];

type ScheduleChoice = 'manifest' | SchedulePresetId;

const VIEWS = [
  { id: 'table', label: 'As a table' },
  { id: 'graph', label: 'On the graph' },
] as const;

/** The manifest's limit on blocks (docs/manifest.md). */
const MAX_BLOCKS = 256;

/**
 * "Model…": what the loaded model is, every candidate block of its graph with its shape (pick any),
 * its schedule and parameterisation, and the constants fed to its extra inputs. Apply reopens the
 * model with these settings; the manifest (and the ONNX with the block outputs added) can be saved.
 */
export function ModelDialog({ onClose }: { onClose: () => void }) {
  const model = useStore((s) => s.model);
  const busy = useStore((s) => s.modelStatus === 'loading' || 'model' in s.jobs);
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog ref={ref} className="model-dialog" aria-labelledby="model-dialog-title" onClose={onClose}>
      <h2 id="model-dialog-title">Model</h2>
      {model ? (
        <ModelForm model={model} busy={busy} onDone={() => ref.current?.close()} />
      ) : (
        <p>No model is loaded.</p>
      )}
      <div className="row">
        <button type="button" onClick={() => ref.current?.close()}>
          Close
        </button>
      </div>
    </dialog>
  );
}

function ModelForm({ model, busy, onDone }: { model: ModelInfo; busy: boolean; onDone: () => void }) {
  const { manifest, discovery } = model;
  const candidates: BlockCandidate[] = discovery?.candidates ?? [];
  const [picked, setPicked] = useState<Set<string>>(() => new Set(manifest.blocks.map((b) => b.name)));
  const [scheduleChoice, setScheduleChoice] = useState<ScheduleChoice>('manifest');
  const [steps, setSteps] = useState(scheduleSteps(manifest.schedule));
  const [prediction, setPrediction] = useState<PredictionType>(manifest.prediction.type);
  const [variance, setVariance] = useState<PredictionVariance | undefined>(manifest.prediction.variance);
  const [view, setView] = useState<(typeof VIEWS)[number]['id']>('table');
  const [convention, setConvention] = useState<TimestepConvention>(manifest.timestep.convention ?? 'index');
  const [sigmaData, setSigmaData] = useState(manifest.timestep.sigmaData ?? EDM_SIGMA_DATA);
  const [extras, setExtras] = useState<ManifestExtraInput[]>(() => [...(manifest.extraInputs ?? [])]);
  /** .npy files picked for inputs, sent with Apply (the worker reads them). */
  const [inputFiles, setInputFiles] = useState<Record<string, File>>({});
  const classNames = useStore((s) => s.model?.manifest.classes ?? s.dataset?.index.classes ?? []);
  const ids = {
    schedule: useId(),
    steps: useId(),
    prediction: useId(),
    variance: useId(),
    view: useId(),
    applyWhy: useId(),
    stepsWhy: useId(),
  };
  const applyReason = busy
    ? 'Wait until the model is open and its jobs are done.'
    : picked.size === 0
      ? 'Pick at least one block.'
      : picked.size > MAX_BLOCKS
        ? `Pick at most ${MAX_BLOCKS} blocks (${picked.size} are picked).`
        : null;
  const schedule: ManifestSchedule =
    scheduleChoice === 'manifest' ? manifest.schedule : presetSchedule(scheduleChoice, Math.max(1, steps));
  const edited = useMemo(
    () =>
      editManifest(
        manifest,
        candidates,
        {
          blocks: [...picked],
          schedule,
          prediction,
          variance,
          extraValues: {},
          extraInputs: extras,
          convention,
          sigmaData,
        },
        discovery?.skips,
      ),
    [
      manifest,
      candidates,
      picked,
      schedule,
      prediction,
      variance,
      extras,
      convention,
      sigmaData,
      discovery?.skips,
    ],
  );
  const rows: BlockCandidate[] = candidates.length ? candidates : manifest.blocks.map(asCandidate);
  const toggle = (name: string) =>
    setPicked((p) => {
      const next = new Set(p);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });
  return (
    <form
      className="model-form"
      onSubmit={(e) => {
        e.preventDefault();
        const files = Object.entries(inputFiles)
          .filter(([name, f]) => edited.extraInputs?.some((e) => e.name === name && e.data?.file === f.name))
          .map(([, f]) => ({ path: f.name, data: f }));
        void reconfigureModel(edited, files).then((ok) => ok && onDone());
      }}
    >
      <p>
        <strong>{manifest.name}</strong> — {model.fileName}, {manifest.input.channels}×{manifest.input.height}
        ×{manifest.input.width} input, timestep {manifest.timestep.dtype}
        {manifest.timestep.rank !== undefined && manifest.timestep.rank !== 1
          ? ` shaped [${manifest.timestep.rank === 0 ? '' : ['N', ...Array(manifest.timestep.rank - 1).fill(1)].join(', ')}]`
          : ''}
        {model.origin === 'discovered'
          ? '; blocks found in the graph (no manifest)'
          : '; opened with its manifest'}
        .
        {model.memory &&
          ` Needs about ${formatBytes(model.memory.total)} at batch 1 (weights ${formatBytes(model.memory.weightsInRuntime)}, activations ~${formatBytes(model.memory.activations)}).`}
        {model.wasmHeapBytes
          ? ` Once loaded, ONNX Runtime's WASM heap took ${formatBytes(model.wasmHeapBytes)} of the ${formatBytes(WASM_HEAP_BYTES)} it can address.`
          : ''}
        {model.float16 &&
          ' It computes in float16: DiffProbe feeds it float16 and reads its outputs back as float32.'}
        {manifest.prediction.variance &&
          ` The prediction output has 2·C = ${2 * manifest.input.channels} channels: the first C are the prediction, the last C a learned variance.`}
      </p>
      <fieldset>
        <legend>
          Blocks ({picked.size} of {rows.length} picked)
        </legend>
        {!discovery && (
          <p>
            <ActionButton
              reason={busy ? 'Wait until the model is open.' : null}
              onClick={() => void findCandidateBlocks()}
            >
              Find candidate blocks in the graph
            </ActionButton>{' '}
            <span className="muted">lists every tensor of the graph that could be a block (one dry run)</span>
          </p>
        )}
        <div className="row">
          {candidates.length > 0 && (
            <button
              type="button"
              onClick={() => setPicked(new Set(candidates.filter((c) => c.preselected).map((c) => c.name)))}
            >
              Suggested set
            </button>
          )}
          <button type="button" onClick={() => setPicked(new Set(rows.map((c) => c.name)))}>
            All
          </button>
        </div>
        {(discovery?.blockNotes ?? []).map((note) => (
          <p key={note} className="note-text">
            {note[0].toUpperCase() + note.slice(1)}.
          </p>
        ))}
        {candidates.length > 0 && (
          <div className="row view-choice" role="radiogroup" aria-label="Show the candidates">
            {VIEWS.map((v) => (
              <label key={v.id}>
                <input type="radio" name={ids.view} checked={view === v.id} onChange={() => setView(v.id)} />{' '}
                {v.label}
              </label>
            ))}
          </div>
        )}
        {view === 'graph' && candidates.length > 0 ? (
          <CandidateGraph
            candidates={candidates}
            skips={discovery?.skips ?? []}
            picked={picked}
            onToggle={toggle}
          />
        ) : (
          <BlockTable rows={rows} picked={picked} onToggle={toggle} />
        )}
      </fieldset>
      <fieldset className="form-grid">
        <legend>Diffusion</legend>
        <label htmlFor={ids.schedule}>Noise schedule</label>
        <select
          id={ids.schedule}
          value={scheduleChoice}
          onChange={(e) => setScheduleChoice(e.target.value as ScheduleChoice)}
        >
          <option value="manifest">As in the manifest ({describeSchedule(manifest.schedule)})</option>
          {SCHEDULE_PRESETS.map((p) => (
            <option key={p.id} value={p.id} title={p.description}>
              {p.label}
            </option>
          ))}
        </select>
        <label htmlFor={ids.steps}>Timesteps T</label>
        <input
          id={ids.steps}
          type="number"
          min={1}
          max={100000}
          step={1}
          value={steps}
          disabled={scheduleChoice === 'manifest'}
          aria-describedby={scheduleChoice === 'manifest' ? ids.stepsWhy : undefined}
          onChange={(e) => setSteps(Math.round(Number(e.target.value)))}
        />
        {scheduleChoice === 'manifest' && (
          <span id={ids.stepsWhy} className="muted span-all">
            T comes with the manifest’s schedule; choose a preset to set it.
          </span>
        )}
        <label htmlFor={ids.prediction}>The network predicts</label>
        <select
          id={ids.prediction}
          value={convention === 'sigma' ? 'sample' : prediction}
          disabled={convention === 'sigma'}
          aria-describedby={convention === 'sigma' ? `${ids.prediction}-why` : undefined}
          onChange={(e) => setPrediction(e.target.value as PredictionType)}
        >
          {PREDICTIONS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
        {convention === 'sigma' && (
          <span id={`${ids.prediction}-why`} className="muted span-all">
            Under σ, EDM’s c_skip·x + c_out·F is the clean image: the output is read as x₀.
          </span>
        )}
        {variance && (
          <>
            <label htmlFor={ids.variance}>Last C channels (learned variance)</label>
            <select
              id={ids.variance}
              value={variance}
              onChange={(e) => setVariance(e.target.value as PredictionVariance)}
            >
              {VARIANCES.map((v) => (
                <option key={v.id} value={v.id}>
                  {v.label}
                </option>
              ))}
            </select>
          </>
        )}
      </fieldset>
      <fieldset>
        <legend>Timestep</legend>
        <ConventionChooser
          model={model}
          value={{ convention, sigmaData }}
          onChange={(v) => {
            setConvention(v.convention);
            setSigmaData(v.sigmaData);
          }}
        />
        <DenoisingCheckView
          model={model}
          current={convention}
          onUse={(c, type) => {
            setConvention(c);
            if (c !== 'sigma') setPrediction(type);
          }}
        />
      </fieldset>
      {extras.length > 0 && (
        <ExtraInputsFields
          extras={extras}
          classNames={classNames}
          onChange={(entry, file) => {
            setExtras((list) => list.map((e) => (e.name === entry.name ? entry : e)));
            if (file) setInputFiles((f) => ({ ...f, [entry.name]: file }));
          }}
        />
      )}
      <div className="row">
        <button
          type="submit"
          disabled={applyReason !== null}
          aria-describedby={applyReason ? ids.applyWhy : undefined}
        >
          Apply
        </button>
        <button type="button" onClick={() => saveManifest(edited, model.fileName)}>
          Save manifest
        </button>
        <ActionButton
          reason={busy ? 'Wait until the model is open.' : null}
          quiet
          onClick={() => void saveRewrittenOnnx()}
        >
          Save ONNX with block outputs
        </ActionButton>
        {applyReason && (
          <span
            id={ids.applyWhy}
            className={picked.size === 0 || picked.size > MAX_BLOCKS ? 'error-text' : 'disabled-reason'}
          >
            {applyReason}
          </span>
        )}
      </div>
    </form>
  );
}

/** Every candidate with its shape, why it is one and the op that follows it; a checkbox picks it. */
function BlockTable({
  rows,
  picked,
  onToggle,
}: {
  rows: readonly BlockCandidate[];
  picked: ReadonlySet<string>;
  onToggle: (name: string) => void;
}) {
  return (
    <div className="model-blocks-table">
      <table>
        <thead>
          <tr>
            <th scope="col">Use</th>
            <th scope="col">Block (ONNX node)</th>
            <th scope="col">Stage</th>
            <th scope="col">Resolution</th>
            <th scope="col">Channels</th>
            <th scope="col">Why</th>
            <th scope="col">Next op</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => (
            <tr key={c.name} className={c.preselected ? 'suggested' : undefined}>
              <td>
                <input
                  type="checkbox"
                  aria-label={`Use block ${c.name}`}
                  checked={picked.has(c.name)}
                  onChange={() => onToggle(c.name)}
                />
              </td>
              <td className="mono">{c.name}</td>
              <td>
                {c.stage} {c.level}
                {c.preselected && <span className="muted"> · suggested</span>}
              </td>
              <td>
                {c.resolution[0]}×{c.resolution[1]}
              </td>
              <td>{c.channels}</td>
              <td className="muted">{(c.why ?? c.reasons).join('; ')}</td>
              <td>{(c.consumers ?? []).map((o) => o.op).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A manifest block shown in the table when the graph's candidates have not been listed. */
function asCandidate(b: ModelInfo['manifest']['blocks'][number]): BlockCandidate {
  return { ...toBlock(b), reasons: ['in the manifest'], preselected: true };
}

function describeSchedule(s: ManifestSchedule): string {
  switch (s.type) {
    case 'linear':
    case 'scaled_linear':
      return `${s.type.replace('_', '-')} ${s.betaStart} → ${s.betaEnd}, T = ${s.steps}`;
    case 'cosine':
      return `cosine, T = ${s.steps}`;
    default:
      return `ᾱ table, T = ${s.alphasCumprod.length}`;
  }
}
