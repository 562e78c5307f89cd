/**
 * @file Seeded sampling of row indices (for train/test splits), via core/rng so that the same
 * seed picks the same images in the browser, Node and the CLI.
 */
import { DiffProbeError } from './errors';
import { createRng } from './rng';

/** `k` distinct indices from 0…n−1, in random order (partial Fisher–Yates), seeded. */
export function sampleIndices(n: number, k: number, seed: number): number[] {
  if (!Number.isInteger(k) || k < 0 || k > n)
    throw new DiffProbeError('probe-data', `cannot sample ${k} of ${n} items`, { n, k });
  const rng = createRng(seed, 0x5a3b1e);
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + (rng.nextUint32() % (n - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, k);
}
