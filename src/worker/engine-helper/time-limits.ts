/**
 * @file How long the engine helper may take to answer before it counts as hung. A helper that stops
 * answering (a wedged WASM instance, a runaway allocation) must not stall extraction: past its time
 * limit its batch goes back to the compute worker's own engine, and the helper is ended.
 *
 * The limits are measured, not fixed: a sub-graph's {@link Pace} holds the slowest time per image
 * either engine has taken for it on this machine (and the slowest session creation), and a call may
 * take `factor` times that, never less than `floorMs`. A slow machine or a big model thus gets long
 * limits by itself; a fixed number would either cut a slow laptop's honest batches or leave a hung
 * helper waiting for minutes on a fast one. Before anything is measured (the first batch of a new
 * sub-graph runs on both engines at once) the limit is `unknownMs`, re-checked every second, so it
 * tightens as soon as the compute worker's own engine has timed one batch.
 */

export interface CallLimits {
  /** No call is cut before this (ms): garbage collection, a busy machine. */
  floorMs: number;
  /** A call may take this many times its expected time. */
  factor: number;
  /** The limit while nothing is measured yet (ms). */
  unknownMs: number;
}

export const CALL_LIMITS: CallLimits = { floorMs: 15_000, factor: 6, unknownMs: 120_000 };

/** What one sub-graph's runs and session creations took here, on either engine: slowest seen. */
export class Pace {
  private msPerImage: number | null = null;
  private createMs: number | null = null;

  /** A run of `count` images took `ms`. */
  ran(ms: number, count: number): void {
    this.msPerImage = Math.max(this.msPerImage ?? 0, ms / Math.max(1, count));
  }

  /** A session for the sub-graph took `ms` to create. */
  created(ms: number): void {
    this.createMs = Math.max(this.createMs ?? 0, ms);
  }

  /** The most a run of `count` images may take (ms). */
  runLimitMs(count: number, limits: CallLimits): number {
    return limitMs(this.msPerImage === null ? null : this.msPerImage * count, limits);
  }

  /** The most a session creation may take (ms). */
  createLimitMs(limits: CallLimits): number {
    return limitMs(this.createMs, limits);
  }
}

/** The limit for a call expected to take `expectedMs` (null: not known yet). */
export function limitMs(expectedMs: number | null, limits: CallLimits): number {
  if (expectedMs === null) return limits.unknownMs;
  return Math.max(limits.floorMs, limits.factor * expectedMs);
}
