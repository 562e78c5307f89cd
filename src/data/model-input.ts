/**
 * @file Model input for any image id the view can hold: bundled ("test:12") or uploaded
 * ("upload:…"). Unknown ids are skipped.
 */
import type { Manifest } from '../core/manifest/types';
import type { BundledDataset } from './bundled';
import { bundledModelInput, parseDatasetId } from './bundled';
import type { UploadedImage } from './uploads';

export function modelInputFor(
  ids: readonly string[],
  manifest: Manifest,
  dataset: BundledDataset | null,
  uploads: readonly UploadedImage[],
): Float32Array {
  const { channels, height, width } = manifest.input;
  const pixels = channels * height * width;
  const byId = new Map(uploads.map((u) => [u.id, u]));
  const parts: Float32Array[] = [];
  for (const id of ids) {
    if (parseDatasetId(id)) {
      if (
        dataset &&
        dataset.index.channels === channels &&
        dataset.index.height === height &&
        dataset.index.width === width
      )
        parts.push(bundledModelInput(dataset, [id], manifest));
    } else {
      const u = byId.get(id);
      if (u && u.x0.length === pixels) parts.push(u.x0);
    }
  }
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
