/**
 * @file Is a generated image flat, noise, or something with structure? The measurable criterion of
 * the sampler tests (a model that needs clipping gives flat squares or pixel noise without it):
 *
 *   std          the standard deviation of its display bytes (0…255): flat when < 20
 *   correlation  Pearson correlation of horizontally and vertically adjacent pixels, together:
 *                ≈ 0 for independent pixel noise, high for shapes; noise when < 0.5
 *   structured   neither flat nor noise
 *
 * Bytes are what the gallery shows (the data range mapped to 0…255, values outside clamped), so a
 * sample saturated at ±36 reads as the black-and-white noise or flat square a user sees.
 */

export const FLAT_STD = 20;
export const NOISE_CORRELATION = 0.5;

export interface ImageStructure {
  std: number;
  correlation: number;
  kind: 'flat' | 'noise' | 'structured';
}

/** `bytes`: one channel, row-major, width × height. */
export function imageStructure(bytes: ArrayLike<number>, width: number, height: number): ImageStructure {
  const n = width * height;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += bytes[i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (bytes[i] - mean) ** 2;
  const std = Math.sqrt(v / n);
  // Neighbour pairs (right and down), correlated as two series.
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  let m = 0;
  const pair = (a: number, b: number) => {
    sa += a;
    sb += b;
    saa += a * a;
    sbb += b * b;
    sab += a * b;
    m++;
  };
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const p = bytes[y * width + x];
      if (x + 1 < width) pair(p, bytes[y * width + x + 1]);
      if (y + 1 < height) pair(p, bytes[(y + 1) * width + x]);
    }
  const cov = sab / m - (sa / m) * (sb / m);
  const va = saa / m - (sa / m) ** 2;
  const vb = sbb / m - (sb / m) ** 2;
  const correlation = va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
  const kind = std < FLAT_STD ? 'flat' : correlation < NOISE_CORRELATION ? 'noise' : 'structured';
  return { std, correlation, kind };
}
