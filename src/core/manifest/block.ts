/**
 * @file A manifest block's own fields, copied out of anything that carries them (a discovered
 * candidate with its reasons, a block of another manifest), so extra fields never leak into a
 * manifest that is saved or compared.
 */
import type { ManifestBlock } from './types';

export function toBlock(
  b: Omit<ManifestBlock, 'resolution'> & { readonly resolution: readonly number[] },
): ManifestBlock & {
  resolution: [number, number];
} {
  return {
    name: b.name,
    output: b.output,
    stage: b.stage,
    level: b.level,
    resolution: [b.resolution[0], b.resolution[1]],
    channels: b.channels,
  };
}
