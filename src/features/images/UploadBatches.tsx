import { useId } from 'react';
import type { InvertMode } from '../../core/image/polarity';
import { summarisePolarity } from '../../core/image/polarity';
import { invertModeFor } from '../../data/uploads';
import { useStore } from '../../state/store';
import { setBatchInvert } from './commands';

const CHOICES: { value: InvertMode; label: string }[] = [
  { value: 'auto', label: 'Auto: invert light backgrounds' },
  { value: 'always', label: 'Invert every image' },
  { value: 'never', label: 'Invert none' },
];

/**
 * One line per batch of added images (a folder, a pick of files, a paste): how many were inverted
 * and why, and a choice that overrides the polarity for the whole batch.
 */
export function UploadBatches() {
  const batches = useStore((s) => s.uploadBatches);
  const uploads = useStore((s) => s.uploads);
  const model = useStore((s) => s.model);
  const baseId = useId();
  if (!batches.length || !model) return null;
  return (
    <ul className="upload-batches" aria-label="Polarity of your images">
      {batches.map((b, i) => {
        const mine = uploads.filter((u) => u.batch === b.id);
        const decided = mine.flatMap((u) => (u.status === 'ready' && u.polarity ? [u.polarity] : []));
        const waiting = mine.filter((u) => u.status === 'converting').length;
        const id = `${baseId}-${i}`;
        return (
          <li key={b.id}>
            <p>
              <strong>{b.label}</strong>{' '}
              <span aria-live="polite">
                {waiting
                  ? `converting ${waiting}…`
                  : decided.length
                    ? summarisePolarity(decided)
                    : 'none usable'}
              </span>
            </p>
            <label htmlFor={id}>Polarity</label>
            <select
              id={id}
              aria-label={`Polarity of ${b.label}`}
              value={invertModeFor(model.manifest, b)}
              onChange={(e) => void setBatchInvert(b.id, e.target.value as InvertMode)}
            >
              {CHOICES.map((c) => (
                <option key={c.value} value={c.value}>
                  {c.label}
                  {c.value === model.manifest.preprocessing.invert ? ' (model’s default)' : ''}
                </option>
              ))}
            </select>
          </li>
        );
      })}
    </ul>
  );
}
