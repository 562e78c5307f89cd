/**
 * @file RGBA bytes → planar float channels in 0…255: alpha compositing and grayscale.
 *
 * Alpha is composited over WHITE, in sRGB space as a browser does: a transparent PNG becomes
 * what the user saw on a white page (and what "flatten image" in an editor gives). We do not
 * try to guess the data set's background here; that is what `invert` is for. For light-on-dark
 * data (Fashion-MNIST, `invert: true`) a cut-out on a transparent background therefore ends up
 * as a light object on black after inversion, exactly like a product photo on white.
 */

/** ITU-R BT.601 luma weights in thousandths; they sum to exactly 1000. */
export const BT601_WEIGHTS = { r: 299, g: 587, b: 114 } as const;

/**
 * BT.601 luma Y = 0.299 R + 0.587 G + 0.114 B.
 *
 * Computed as (299 R + 587 G + 114 B) / 1000 so that a grey pixel (R = G = B = v) gives exactly
 * v: 0.299 + 0.587 + 0.114 is not exactly 1 in floating point, and an off-by-one-ulp grey would
 * change the image's bytes and with them its content-keyed noise stream (see `imageNoise`).
 *
 * @param r, g, b channel values in 0…255 (may be fractional).
 * @example luma(255, 0, 0) === 76.245
 */
export function luma(r: number, g: number, b: number): number {
  return (BT601_WEIGHTS.r * r + BT601_WEIGHTS.g * g + BT601_WEIGHTS.b * b) / 1000;
}

/** Composite one channel value over white: v·α + 255·(1 − α), α = a/255. */
export function overWhite(v: number, a: number): number {
  // Opaque pixels are by far the common case; return them untouched to stay bit-exact.
  if (a === 255) return v;
  return (v * a + 255 * (255 - a)) / 255;
}

/**
 * Interleaved RGBA bytes (row-major, 4 per pixel) → planar floats in 0…255, alpha composited
 * over white. `channels` 1 gives BT.601 luma, 3 gives R, G, B planes.
 *
 * @returns Float32Array of length channels·height·width in CHW order.
 */
export function rgbaToPlanes(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
): Float32Array {
  const n = width * height;
  const out = new Float32Array(channels * n);
  for (let p = 0; p < n; p++) {
    const a = rgba[4 * p + 3];
    const r = overWhite(rgba[4 * p], a);
    const g = overWhite(rgba[4 * p + 1], a);
    const b = overWhite(rgba[4 * p + 2], a);
    if (channels === 1) {
      out[p] = luma(r, g, b);
    } else {
      out[p] = r;
      out[n + p] = g;
      out[2 * n + p] = b;
    }
  }
  return out;
}
