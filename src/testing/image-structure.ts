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

/** Pearson correlation of two equally long series (0 when either is constant). */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/** `bytes`: one channel, row-major, width × height. */
export function imageStructure(bytes: ArrayLike<number>, width: number, height: number): ImageStructure {
  const n = width * height;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += bytes[i] / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (bytes[i] - mean) ** 2;
  const std = Math.sqrt(v / n);
  // Each pixel with its right and its lower neighbour, as two series.
  const a: number[] = [];
  const b: number[] = [];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const p = bytes[y * width + x];
      if (x + 1 < width) {
        a.push(p);
        b.push(bytes[y * width + x + 1]);
      }
      if (y + 1 < height) {
        a.push(p);
        b.push(bytes[(y + 1) * width + x]);
      }
    }
  const correlation = pearson(a, b);
  const kind = std < FLAT_STD ? 'flat' : correlation < NOISE_CORRELATION ? 'noise' : 'structured';
  return { std, correlation, kind };
}
