import { useId, useMemo, useState } from 'react';
import { modelInputToHwc8 } from '../../core/image/convert';
import {
  DEFAULT_SAMPLER_OPTIONS,
  type SamplerMethod,
  type SamplerOptions,
  samplerProblems,
} from '../../core/sampler/options';
import { maxT, useStore } from '../../state/store';
import { NumberField } from '../../ui/NumberField';
import { PixelCanvas } from '../../ui/PixelCanvas';
import { describeOutOfRange } from '../../ui/value-range';
import { type GeneratedSamples, generateSamples, saveSamplesJson, saveSamplesPng } from './commands';

import { SamplerSettings } from './SamplerSettings';
import { describeX0 } from './summary';
import { X0RangeChart } from './X0RangeChart';

/** DDIM's step count in the panel: quick enough for a demo on WASM. */
const DDIM_STEPS = 25;

/**
 * "Generate": samples from the model by the reference samplers' rules, shown live as x̂₀ sharpens
 * step by step, with x̂₀'s range at each step so a model that needs clipping is visible as such.
 */
export function GeneratePanel() {
  const model = useStore((s) => s.model);
  const running = useStore((s) => Boolean(s.jobs.generate));
  const [options, setOptions] = useState<SamplerOptions>({ ...DEFAULT_SAMPLER_OPTIONS, steps: DDIM_STEPS });
  const [count, setCount] = useState(8);
  const [seed, setSeed] = useState(0);
  const methodId = useId();
  // In the store, not here: the samples belong to the model that made them (set aside on a model change).
  const frame = useStore((s) => s.generated);
  const T = model ? maxT(model) + 1 : 1;
  const problems = useMemo(() => samplerProblems(options, T), [options, T]);
  if (!model) return null;
  const { range } = model.manifest.input;
  const patch = (p: Partial<SamplerOptions>) => setOptions((o) => ({ ...o, ...p }));
  const setMethod = (method: SamplerMethod) =>
    // DDPM is the full ancestral sampler by default (every timestep); DDIM goes back to a short run.
    patch({ method, steps: method === 'ddpm' ? T : DDIM_STEPS });

  return (
    <fieldset className="generate" data-part="generate">
      <legend>Generate</legend>
      <div className="row">
        <label htmlFor={methodId}>Sampler</label>
        <select
          id={methodId}
          value={options.method}
          onChange={(e) => setMethod(e.target.value as SamplerMethod)}
        >
          <option value="ddim">DDIM</option>
          <option value="ddpm">DDPM (ancestral)</option>
        </select>
        <NumberField
          typed
          label="Steps"
          value={options.steps}
          onChange={(steps) => patch({ steps })}
          error={problems.find((p) => p.field === 'steps')?.message}
          min={1}
          max={T}
          step={1}
        />
        <NumberField label="Number of images" min={1} max={64} value={count} onChange={setCount} />
        <NumberField label="Sample seed" min={0} max={2 ** 31} value={seed} onChange={setSeed} />
        <button
          type="button"
          onClick={() => void generateSamples({ count, seed, options })}
          disabled={running || problems.length > 0}
        >
          Generate
        </button>
      </div>
      <SamplerSettings
        options={options}
        onChange={patch}
        problems={problems}
        T={T}
        range={range}
        learned={model.manifest.prediction.variance}
      />
      {frame && frame.run.model === model.id && <Gallery frame={frame} />}
    </fieldset>
  );
}

function Gallery({ frame }: { frame: GeneratedSamples }) {
  const model = useStore((s) => s.model)!;
  const { channels, height, width, range } = model.manifest.input;
  const pixels = channels * height * width;
  const { options } = frame.run;
  const method = options.method === 'ddim' ? 'DDIM' : 'DDPM';
  const finalRange = frame.final ? describeOutOfRange(frame.images, range, 'The samples run') : null;
  return (
    <>
      <p aria-live="polite">
        {frame.final
          ? `Done: ${frame.steps} ${method} steps.`
          : `Step ${frame.step} of ${frame.steps} (t = ${frame.t}): predicted x̂₀${options.x0 === 'none' ? '' : ` (${options.x0 === 'clip' ? 'clipped' : 'thresholded'})`}`}
        {frame.failed && ` Stopped at step ${frame.step + 1}: ${frame.failed}`}
      </p>
      <ul className="gallery" aria-label="Generated images">
        {Array.from({ length: frame.images.length / pixels }, (_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: images are identified by their slot in the batch
          <li key={i}>
            <PixelCanvas
              bytes={modelInputToHwc8(
                frame.images.subarray(i * pixels, (i + 1) * pixels),
                channels,
                height,
                width,
                range,
              )}
              width={width}
              height={height}
              channels={channels}
              size={56}
              label={`Generated image ${i + 1}`}
            />
          </li>
        ))}
      </ul>
      <p className="x0-summary">{describeX0(frame.stats, range, options, frame.steps)}</p>
      {finalRange && <p className="x0-summary">{finalRange}</p>}
      <X0RangeChart
        stats={frame.stats}
        timesteps={frame.timesteps}
        range={range}
        planned={frame.steps}
        table={frame.final || Boolean(frame.failed)}
      />
      <div className="row">
        <button type="button" onClick={() => saveSamplesJson(frame)} disabled={!frame.final && !frame.failed}>
          Save samples (JSON)
        </button>
        <button
          type="button"
          onClick={() => void saveSamplesPng(frame)}
          disabled={!frame.final && !frame.failed}
        >
          Save samples (PNG)
        </button>
      </div>
    </>
  );
}
