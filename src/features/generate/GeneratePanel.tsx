import { useState } from 'react';
import { samplingLabelProblem } from '../../core/conditioning/extra-feeds';
import { modelInputToHwc8 } from '../../core/image/convert';
import { useStore } from '../../state/store';
import { ActionButton } from '../../ui/ActionButton';
import { NumberField } from '../../ui/NumberField';
import { PixelCanvas } from '../../ui/PixelCanvas';
import { generateSamples } from './commands';

/** "Generate": DDIM samples from the model, shown live as x̂_0 sharpens step by step. */
export function GeneratePanel() {
  const model = useStore((s) => s.model);
  const running = useStore((s) => Boolean(s.jobs.generate));
  const [steps, setSteps] = useState(25);
  const [count, setCount] = useState(8);
  const [seed, setSeed] = useState(0);
  // In the store, not here: the samples belong to the model that made them (set aside on a model change).
  const frame = useStore((s) => s.generated);
  if (!model) return null;
  const { channels, height, width, range } = model.manifest.input;
  const pixels = channels * height * width;

  return (
    <fieldset className="generate" data-part="generate">
      <legend>Generate</legend>
      <div className="row">
        <NumberField label="DDIM steps" min={1} max={1000} value={steps} onChange={setSteps} />
        <NumberField label="Number of images" min={1} max={64} value={count} onChange={setCount} />
        <NumberField label="Sample seed" min={0} max={2 ** 31} value={seed} onChange={setSeed} />
        <ActionButton
          onClick={() => void generateSamples({ count, steps, seed })}
          reason={
            running
              ? 'Sampling is running (Stop it in the progress bar).'
              : samplingLabelProblem(model.manifest.extraInputs, 'under Model…')
          }
        >
          Generate
        </ActionButton>
      </div>
      {frame && (
        <>
          <p aria-live="polite">
            {frame.final
              ? `Done: ${frame.steps} steps.`
              : `Step ${frame.step} of ${frame.steps} (t = ${frame.t}): predicted x̂₀`}
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
        </>
      )}
    </fieldset>
  );
}
