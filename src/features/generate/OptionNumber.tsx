import { useEffect, useId, useState } from 'react';

/**
 * A labelled number field that reports what was typed, even when it is out of range (NaN when it
 * is not a number), so the panel can say what is wrong with it instead of silently clamping it.
 * `error` is shown under it and tied to it (aria-invalid, aria-describedby).
 */
export function OptionNumber({
  label,
  value,
  onChange,
  error,
  min,
  max,
  step = 'any',
}: {
  label: string;
  value: number;
  onChange: (value: number) => void;
  error?: string;
  min?: number;
  max?: number;
  step?: number | 'any';
}) {
  const id = useId();
  const errorId = useId();
  const [text, setText] = useState(String(value));
  // A value set from outside (a method switch resets steps) replaces what was typed.
  useEffect(() => {
    setText((old) =>
      Object.is(Number(old), value) || (old.trim() === '' && Number.isNaN(value)) ? old : String(value),
    );
  }, [value]);
  return (
    <span className="option-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        min={min}
        max={max}
        step={step}
        value={text}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        onChange={(e) => {
          setText(e.target.value);
          onChange(e.target.value.trim() === '' ? Number.NaN : Number(e.target.value));
        }}
      />
      {error && (
        <span id={errorId} className="field-error">
          {error}
        </span>
      )}
    </span>
  );
}
