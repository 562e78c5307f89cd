import { useId } from 'react';

/**
 * A labelled integer (or decimal, with `step="any"`) field that only reports valid values:
 * input outside [min, max] is clamped, and non-numbers are ignored.
 */
export function NumberField({
  label,
  value,
  onChange,
  min,
  max,
  step = 1,
  hideLabel = false,
}: {
  label: string;
  value: number;
  onChange: (value: number) => void;
  min: number;
  max: number;
  step?: number | 'any';
  hideLabel?: boolean;
}) {
  const id = useId();
  return (
    <>
      <label htmlFor={id} className={hideLabel ? 'visually-hidden' : undefined}>
        {label}
      </label>
      <input
        id={id}
        type="number"
        min={min}
        max={max}
        step={step}
        value={value}
        onChange={(e) => {
          if (e.target.value === '') return;
          const raw = Number(e.target.value);
          if (!Number.isFinite(raw)) return;
          const v = step === 'any' ? raw : Math.round(raw);
          onChange(Math.max(min, Math.min(max, v)));
        }}
      />
    </>
  );
}
