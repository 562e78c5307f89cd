import { useId } from 'react';
import { HEAD_KINDS, HEADS, type HeadKind } from '../../core/heads/spec';

/** The classifier a probe or a sweep trains: the linear probe or one of the heads (core/heads). */
export function HeadSelect({
  label,
  value,
  onChange,
}: {
  label: string;
  value: HeadKind;
  onChange: (kind: HeadKind) => void;
}) {
  const id = useId();
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as HeadKind)}>
        {HEAD_KINDS.map((k) => (
          <option key={k} value={k}>
            {HEADS[k].label}
          </option>
        ))}
      </select>
    </>
  );
}
