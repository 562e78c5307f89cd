/**
 * @file Typed errors for everything under `core/` (and the engine/worker that build on it).
 *
 * `core/` never writes user-facing prose: it throws a {@link DiffProbeError} with a `code`, a
 * short technical message that quotes the offending value (as Observable Plot does), and an
 * optional `detail` object. `app/` maps each code to the one human message shown by UI and CLI.
 */

/** Every failure kind DiffProbe can report. Adding one here is a type error in the message table. */
export type ErrorCode =
  | 'manifest-invalid'
  | 'model-missing'
  | 'model-corrupt'
  | 'model-mismatch'
  | 'model-unsupported'
  | 'model-nonfinite'
  | 'model-changed'
  | 'image-decode'
  | 'image-too-large'
  | 'image-type'
  | 'image-empty'
  | 'dataset-invalid'
  | 'npy-invalid'
  | 'cancelled'
  | 'backend-unavailable'
  | 'out-of-memory'
  | 'device-lost'
  | 'probe-data'
  | 'cka-data'
  | 'twin-no-weights'
  | 'sampler-options'
  | 'internal';

/** All codes, in declaration order (handy for exhaustive tables and tests). */
export const ERROR_CODES: readonly ErrorCode[] = [
  'manifest-invalid',
  'model-missing',
  'model-corrupt',
  'model-mismatch',
  'model-unsupported',
  'model-nonfinite',
  'model-changed',
  'image-decode',
  'image-too-large',
  'image-type',
  'image-empty',
  'dataset-invalid',
  'npy-invalid',
  'cancelled',
  'backend-unavailable',
  'out-of-memory',
  'device-lost',
  'probe-data',
  'cka-data',
  'twin-no-weights',
  'sampler-options',
  'internal',
];

/**
 * An error with a machine-readable code.
 *
 * @example
 * throw new DiffProbeError('npy-invalid', `unsupported dtype ${quote('>f2')}`, { dtype: '>f2' });
 */
export class DiffProbeError extends Error {
  readonly code: ErrorCode;
  readonly detail?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, detail?: Record<string, unknown>) {
    super(message);
    this.name = 'DiffProbeError';
    this.code = code;
    this.detail = detail;
  }
}

/** True for a {@link DiffProbeError}, optionally of one specific code. */
export function isDiffProbeError(e: unknown, code?: ErrorCode): e is DiffProbeError {
  return e instanceof DiffProbeError && (code === undefined || e.code === code);
}

/**
 * Render a value for an error message so that the reader sees exactly what was wrong:
 * strings are JSON-quoted (so `""` and `" x"` are visible), numbers keep NaN/Infinity,
 * objects are JSON truncated to `maxLength` characters.
 *
 * @example quote('rbg') === '"rbg"'; quote(NaN) === 'NaN'; quote(undefined) === 'undefined'
 */
export function quote(value: unknown, maxLength = 80): string {
  let s: string;
  if (typeof value === 'string') s = JSON.stringify(value);
  else if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    s = String(value);
  else if (value === undefined) s = 'undefined';
  else if (typeof value === 'function' || typeof value === 'symbol') s = String(value);
  else {
    try {
      // JSON turns NaN/Infinity into null; replace them so the bad number stays visible.
      s = JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
    } catch {
      s = Object.prototype.toString.call(value);
    }
  }
  return s.length > maxLength ? `${s.slice(0, maxLength - 1)}…` : s;
}
