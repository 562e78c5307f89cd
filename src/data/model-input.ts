/**
 * @file Model input for any image id the view can hold: bundled ("test:12") or uploaded
 * ("upload:…"). Every id must resolve: callers pair row i of the result with label i, so a skipped
 * id would shift every later row against its label without any error.
 */
import { DiffProbeError } from '../core/errors';
import type { Manifest } from '../core/manifest/types';
import type { BundledDataset } from './bundled';
import { bundledModelInput, bundledPixels, parseDatasetId } from './bundled';
import type { UploadedImage } from './uploads';

/**
 * x_0 for `ids`, in order: row i is the image `ids[i]`, [ids.length, C, H, W] float32.
 *
 * @throws DiffProbeError('internal') naming the first id that is unknown, or an upload whose
 *   converted size is not this model's input (it has not been re-decoded for this model yet).
 */
export function modelInputFor(
  ids: readonly string[],
  manifest: Manifest,
  dataset: BundledDataset | null,
  uploads: readonly UploadedImage[],
): Float32Array {
  const { channels, height, width } = manifest.input;
  const pixels = channels * height * width;
  const byId = new Map(uploads.map((u) => [u.id, u]));
  const out = new Float32Array(ids.length * pixels);
  for (const [i, id] of ids.entries()) {
    if (parseDatasetId(id)) {
      if (!dataset)
        throw new DiffProbeError(
          'internal',
          `image ${JSON.stringify(id)} needs the bundled data set, which is not loaded`,
        );
      out.set(bundledModelInput(dataset, [id], manifest), i * pixels);
      continue;
    }
    const u = byId.get(id);
    if (!u) throw new DiffProbeError('internal', `image ${JSON.stringify(id)} is not among the added images`);
    if (u.x0.length !== pixels)
      throw new DiffProbeError(
        'internal',
        `image ${JSON.stringify(u.name)} was converted for another model (${u.x0.length} values, this model takes ${pixels})`,
      );
    out.set(u.x0, i * pixels);
  }
  return out;
}

/**
 * The class index of each image in `ids` (bundled: its label in the data set; an upload: the
 * position of its class name among `classNames`, or the name itself when it is a whole number), or
 * undefined for an image without one. What a class input fed "each image's own label" receives.
 */
export function labelsFor(
  ids: readonly string[],
  dataset: BundledDataset | null,
  uploads: readonly UploadedImage[],
  classNames: readonly string[] = dataset?.index.classes ?? [],
): (number | undefined)[] {
  const byId = new Map(uploads.map((u) => [u.id, u]));
  return ids.map((id) => {
    if (parseDatasetId(id)) return dataset ? bundledPixels(dataset, id)?.label : undefined;
    const name = byId.get(id)?.className;
    if (!name) return undefined;
    const at = classNames.indexOf(name);
    if (at >= 0) return at;
    return /^\d+$/.test(name) ? Number(name) : undefined;
  });
}

/** labelsFor as one array when every image has a label; undefined otherwise (the feed then says so). */
export function classLabelsFor(
  ids: readonly string[],
  dataset: BundledDataset | null,
  uploads: readonly UploadedImage[],
  classNames?: readonly string[],
): Int32Array | undefined {
  const labels = labelsFor(ids, dataset, uploads, classNames);
  return labels.every((l) => l !== undefined) ? Int32Array.from(labels as number[]) : undefined;
}
