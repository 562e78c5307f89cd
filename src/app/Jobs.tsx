import { useStore } from '../state/store';
import { ProgressBar } from '../ui/ProgressBar';

/** Every running worker job, with progress, ETA and Stop. */
export function Jobs() {
  const jobs = useStore((s) => s.jobs);
  const entries = Object.entries(jobs);
  if (!entries.length) return null;
  return (
    <section className="jobs" aria-label="Running jobs">
      {entries.map(([key, job]) => (
        <ProgressBar key={key} label={job.label} progress={job.progress} onStop={job.cancel} />
      ))}
    </section>
  );
}
