/**
 * @file Seeded random numbers that are bit-identical to `tools/model/rng.py`.
 *
 * DiffProbe needs noise that depends only on (seed, image content), so that cached features,
 * the CLI, the browser and the Python reference all see the same ε. `Math.random` cannot be
 * seeded, so we use xoshiro128** seeded through splitmix32: both are 32-bit-only algorithms
 * that map exactly onto `Math.imul` / `>>>` in JS and masked ints in Python.
 *
 * Integers (`nextUint32`) and uniform floats (`nextFloat`) are exactly equal across languages.
 * Gaussians go through `log`/`cos`/`sin`, whose last float64 ulp may differ between libms, so
 * after rounding to float32 they agree to at most 1 float32 ulp (in practice almost always exact).
 */

/** Anything that produces uniform uint32s and floats in (0, 1). */
export interface Rng {
  /** Next integer in [0, 2^32). */
  nextUint32(): number;
  /** Next float in the open interval (0, 1): (u32 + 0.5) / 2^32. */
  nextFloat(): number;
}

const TWO_POW_32 = 4294967296;

/**
 * One splitmix32 step. Returns the new state and the output, because JS has no in/out ints.
 *
 * @example splitmix32(0) // { state: 0x9e3779b9, value: … }
 */
export function splitmix32(state: number): { state: number; value: number } {
  const x = (state + 0x9e3779b9) >>> 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  z = (z ^ (z >>> 15)) >>> 0;
  return { state: x, value: z };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * xoshiro128** (Blackman & Vigna), state of four uint32 seeded by four successive splitmix32
 * outputs starting from `seedState`.
 */
export class Xoshiro128ss implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seedState: number) {
    let st = seedState >>> 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = splitmix32(st);
      st = r.state;
      words.push(r.value);
    }
    [this.s0, this.s1, this.s2, this.s3] = words;
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  nextFloat(): number {
    // +0.5 keeps the value strictly inside (0, 1) so Box–Muller's log(u1) is always finite.
    return (this.nextUint32() + 0.5) / TWO_POW_32;
  }
}

/**
 * A generator for one (seed, stream) pair. Different streams of the same seed are independent
 * sequences; `stream` is multiplied by a murmur3 constant so that nearby streams seed far apart.
 *
 * @param seed any integer; only its low 32 bits are used.
 * @param stream any integer; only its low 32 bits are used.
 * @example createRng(42).nextUint32() // same value as rng.create_rng(42).next_uint32() in Python
 */
export function createRng(seed: number, stream = 0): Xoshiro128ss {
  return new Xoshiro128ss((seed ^ Math.imul(stream >>> 0, 0x85ebca6b)) >>> 0);
}

/**
 * `n` standard normal samples via Box–Muller, drawn in pairs (z0 = r·cos θ, z1 = r·sin θ) and
 * emitted z0 then z1; for odd `n` the last z1 is discarded. Computed in float64, stored float32.
 *
 * @returns Float32Array of length `n`.
 */
export function gaussian(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = rng.nextFloat();
    const u2 = rng.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u1));
    // Same operation order as Python ((2π)·u2) so both sides round identically.
    const theta = 2 * Math.PI * u2;
    out[i] = r * Math.cos(theta);
    if (i + 1 < n) out[i + 1] = r * Math.sin(theta);
  }
  return out;
}

/**
 * FNV-1a 32-bit hash of a byte string.
 *
 * @example fnv1a32(new Uint8Array()) === 2166136261; fnv1a32(new TextEncoder().encode('a')) === 0xe40c292c
 */
export function fnv1a32(bytes: Uint8Array): number {
  let h = 2166136261;
  for (let i = 0; i < bytes.length; i++) {
    h = Math.imul(h ^ bytes[i], 16777619) >>> 0;
  }
  return h >>> 0;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The little-endian float32 bytes of `x` (a view when the platform is little-endian). */
export function float32Bytes(x: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  const out = new Uint8Array(x.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < x.length; i++) view.setFloat32(i * 4, x[i], true);
  return out;
}

/**
 * The noise ε for one clean image x0: stream = fnv1a32 of x0's little-endian float32 bytes,
 * then `gaussian(createRng(seed, stream), x0.length)`. Depends only on (seed, exact bits of x0),
 * so features computed from it can be cached and reproduced in the browser, Node, CLI and Python.
 * Note -0 and +0 hash differently; preprocessing produces a fixed bit pattern for each input.
 *
 * @param x0 preprocessed image, any shape (typically CHW), float32.
 * @returns ε with the same length as x0.
 */
export function imageNoise(seed: number, x0: Float32Array): Float32Array {
  return gaussian(createRng(seed, fnv1a32(float32Bytes(x0))), x0.length);
}
