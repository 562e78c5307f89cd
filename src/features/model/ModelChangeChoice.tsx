import { useEffect, useId, useRef } from 'react';
import { useStore } from '../../state/store';

/**
 * Another model is about to open while a probe, sweep, embedding or extraction runs on the current
 * one: stop it and open the model, let it finish and open the model then, or keep the current
 * model. Escape (or closing the dialog) keeps the current model.
 */
export function ModelChangeChoice() {
  const pending = useStore((s) => s.modelChangeChoice);
  if (!pending) return null;
  return <ChoiceDialog key={`${pending.running}|${pending.target}`} {...pending} />;
}

function ChoiceDialog({
  running,
  target,
  choose,
}: {
  running: string;
  target: string;
  choose: (choice: 'stop' | 'wait' | 'keep') => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const answered = useRef(false);
  const id = useId();
  const model = useStore((s) => s.model?.manifest.name ?? 'the current model');
  useEffect(() => {
    if (ref.current && !ref.current.open) ref.current.showModal();
  }, []);
  const answer = (choice: 'stop' | 'wait' | 'keep') => {
    if (answered.current) return;
    answered.current = true;
    choose(choice);
    ref.current?.close();
  };
  const what = running.charAt(0).toUpperCase() + running.slice(1);
  return (
    <dialog
      ref={ref}
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-text`}
      onClose={() => answer('keep')}
    >
      <h2 id={`${id}-title`}>{what} is running</h2>
      <p id={`${id}-text`}>
        {what} is computing on {model}. Its results belong to that model: whatever you choose, they stay with
        it and come back when you open it again.
      </p>
      <div className="row">
        <button type="button" onClick={() => answer('stop')}>
          Stop it and open the model
        </button>
        <button type="button" onClick={() => answer('wait')}>
          Let it finish, then open the model
        </button>
        <button type="button" onClick={() => answer('keep')}>
          Keep the current model
        </button>
      </div>
      <p className="muted">Opening: {target}</p>
    </dialog>
  );
}
