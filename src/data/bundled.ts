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
} from '../core/dataset/index-file';
import { DiffProbeError } from '../core/errors';
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

/** Model input for bundled images given by id (ids that are not in the set are skipped). */
export function bundledModelInput(
  ds: BundledDataset,
  ids: readonly string[],
  manifest: Manifest,
): Float32Array {
  const rowsBySplit = ids.map(parseDatasetId);
  const out: Float32Array[] = [];
  for (const r of rowsBySplit) {
    if (!r || !ds.splits[r.split] || r.row >= ds.splits[r.split].count) continue;
    out.push(datasetRowsToModelInput(ds.splits[r.split], ds.index, [r.row], manifest.preprocessing));
  }
  const pixels = ds.index.channels * ds.index.height * ds.index.width;
  const all = new Float32Array(out.length * pixels);
  for (const [i, x] of out.entries()) all.set(x, i * pixels);
  return all;
}

/** Grayscale/RGB bytes of one bundled image, for thumbnails. */
export function bundledPixels(ds: BundledDataset, id: string): { bytes: Uint8Array; label: number } | null {
  const r = parseDatasetId(id);
  const split = r && ds.splits[r.split];
  if (!r || !split || r.row >= split.count) return null;
  const pixels = ds.index.channels * ds.index.height * ds.index.width;
  return { bytes: split.images.subarray(r.row * pixels, (r.row + 1) * pixels), label: split.labels[r.row] };
}
