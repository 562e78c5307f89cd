/**
 * @file A digest of the parts of a manifest that change the numbers a model produces, for cache
 * keys: the same ONNX bytes under an edited schedule (ᾱ) or another block → tensor mapping give
 * other features, so a key on the bytes alone would serve stale ones.
 *
 * In the digest: the input (name, shape, range), the timestep input and its convention, the extra inputs and their
 * values, the prediction (type and output), the schedule, and each block's name → output tensor.
 * Not in it: name, description, classes, data set, skips, preprocessing (the caches key on the
 * preprocessed x_0 itself), the model file entry (keys hold the bytes' own hash) and the blocks'
 * drawing data (stage, level; resolution and channels are checked against the graph).
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

/** The parts of `manifest` that change the numbers (see the file comment), as one value. */
function numbersPart(manifest: Manifest) {
  return {
    input: manifest.input,
    timestep: timestepPart(manifest.timestep),
    extraInputs: manifest.extraInputs ?? [],
    prediction: manifest.prediction,
    schedule: manifest.schedule,
    // Sorted: the order blocks are listed in changes no block's features.
    blocks: manifest.blocks.map((b) => [b.name, b.output]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  };
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
 * 16 hex digits that change whenever a part of the manifest that changes the model's numbers
 * does, and only then. Memoised per manifest object (manifests are not mutated).
 *
 * @example numbersKey(model.unet.manifest) // e.g. "3f1c…", part of the feature cache key
 */
export function numbersKey(manifest: Manifest): string {
  let key = memo.get(manifest);
  if (key === undefined) {
    key = fnv1a64(new TextEncoder().encode(canonicalJson(numbersPart(manifest))));
    memo.set(manifest, key);
  }
  return key;
}

/**
 * A loaded model's identity: the ONNX bytes' sha256 and the numbers its manifest gives them. The
 * same file under another schedule or block mapping is another model as far as results go.
 */
export function modelIdentity(sha256: string, manifest: Manifest): string {
  return `${sha256.slice(0, 16)}-${numbersKey(manifest)}`;
}
