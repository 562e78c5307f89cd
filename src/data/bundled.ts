/**
 * @file The bundled data set on the main thread: fetches `dataset.json` and the raw uint8 splits
 * the manifest points to, checks them, and serves images by id ("test:12"). Raw bytes stay here;
 * the worker receives converted float batches only when it must compute.
 */
import {
  checkSplit,
  type DatasetIndex,
  type DatasetSplit,
  datasetRowsToModelInput,
  validateDatasetIndex,
  verifyDatasetFile,
} from '../core/dataset/index-file';
import { DiffProbeError } from '../core/errors';
import { planesToModelInput } from '../core/image/convert';
import type { Manifest } from '../core/manifest/types';

export interface BundledDataset {
  index: DatasetIndex;
  splits: Record<string, DatasetSplit>;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new DiffProbeError('dataset-invalid', `${url} answered HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

export async function loadBundledDataset(
  manifest: Manifest,
  manifestUrl: string,
): Promise<BundledDataset | null> {
  if (!manifest.dataset) return null;
  const indexUrl = new URL(manifest.dataset, manifestUrl);
  const index = validateDatasetIndex(JSON.parse(new TextDecoder().decode(await fetchBytes(indexUrl.href))));
  const splits: Record<string, DatasetSplit> = {};
  await Promise.all(
    Object.entries(index.splits).map(async ([name, files]) => {
      const [images, labels] = await Promise.all([
        fetchBytes(new URL(files.images, indexUrl).href),
        fetchBytes(new URL(files.labels, indexUrl).href),
      ]);
      // The digests dataset.json lists: a stale or truncated file must not pass for the data set.
      await Promise.all([
        verifyDatasetFile(index, files.images, images),
        verifyDatasetFile(index, files.labels, labels),
      ]);
      splits[name] = checkSplit(index, name, images, labels);
    }),
  );
  return { index, splits };
}

/** Parses "test:12" into its split and row, or null. */
export function parseDatasetId(id: string): { split: string; row: number } | null {
  const m = /^(train|test):(\d+)$/.exec(id);
  return m ? { split: m[1], row: Number(m[2]) } : null;
}

/** True when the data set's images are already the model's input size and channels (its own data). */
export function bundledFitsModel(ds: BundledDataset, manifest: Manifest): boolean {
  const { channels, height, width } = manifest.input;
  return ds.index.channels === channels && ds.index.height === height && ds.index.width === width;
}

/**
 * What feeding the data set to this model involves, for the visible note, or null when nothing
 * changes (e.g. "28×28 grayscale, resized to 32×32 and repeated to 3 channels").
 */
export function bundledConversionNote(ds: BundledDataset, manifest: Manifest): string | null {
  if (bundledFitsModel(ds, manifest)) return null;
  const { channels, height, width } = manifest.input;
  const src = ds.index;
  const parts: string[] = [];
  if (src.height !== height || src.width !== width) parts.push(`resized to ${height}×${width}`);
  if (src.channels === 1 && channels === 3) parts.push('its one channel repeated to R, G and B');
  if (src.channels === 3 && channels === 1) parts.push('converted to grayscale (BT.601)');
  const kind = src.channels === 1 ? 'grayscale' : 'RGB';
  return `${src.height}×${src.width} ${kind}, ${parts.join(' and ')}`;
}

/**
 * Model input for bundled images given by id. At the model's own size this is the exact
 * normalisation the default model was trained with (and the parity fixtures use); for another
 * model the images are resized and their channels adapted like an upload (without the upload's
 * invert: the data set is what it is).
 *
 * @throws DiffProbeError('internal') for an id that is not in the data set: skipping it would
 *   shift every later row against its label.
 */
export function bundledModelInput(
  ds: BundledDataset,
  ids: readonly string[],
  manifest: Manifest,
): Float32Array {
  const { channels, height, width } = manifest.input;
  const pixels = channels * height * width;
  const fits = bundledFitsModel(ds, manifest);
  const src = ds.index;
  const srcPixels = src.channels * src.height * src.width;
  const target = {
    channels,
    height,
    width,
    mean: manifest.preprocessing.mean,
    std: manifest.preprocessing.std,
  };
  const all = new Float32Array(ids.length * pixels);
  for (const [i, id] of ids.entries()) {
    const r = parseDatasetId(id);
    const split = r && ds.splits[r.split];
    if (!r || !split || r.row >= split.count)
      throw new DiffProbeError('internal', `image ${JSON.stringify(id)} is not in the bundled data set`);
    if (fits) {
      all.set(datasetRowsToModelInput(split, src, [r.row], manifest.preprocessing), i * pixels);
      continue;
    }
    const hwc = split.images.subarray(r.row * srcPixels, (r.row + 1) * srcPixels);
    all.set(
      planesToModelInput(
        hwcToPlanes(hwc, src.channels, src.height * src.width),
        src.channels,
        src.height,
        src.width,
        target,
      ),
      i * pixels,
    );
  }
  return all;
}

function hwcToPlanes(hwc: Uint8Array, channels: 1 | 3, n: number): Uint8Array {
  if (channels === 1) return hwc;
  const out = new Uint8Array(hwc.length);
  for (let p = 0; p < n; p++) for (let c = 0; c < channels; c++) out[c * n + p] = hwc[p * channels + c];
  return out;
}

/** Grayscale/RGB bytes of one bundled image, for thumbnails. */
export function bundledPixels(ds: BundledDataset, id: string): { bytes: Uint8Array; label: number } | null {
  const r = parseDatasetId(id);
  const split = r && ds.splits[r.split];
  if (!r || !split || r.row >= split.count) return null;
  const pixels = ds.index.channels * ds.index.height * ds.index.width;
  return { bytes: split.images.subarray(r.row * pixels, (r.row + 1) * pixels), label: split.labels[r.row] };
}
