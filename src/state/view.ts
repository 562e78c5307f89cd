/**
 * @file The state that defines a view: what a shared link must reopen. Pure data + defaults +
 * validation, no zustand, so url.ts and its tests can use it anywhere.
 */
import { POOLING_KINDS, type PoolingName } from '../core/pooling-kinds';

/** The poolings the app offers (core/pooling-kinds.ts, those marked inApp), in the registry's order. */
export const POOLINGS = (Object.keys(POOLING_KINDS) as PoolingName[]).filter(
  (n): n is PoolingId => POOLING_KINDS[n].inApp,
);
export type PoolingId = {
  [K in PoolingName]: (typeof POOLING_KINDS)[K]['inApp'] extends true ? K : never;
}[PoolingName];

export interface ViewState {
  /** 'default' for the bundled model, otherwise the name of a model the user opened. */
  model: string;
  /**
   * The model's identity, ModelInfo.id ('' for the default model): its bytes and its manifest
   * (core/manifest/numbers-key.ts), so a shared link says which model it was made with, not only
   * its (freely chosen) name, and does not land on the same file opened with another schedule,
   * prediction or preprocessing. Links from before carry the first 12 hex digits of the sha256
   * alone; they still match the bytes.
   */
  modelHash: string;
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
  modelHash: '',
  images: ['test:0'],
  t: 100,
  blocks: ['up1_0'],
  pooling: 'avg',
  seed: 0,
};

/** Image ids are ours ("test:12", "upload:ab12cd34ef56"): a narrow alphabet, never a comma. */
const ID = /^[A-Za-z0-9_.:-]{1,128}$/;
/**
 * Block and model names come from the model (ONNX node names such as "/down_blocks.0/resnets.1/Add",
 * or "mid block, attn"): any 1–256 code points except control characters and lone surrogates
 * (which cannot survive a URL's UTF-8 encoding).
 */
const NAME = /^[^\p{Cc}\p{Cs}]{1,256}$/u;
/** Lowercase hex prefix of a sha256: 6 to 64 digits (links write 12). */
/** A model identity (ModelInfo.id: "<sha16>-<key16>"), or a bytes-only prefix from an older link. */
const HASH = /^(?:[0-9a-f]{6,64}|[0-9a-f]{16}-[0-9a-f]{16})$/;

/** True for a string a block or model name may be (see NAME). */
export function isValidName(s: unknown): s is string {
  return typeof s === 'string' && NAME.test(s);
}

/** Coerces an untrusted partial view (from a URL, storage…) into a valid one, field by field. */
export function sanitizeView(
  input: Partial<Record<keyof ViewState, unknown>>,
  base: ViewState = DEFAULT_VIEW,
): ViewState {
  const out = { ...base };
  if (isValidName(input.model)) out.model = input.model;
  if (typeof input.modelHash === 'string') {
    const hash = input.modelHash.toLowerCase();
    if (hash === '' || HASH.test(hash)) out.modelHash = hash;
  }
  if (Array.isArray(input.images))
    out.images = input.images.filter((s) => typeof s === 'string' && ID.test(s)).slice(0, 64);
  if (typeof input.t === 'number' && Number.isInteger(input.t) && input.t >= 0 && input.t < 100_000)
    out.t = input.t;
  if (Array.isArray(input.blocks)) out.blocks = [...new Set(input.blocks.filter(isValidName))].slice(0, 256);
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
