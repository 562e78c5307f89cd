import { useEffect, useId, useRef, useState } from 'react';
import { openModelFiles } from '../../app/commands';
import { getState, useStore } from '../../state/store';

/** Asks which input is the noisy image when a graph has several 4-D float inputs, then opens it. */
export function ImageInputChoice() {
  const pending = useStore((s) => s.pendingChoice);
  if (!pending) return null;
  return (
    <ChoiceDialog key={pending.imageInputs.join('|')} files={pending.files} inputs={pending.imageInputs} />
  );
}

function ChoiceDialog({ files, inputs }: { files: File[]; inputs: string[] }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [choice, setChoice] = useState(inputs[0]);
  const name = useId();
  useEffect(() => {
    if (ref.current && !ref.current.open) ref.current.showModal();
  }, []);
  const close = () => getState().setPendingChoice(null);
  const model = files.find((f) => /\.onnx$/i.test(f.name))?.name ?? 'the model';
  return (
    <dialog ref={ref} aria-labelledby={`${name}-title`} onClose={close}>
      <h2 id={`${name}-title`}>Which input is the image?</h2>
      <p>
        {model} has {inputs.length} inputs shaped like an image (4-D float, NCHW). Pick the one that takes the
        noisy image x<sub>t</sub>; the others are fed a constant you can change under “Model…”.
      </p>
      <form
        method="dialog"
        onSubmit={() => {
          close();
          void openModelFiles(files, choice);
        }}
      >
        <fieldset>
          <legend>Image input</legend>
          {inputs.map((input) => (
            <label key={input} className="radio">
              <input
                type="radio"
                name={name}
                value={input}
                checked={choice === input}
                onChange={() => setChoice(input)}
              />{' '}
              <span className="mono">{input}</span>
            </label>
          ))}
        </fieldset>
        <div className="row">
          <button type="submit">Open with this input</button>
          <button type="button" onClick={() => ref.current?.close()}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
