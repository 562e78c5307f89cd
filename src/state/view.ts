/**
 * @file The state that defines a view: what a shared link must reopen. Pure data + defaults +
 * validation, no zustand, so url.ts and its tests can use it anywhere.
 */

export const POOLINGS = ['avg', 'max', 'avg2', 'avg4', 'raw'] as const;
export type PoolingId = (typeof POOLINGS)[number];

export interface ViewState {
  /** 'default' for the bundled model, otherwise the name of a model the user opened. */
  model: string;
  /** Selected image ids, e.g. "test:12" (bundled test split, index 12) or "upload:ab12cd34". */
  images: string[];
  /** Diffusion timestep, 0 … T−1. */
  t: number;
  /** Selected block names, in the order the user picked them. */
  blocks: string[];
  pooling: PoolingId;
  /** Seed of the noise ε (see core/rng.ts). */
  seed: number;
}

export const DEFAULT_VIEW: ViewState = {
  model: 'default',
  images: ['test:0'],
  t: 100,
  blocks: ['up1_0'],
  pooling: 'avg',
  seed: 0,
};

const ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Coerces an untrusted partial view (from a URL, storage…) into a valid one, field by field. */
export function sanitizeView(
  input: Partial<Record<keyof ViewState, unknown>>,
  base: ViewState = DEFAULT_VIEW,
): ViewState {
  const out = { ...base };
  if (typeof input.model === 'string' && ID.test(input.model)) out.model = input.model;
  if (Array.isArray(input.images))
    out.images = input.images.filter((s) => typeof s === 'string' && ID.test(s)).slice(0, 64);
  if (typeof input.t === 'number' && Number.isInteger(input.t) && input.t >= 0 && input.t < 100_000)
    out.t = input.t;
  if (Array.isArray(input.blocks))
    out.blocks = [
      ...new Set(input.blocks.filter((s): s is string => typeof s === 'string' && ID.test(s))),
    ].slice(0, 256);
  if (typeof input.pooling === 'string' && (POOLINGS as readonly string[]).includes(input.pooling))
    out.pooling = input.pooling as PoolingId;
  if (
    typeof input.seed === 'number' &&
    Number.isInteger(input.seed) &&
    input.seed >= 0 &&
    input.seed <= 0xffffffff
  )
    out.seed = input.seed;
  return out;
}
