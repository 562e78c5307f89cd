/**
 * @file ETA estimation for long jobs. Uses the rate over a sliding window of recent updates, so a
 * slow first batch (shader compilation, cache warm-up) does not dominate the estimate.
 */

export class EtaEstimator {
  private readonly history: { t: number; done: number }[] = [];

  constructor(
    private readonly now: () => number = () => Date.now(),
    private readonly window = 8,
  ) {}

  /** Records progress and returns the estimated milliseconds left, or null when not yet known. */
  update(done: number, total: number): number | null {
    const t = this.now();
    const last = this.history[this.history.length - 1];
    if (!last || done > last.done) this.history.push({ t, done });
    if (this.history.length > this.window) this.history.shift();
    if (done >= total) return 0;
    const first = this.history[0];
    const newest = this.history[this.history.length - 1];
    if (this.history.length < 2 || newest.done <= first.done || newest.t <= first.t) return null;
    const rate = (newest.done - first.done) / (newest.t - first.t);
    return Math.max(0, Math.round((total - done) / rate));
  }
}

/** "1 min 05 s", "12 s", "<1 s": for progress bars and the CLI. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return '<1 s';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
