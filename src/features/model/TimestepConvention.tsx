import { useId } from 'react';
import type { PredictionType, TimestepDtype } from '../../core/manifest/types';
import {
  describeFeed,
  EDM_SIGMA_DATA,
  TIMESTEP_CONVENTIONS,
  type TimestepConvention,
} from '../../core/timestep/convention';
import { conventionMismatch, nameOf } from '../../core/timestep/denoising-check';
import { alphasCumprodOf, useStore } from '../../state/store';
import type { ModelInfo } from '../../worker/jobs';
import { DenoisingChart } from './DenoisingChart';
import { checkImagesReason, runDenoisingCheck } from './timestep-check';

const TYPE_NAME: Record<PredictionType, string> = { epsilon: 'ε', sample: 'x₀', v_prediction: 'v' };

/** The convention select (options an integer timestep cannot take are disabled) and EDM's σ_data. */
export function ConventionFields({
  dtype,
  convention,
  sigmaData,
  onChange,
}: {
  dtype: TimestepDtype;
  convention: TimestepConvention;
  sigmaData: number;
  onChange: (convention: TimestepConvention, sigmaData: number) => void;
}) {
  const ids = { convention: useId(), sigma: useId() };
  const integer = !dtype.startsWith('float');
  return (
    <>
      <label htmlFor={ids.convention}>The timestep input takes</label>
      <select
        id={ids.convention}
        value={convention}
        onChange={(e) => onChange(e.target.value as TimestepConvention, sigmaData)}
      >
        {TIMESTEP_CONVENTIONS.map((c) => (
          <option key={c.id} value={c.id} disabled={integer && !c.integerInput} title={c.examples}>
            {c.label}
            {integer && !c.integerInput ? ` (not for an ${dtype} input)` : ''}
          </option>
        ))}
      </select>
      {convention === 'sigma' && (
        <>
          <label htmlFor={ids.sigma}>σ_data (EDM: 0.5)</label>
          <input
            id={ids.sigma}
            type="number"
            min={0.001}
            step="any"
            value={sigmaData}
            onChange={(e) => {
              const v = Number(e.target.value);
              if (Number.isFinite(v) && v > 0) onChange(convention, v);
            }}
          />
        </>
      )}
    </>
  );
}

/** A convention choice being edited: the convention and EDM's σ_data. */
export interface ConventionValue {
  readonly convention: TimestepConvention;
  readonly sigmaData: number;
}

/** The convention fields and what the view's t would be fed under the choice. */
export function ConventionChooser({
  model,
  value,
  onChange,
}: {
  model: ModelInfo;
  value: ConventionValue;
  onChange: (value: ConventionValue) => void;
}) {
  return (
    <>
      <div className="form-grid">
        <ConventionFields
          dtype={model.manifest.timestep.dtype}
          convention={value.convention}
          sigmaData={value.sigmaData}
          onChange={(convention, sigmaData) => onChange({ convention, sigmaData })}
        />
      </div>
      <FeedPreview model={model} convention={value.convention} sigmaData={value.sigmaData} />
    </>
  );
}

/** "t = 100 fed as σ = 0.34 …" for the view's t under `convention`. */
export function FeedPreview({
  model,
  convention,
  sigmaData = EDM_SIGMA_DATA,
}: {
  model: ModelInfo;
  convention: TimestepConvention;
  sigmaData?: number;
}) {
  const t = useStore((s) => s.view.t);
  const abar = alphasCumprodOf(model.manifest);
  if (t >= abar.length) return null;
  return (
    <p className="muted feed-preview">
      {describeFeed(convention, t, abar.length, abar[t], model.manifest.timestep.dtype, sigmaData)}
    </p>
  );
}

/**
 * "Check by denoising": runs the check, says what it found and how clear the margin was, draws
 * the per-t errors, and offers the recommended convention (with its best reading of the output).
 */
export function DenoisingCheckView({
  model,
  onUse,
  useLabel = 'Use',
  current,
}: {
  model: ModelInfo;
  onUse: (convention: TimestepConvention, type: PredictionType) => void;
  useLabel?: string;
  /** The convention chosen now: no "Use" button when the check recommends it already. */
  current?: TimestepConvention;
}) {
  const check = useStore((s) => (s.timestepCheck?.model === model.hash ? s.timestepCheck : null));
  const running = useStore((s) => 'model-check' in s.jobs);
  const busy = useStore((s) => s.modelStatus === 'loading' || 'model' in s.jobs);
  const noImages = useStore(checkImagesReason);
  const reason = noImages ?? (busy ? 'The model is being opened.' : null);
  const reasonId = useId();
  const result = check?.result;
  // Said against the convention the model is loaded under (the dialog's unsaved choice aside).
  const mismatch = result
    ? conventionMismatch(result.rows, result.verdict, model.manifest.timestep.convention ?? 'index')
    : null;
  const best = result?.verdict.best
    ? result.rows.find((r) => r.convention === result.verdict.best)
    : undefined;
  return (
    <div className="denoising-check">
      <div className="row">
        <button
          type="button"
          disabled={Boolean(reason) || running}
          aria-describedby={reason ? reasonId : undefined}
          onClick={() => void runDenoisingCheck()}
        >
          {running ? 'Checking…' : 'Check by denoising'}
        </button>
        {reason ? (
          <span id={reasonId} className="muted">
            {reason}
          </span>
        ) : (
          !result && (
            <span className="muted">
              runs the model on a few noised images under each convention; the one that denoises is the
              model's
            </span>
          )
        )}
      </div>
      {result && (
        <div className="check-result">
          <div className="check-words">
            <p aria-live="polite" className={result.verdict.clarity === 'clear' ? 'finding' : undefined}>
              {result.verdict.text}
            </p>
            {mismatch && <p className="warning-text">{mismatch}</p>}
            <p className="muted">
              On {check.about}, at t = {result.timesteps.join(', ')}, noise seed{' '}
              {useStore.getState().view.seed}
              {result.skipped.length > 0 &&
                `; ${result.skipped.join(', ')} not tried (an ${model.manifest.timestep.dtype} input takes only integer steps)`}
              .
            </p>
            {best &&
              !(
                best.convention === current &&
                (best.type === model.manifest.prediction.type || best.convention === 'sigma')
              ) && (
                <div className="row">
                  <button
                    type="button"
                    disabled={busy}
                    title={busy ? 'Wait until the model is open.' : undefined}
                    onClick={() => onUse(best.convention, best.type)}
                  >
                    {useLabel} {nameOf(best).split(' = ')[0]}
                    {best.type !== model.manifest.prediction.type && best.convention !== 'sigma'
                      ? `, read as ${TYPE_NAME[best.type]}`
                      : ''}
                  </button>
                  {best.type !== model.manifest.prediction.type && best.convention !== 'sigma' && (
                    <span className="muted">
                      the output reads best as {TYPE_NAME[best.type]}, not{' '}
                      {TYPE_NAME[model.manifest.prediction.type]} as set
                    </span>
                  )}
                </div>
              )}
          </div>
          <DenoisingChart result={result} />
        </div>
      )}
    </div>
  );
}
