import { useEffect, useId, useState } from 'react';

/**
 * A labelled integer (or decimal, with `step="any"`) field. By default it only reports valid
 * values: input outside [min, max] is clamped, and non-numbers are ignored. With `typed` it reports
 * what was typed as it is (NaN when it is not a number), so that the caller can say what is wrong
 * with it (`error`, shown under the field and tied to it) instead of silently clamping it.
 */
export function NumberField({
  label,
  value,
  onChange,
  min,
  max,
  step = 1,
  hideLabel = false,
  typed = false,
  error,
}: {
  label: string;
  value: number;
  onChange: (value: number) => void;
  min?: number;
  max?: number;
  step?: number | 'any';
  hideLabel?: boolean;
  typed?: boolean;
  error?: string;
}) {
  const id = useId();
  const errorId = useId();
  // Typed mode keeps the text (a half-typed "-" or "0." stays); a value set from outside replaces it.
  const [text, setText] = useState(String(value));
  useEffect(() => {
    setText((old) =>
      Object.is(Number(old), value) || (old.trim() === '' && Number.isNaN(value)) ? old : String(value),
    );
  }, [value]);
  const input = (
    <input
      id={id}
      type="number"
      min={min}
      max={max}
      step={step}
      value={typed ? text : value}
      aria-invalid={error ? true : undefined}
      aria-describedby={error ? errorId : undefined}
      onChange={(e) => {
        if (typed) {
          setText(e.target.value);
          onChange(e.target.value.trim() === '' ? Number.NaN : Number(e.target.value));
          return;
        }
        if (e.target.value === '') return;
        const raw = Number(e.target.value);
        if (!Number.isFinite(raw)) return;
        const v = step === 'any' ? raw : Math.round(raw);
        onChange(Math.max(min ?? -Infinity, Math.min(max ?? Infinity, v)));
      }}
    />
  );
  const labelElement = (
    <label htmlFor={id} className={hideLabel ? 'visually-hidden' : undefined}>
      {label}
    </label>
  );
  if (!typed && !error)
    return (
      <>
        {labelElement}
        {input}
      </>
    );
  return (
    <span className="option-field">
      {labelElement}
      {input}
      {error && (
        <span id={errorId} className="field-error">
          {error}
        </span>
      )}
    </span>
  );
}
