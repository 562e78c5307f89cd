/**
 * Bytes and their size for any image id, for small thumbnails: an upload as converted for the
 * loaded model (model size and channels; null until it is), a bundled image at the data set's own size
 * (which is not the model's when the data set is fed to another model).
 */
import type { BundledDataset } from './bundled';
import { bundledPixels } from './bundled';
import type { UploadedImage } from './uploads';

export function thumbnailFor(
  id: string,
  dataset: BundledDataset | null,
  uploads: readonly UploadedImage[],
  modelSize: { width: number; height: number; channels?: number },
): { bytes: Uint8Array; width: number; height: number; channels: number } | null {
  const u = uploads.find((x) => x.id === id);
  if (u)
    return u.status === 'ready'
      ? {
          bytes: u.converted,
          width: modelSize.width,
          height: modelSize.height,
          channels: modelSize.channels ?? 1,
        }
      : null;
  const px = dataset ? bundledPixels(dataset, id) : null;
  if (!px || !dataset) return null;
  const { width, height, channels } = dataset.index;
  return { bytes: px.bytes, width, height, channels };
}
