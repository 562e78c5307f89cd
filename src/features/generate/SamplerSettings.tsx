import { useId } from 'react';
import type { PredictionVariance } from '../../core/manifest/types';
import type { SamplerOptions, SamplerProblem, X0Processing } from '../../core/sampler/options';
import type { TimestepSpacing } from '../../core/sampler/timesteps';
import type { DataRange } from '../../core/sampler/x0';
import { NumberField } from '../../ui/NumberField';
import { formatRange } from '../../ui/value-range';

const SPACINGS: { value: TimestepSpacing; label: string }[] = [
  { value: 'linspace', label: 'linspace (from T−1 to 0)' },
  { value: 'leading', label: 'leading (diffusers’ DDIM default)' },
  { value: 'trailing', label: 'trailing (from T−1)' },
];

/**
 * The sampler's settings under the Generate row: what happens to x̂_0 (shown, since it decides
 * whether a model's samples look right), then the rest folded under "More sampler settings".
 * Settings a method does not use are hidden. Each field shows the problem with its value.
 */
export function SamplerSettings({
  options,
  onChange,
  problems,
  T,
  range,
  learned,
}: {
  options: SamplerOptions;
  onChange: (patch: Partial<SamplerOptions>) => void;
  problems: readonly SamplerProblem[];
  T: number;
  range: DataRange;
  learned?: PredictionVariance;
}) {
  const ids = { x0: useId(), spacing: useId(), variance: useId() };
  const error = (field: keyof SamplerOptions) => problems.find((p) => p.field === field)?.message;
  const ddim = options.method === 'ddim';
  return (
    <div className="sampler-settings">
      <div className="row">
        <label htmlFor={ids.x0}>x̂₀ at each step</label>
        <select
          id={ids.x0}
          value={options.x0}
          onChange={(e) => onChange({ x0: e.target.value as X0Processing })}
        >
          <option value="clip">Clip to the data range {formatRange(range)}</option>
          <option value="threshold">Dynamic thresholding (Imagen)</option>
          <option value="none">Not clipped (raw x̂₀)</option>
        </select>
        {options.x0 === 'threshold' && (
          <>
            <NumberField
              typed
              label="Percentile"
              value={options.percentile}
              onChange={(percentile) => onChange({ percentile })}
              error={error('percentile')}
              step={0.1}
            />
            <NumberField
              typed
              label="Threshold cap"
              value={options.maxThreshold}
              onChange={(maxThreshold) => onChange({ maxThreshold })}
              error={error('maxThreshold')}
              step={0.1}
            />
          </>
        )}
        {ddim && (
          <NumberField
            typed
            label="η (eta)"
            value={options.eta}
            onChange={(eta) => onChange({ eta })}
            error={error('eta')}
            min={0}
            max={1}
            step={0.1}
          />
        )}
      </div>
      <details className="more-sampler-settings">
        <summary>More sampler settings</summary>
        <div className="row">
          <label htmlFor={ids.spacing}>Timestep spacing</label>
          <select
            id={ids.spacing}
            value={options.spacing}
            onChange={(e) => onChange({ spacing: e.target.value as TimestepSpacing })}
          >
            {SPACINGS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
          {options.spacing === 'leading' && (
            <NumberField
              typed
              label="Steps offset"
              value={options.stepsOffset}
              onChange={(stepsOffset) => onChange({ stepsOffset })}
              error={error('stepsOffset')}
              min={0}
              max={T - 1}
              step={1}
            />
          )}
          {ddim && (
            <>
              <label>
                <input
                  type="checkbox"
                  checked={options.setAlphaToOne}
                  onChange={(e) => onChange({ setAlphaToOne: e.target.checked })}
                />
                Last step to ᾱ = 1 (set_alpha_to_one)
              </label>
              <label>
                <input
                  type="checkbox"
                  checked={options.epsFromX0}
                  onChange={(e) => onChange({ epsFromX0: e.target.checked })}
                  disabled={options.x0 === 'none'}
                />
                ε from the clipped x̂₀ (guided-diffusion)
              </label>
            </>
          )}
          {!ddim &&
            (learned ? (
              <span>Variance σ²: learned by the model ({learned})</span>
            ) : (
              <>
                <label htmlFor={ids.variance}>Variance σ²</label>
                <select
                  id={ids.variance}
                  value={options.variance}
                  onChange={(e) => onChange({ variance: e.target.value as SamplerOptions['variance'] })}
                >
                  <option value="small">β̃ (posterior; fixed_small)</option>
                  <option value="large">β (fixed_large)</option>
                </select>
              </>
            ))}
        </div>
      </details>
    </div>
  );
}
