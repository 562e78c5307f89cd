/**
 * @file Progress on stderr: a bar redrawn in place on a terminal, plain lines (at most one every
 * few seconds, and at the end) when stderr is a file or a pipe — a batch job's log stays readable.
 * ETA from core/progress (the same estimator as the app's progress bars).
 */
import { EtaEstimator, formatDuration } from '../core/progress';

export interface ProgressSink {
  write(text: string): void;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface Progress {
  /** `done` of `total` units, with a short note ("t=100", "412 from cache"). */
  update(done: number, note?: string): void;
  /** Ends the bar (a newline on a terminal; a final line otherwise). */
  finish(note?: string): void;
}

export interface ProgressOptions {
  /** Silence (--quiet). */
  quiet?: boolean;
  /** Minimum milliseconds between plain lines. */
  lineEveryMs?: number;
  now?: () => number;
}

/** A progress display for `total` units of `unit` ("images", "cells") labelled `label`. */
export function createProgress(
  sink: ProgressSink,
  label: string,
  total: number,
  unit: string,
  options: ProgressOptions = {},
): Progress {
  if (options.quiet) return { update() {}, finish() {} };
  const now = options.now ?? (() => Date.now());
  const eta = new EtaEstimator(now);
  const started = now();
  const lineEvery = options.lineEveryMs ?? 5000;
  let lastLine = Number.NEGATIVE_INFINITY;
  let lastDone = 0;
  let lastNote = '';
  const tty = sink.isTTY === true;

  const summary = (done: number, note: string) => {
    const elapsed = (now() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const left = eta.update(done, total);
    const parts = [
      `${done}/${total} ${unit}`,
      rate > 0 ? `${rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)} ${unit}/s` : '',
      left === null || done >= total ? '' : `ETA ${formatDuration(left)}`,
      note,
    ].filter(Boolean);
    return parts.join(' · ');
  };

  return {
    update(done, note = lastNote) {
      lastDone = done;
      lastNote = note;
      const text = summary(done, note);
      if (tty) {
        const width = Math.max(10, Math.min(30, (sink.columns ?? 80) - text.length - label.length - 12));
        const filled = total > 0 ? Math.round((width * Math.min(done, total)) / total) : width;
        const pct = total > 0 ? Math.floor((100 * Math.min(done, total)) / total) : 100;
        sink.write(
          `\r\x1b[2K${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${text}`,
        );
        return;
      }
      const t = now();
      if (t - lastLine < lineEvery) return;
      lastLine = t;
      sink.write(`${label}: ${text}\n`);
    },
    finish(note) {
      const seconds = ((now() - started) / 1000).toFixed(1);
      const end = `${label}: ${lastDone}/${total} ${unit} in ${seconds} s${note ? ` · ${note}` : ''}`;
      sink.write(tty ? `\r\x1b[2K${end}\n` : `${end}\n`);
    },
  };
}
