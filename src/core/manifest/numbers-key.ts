/**
 * @file The model's identity: the bytes of every model file and the whole manifest less a short
 * list of cosmetic fields. Links, jobs, the stash of results, the feature caches (browser and
 * CLI), run ids and merge all key on it: the same ONNX bytes under another schedule, block mapping,
 * preprocessing or any other setting are another model as far as results go.
 *
 * The manifest part is a deny-list ({@link COSMETIC_FIELDS}, {@link COSMETIC_BLOCK_FIELDS}): a field
 * added to the manifest later is part of the identity unless someone decides here that it changes
 * no number. (It was an allow-list, which a new field silently escaped.) Cosmetic: the name,
 * description and class names (labels for people), the skip arrows and the blocks' stage and
 * level (drawing data), and the model file entry (its name; its bytes are the identity's other
 * half). The order blocks are listed in changes no block's features, so they are sorted; the
 * timestep's convention is written canonically (absent = index; σ_data written out for sigma).
 *
 * Pure and synchronous, so the worker, Node and tests compute the same key.
 */
import { EDM_SIGMA_DATA } from '../timestep/convention';
import type { Manifest, ManifestTimestep } from './types';

/**
 * JSON with object keys sorted at every level and undefined members left out, so equal values
 * give equal text whatever order their keys were written in. Numbers print as JSON.stringify
 * prints them (the shortest text that reads back to the same double).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * FNV-1a 64-bit hash of a byte string, as 16 lower-case hex digits. In four 16-bit limbs (h0 the
 * lowest): h · (2⁴⁰ + 0x1b3) mod 2⁶⁴ is h·0x1b3 plus h0, h1 shifted into limbs 2 and 3.
 */
export function fnv1a64(bytes: Uint8Array): string {
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  for (let i = 0; i < bytes.length; i++) {
    h0 ^= bytes[i];
    const t0 = h0 * 0x1b3;
    let t1 = h1 * 0x1b3;
    let t2 = h2 * 0x1b3 + (h0 << 8);
    const t3 = h3 * 0x1b3 + (h1 << 8);
    t1 += t0 >>> 16;
    h0 = t0 & 0xffff;
    t2 += t1 >>> 16;
    h1 = t1 & 0xffff;
    h3 = (t3 + (t2 >>> 16)) & 0xffff;
    h2 = t2 & 0xffff;
  }
  return [h3, h2, h1, h0].map((v) => v.toString(16).padStart(4, '0')).join('');
}

/** Top-level manifest fields that change no number (see the file comment). */
export const COSMETIC_FIELDS = ['name', 'description', 'classes', 'skips', 'model'] as const;
/** Block fields that change no number: drawing data. */
export const COSMETIC_BLOCK_FIELDS = ['stage', 'level'] as const;

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** `manifest` less its cosmetic fields, blocks sorted by name. */
export function identityPart(manifest: Manifest): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...manifest };
  for (const field of COSMETIC_FIELDS) delete rest[field];
  rest.blocks = manifest.blocks
    .map((block) => {
      const b: Record<string, unknown> = { ...block };
      for (const field of COSMETIC_BLOCK_FIELDS) delete b[field];
      return b as { name: string };
    })
    .sort(byName);
  rest.timestep = timestepPart(manifest.timestep);
  return rest;
}

/**
 * The timestep with its convention's defaults made canonical: an absent convention and "index" feed
 * the same numbers (so a manifest that states the default keeps its key), and `sigma`'s σ_data is
 * written out (0.5 when absent). Every other convention or σ_data is another key.
 */
function timestepPart(timestep: ManifestTimestep) {
  const { convention, sigmaData, ...rest } = timestep;
  if (convention === undefined || convention === 'index') return rest;
  return convention === 'sigma'
    ? { ...rest, convention, sigmaData: sigmaData ?? EDM_SIGMA_DATA }
    : { ...rest, convention };
}

const memo = new WeakMap<Manifest, string>();

/**
 * The manifest's half of the model identity: 16 hex digits that change whenever any field of the
 * manifest but the cosmetic ones does. Memoised per manifest object (manifests are not mutated).
 *
 * @example numbersKey(model.unet.manifest) // e.g. "3f1c…", part of the feature cache key
 */
export function numbersKey(manifest: Manifest): string {
  let key = memo.get(manifest);
  if (key === undefined) {
    key = fnv1a64(new TextEncoder().encode(canonicalJson(identityPart(manifest))));
    memo.set(manifest, key);
  }
  return key;
}

/**
 * A loaded model's identity (ModelInfo.id): the first 16 hex digits of the sha256 of its bytes
 * (with external data, of every file's digest together) and the manifest's key, as
 * "<sha16>-<key16>". The same file under another manifest is another model as far as results go.
 */
export function modelIdentity(sha256: string, manifest: Manifest): string {
  return `${sha256.slice(0, 16)}-${numbersKey(manifest)}`;
}
