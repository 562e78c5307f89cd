/** Gray bytes at model size for any image id (bundled or uploaded), for small thumbnails. */
import type { BundledDataset } from './bundled';
import { bundledPixels } from './bundled';
import type { UploadedImage } from './uploads';

export function thumbnailFor(
  id: string,
  dataset: BundledDataset | null,
  uploads: readonly UploadedImage[],
): Uint8Array | null {
  const u = uploads.find((x) => x.id === id);
  if (u) return u.converted;
  return dataset ? (bundledPixels(dataset, id)?.bytes ?? null) : null;
}
