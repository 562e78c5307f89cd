import { formatDuration } from '../core/progress';
import type { Progress } from '../worker/protocol';

/** A labelled progress bar with done/total, ETA and a Stop button. */
export function ProgressBar({
  label,
  progress,
  onStop,
}: {
  label: string;
  progress: Progress | null;
  onStop?: () => void;
}) {
  const done = progress?.done ?? 0;
  const total = progress?.total ?? 0;
  const eta =
    progress?.etaMs != null && done < total ? ` · about ${formatDuration(progress.etaMs)} left` : '';
  return (
    <div className="progress">
      <span className="progress-label">
        {label}
        {total > 0 ? ` — ${done}/${total}${eta}` : ''}
        {progress?.note ? ` (${progress.note})` : ''}
      </span>
      <progress aria-label={label} max={total || 1} value={total ? done : undefined} />
      {onStop && (
        <button type="button" onClick={onStop} aria-label={`Stop ${label}`}>
          Stop
        </button>
      )}
    </div>
  );
}
