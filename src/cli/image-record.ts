/**
 * @file The parts of a provenance record only the CLI's image sets know: the full SHA-256 of each
 * image's file (how `reproduce --images` finds a folder's images) and which images were inverted
 * before they reached the model (--invert auto), for the commands whose settings hold no data
 * spec (cka, tsne/pca/umap).
 */
import type { Provenance } from '../pipeline/provenance';
import type { ImageSet } from './images';

/** `p` with its images' file hashes and inversions, where `set` has them; rows in the record's order. */
export async function withImageSetRecord<P extends Provenance | null>(
  p: P,
  set: ImageSet,
  rows: readonly number[],
): Promise<P> {
  if (!p) return p;
  const hashes = set.fileHashes ? await set.fileHashes(rows) : [];
  const files = hashes.length === rows.length ? hashes.map((h) => h.sha256) : null;
  const inverted = rows.flatMap((r) => (set.polarity?.(r)?.inverted ? [set.id(r)] : []));
  return {
    ...p,
    images: {
      ...p.images,
      ...(files ? { files } : {}),
      ...(inverted.length ? { inverted } : {}),
    },
  };
}
