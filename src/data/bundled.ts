/**
 * @file The bundled data set on the main thread: `dataset.json`, the labels, and the image parts as
 * they are needed (the first view needs only the first part of the test split; a probe needs most
 * of both splits), each checked against its digest and decoded (core/dataset/image-parts.ts).
 * Images are served by id ("test:12"). Raw bytes stay here; the worker receives converted float
 * batches only when it must compute.
 */
import { decodeImagePart, partOfRow, verifySplitImages } from '../core/dataset/image-parts';
import {
  checkLabels,
  type DatasetIndex,
  type DatasetSplit,
  datasetRowsToModelInput,
  validateDatasetIndex,
} from '../core/dataset/index-file';
import { DiffProbeError } from '../core/errors';
import { planesToModelInput } from '../core/image/convert';
import type { Manifest } from '../core/manifest/types';
import { type DownloadRequest, download } from './download';

export interface BundledDataset {
  index: DatasetIndex;
  /** Each split's labels, and its images where loaded (rows of parts not loaded yet are 0). */
  splits: Record<string, DatasetSplit>;
  /**
   * Per split, per image part: whether its images are in `splits[…].images`. Absent: everything
   * is (the CLI and tests load whole splits).
   */
  loaded?: Record<string, readonly boolean[]>;
  /** Where the index was read from: part files are relative to it. */
  url?: string;
}

/** A part of a split: the unit the page downloads. */
export interface PartRef {
  split: string;
  part: number;
}

type Fetch = (request: Omit<DownloadRequest, 'mismatch' | 'missing'>) => Promise<Uint8Array>;

const fetchChecked: Fetch = (request) =>
  download({ ...request, mismatch: 'dataset-invalid', missing: 'dataset-invalid' });

/**
 * The data set the manifest names, with its labels and no images yet ({@link loadImageParts} adds
 * them). Labels are tiny (a byte per image) and every class filter and split needs them.
 */
export async function openBundledDataset(
  manifest: Manifest,
  manifestUrl: string,
  fetchFile: Fetch = fetchChecked,
): Promise<BundledDataset | null> {
  if (!manifest.dataset) return null;
  const indexUrl = new URL(manifest.dataset, manifestUrl).href;
  const index = validateDatasetIndex(
    JSON.parse(new TextDecoder().decode(await fetchIndex(indexUrl))) as unknown,
  );
  const pixels = index.channels * index.height * index.width;
  const splits: Record<string, DatasetSplit> = {};
  const loaded: Record<string, boolean[]> = {};
  await Promise.all(
    Object.entries(index.splits).map(async ([name, files]) => {
      const labels = await fetchFile({
        url: new URL(files.labels, indexUrl).href,
        sha256: index.sha256?.[files.labels],
        what: `labels of the ${name} images`,
      });
      checkLabels(index, name, labels);
      splits[name] = { images: new Uint8Array(files.count * pixels), labels, count: files.count };
      loaded[name] = files.parts.map(() => false);
    }),
  );
  return { index, splits, loaded, url: indexUrl };
}

/** dataset.json itself (no digest to check it against; the service worker keeps it offline). */
async function fetchIndex(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new DiffProbeError('network', `could not download ${url}: ${String(error)}`, { url });
  }
  if (!response.ok) throw new DiffProbeError('dataset-invalid', `${url} answered HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** True when the images of `part` of `split` are in memory. */
export function partLoaded(ds: BundledDataset, split: string, part: number): boolean {
  return !ds.loaded || ds.loaded[split]?.[part] === true;
}

/** The parts that hold these images and are not loaded yet (ids that are not bundled are ignored). */
export function missingParts(ds: BundledDataset, ids: readonly string[]): PartRef[] {
  const out = new Map<string, PartRef>();
  for (const id of ids) {
    const r = parseDatasetId(id);
    const files = r && ds.index.splits[r.split];
    if (!r || !files || r.row >= files.count) continue;
    const part = partOfRow(files, r.row);
    if (!partLoaded(ds, r.split, part)) out.set(`${r.split}/${part}`, { split: r.split, part });
  }
  return [...out.values()];
}

/** Every part of these splits that is not loaded yet. */
export function missingSplitParts(ds: BundledDataset, splits: readonly string[]): PartRef[] {
  return splits.flatMap((split) =>
    (ds.index.splits[split]?.parts ?? []).flatMap((_, part) =>
      partLoaded(ds, split, part) ? [] : [{ split, part }],
    ),
  );
}

/** Compressed bytes of these parts (the index gives them; 0 when it does not). */
export function partBytes(ds: BundledDataset, parts: readonly PartRef[]): number {
  return parts.reduce((n, p) => n + (ds.index.splits[p.split].parts[p.part].bytes ?? 0), 0);
}

/**
 * Downloads, checks and decodes one part into its split's image buffer (the buffer is shared by
 * every copy of the data set object; only rows of this part change). Mark it loaded afterwards
 * with {@link withPartLoaded}.
 */
export async function loadImagePart(
  ds: BundledDataset,
  { split, part }: PartRef,
  options: {
    fetchFile?: Fetch;
    onProgress?: (done: number, total: number) => void;
    /** Awaited between download and decoding (background loads decode in idle time). */
    beforeDecode?: () => Promise<void>;
  } = {},
): Promise<void> {
  const { fetchFile = fetchChecked, onProgress, beforeDecode } = options;
  const p = ds.index.splits[split].parts[part];
  const pixels = ds.index.channels * ds.index.height * ds.index.width;
  const bytes = await fetchFile({
    url: new URL(p.file, ds.url ?? '').href,
    sha256: ds.index.sha256?.[p.file],
    what: `${split} images ${p.first}–${p.first + p.count - 1} (${p.file})`,
    bytes: p.bytes,
    onProgress,
  });
  await beforeDecode?.();
  ds.splits[split].images.set(decodeImagePart(ds.index, p, bytes), p.first * pixels);
}

/** The data set with one more part marked loaded (a new object, so that the store sees it). */
export function withPartLoaded(ds: BundledDataset, { split, part }: PartRef): BundledDataset {
  if (!ds.loaded) return ds;
  return { ...ds, loaded: { ...ds.loaded, [split]: ds.loaded[split].map((v, i) => v || i === part) } };
}

/** Checks a split whose parts are all loaded against the index's digest of its pixels. */
export async function verifyLoadedSplit(ds: BundledDataset, split: string): Promise<void> {
  await verifySplitImages(split, ds.index.splits[split], ds.splits[split].images);
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
    // Callers load the parts first (app/bundled-data.ts); zeros must never pass for an image.
    if (missingParts(ds, [id]).length)
      throw new DiffProbeError('internal', `image ${JSON.stringify(id)} is not loaded yet`);
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

/** Grayscale/RGB bytes of one bundled image, for thumbnails; null when it is not (yet) loaded. */
export function bundledPixels(ds: BundledDataset, id: string): { bytes: Uint8Array; label: number } | null {
  const r = parseDatasetId(id);
  const split = r && ds.splits[r.split];
  if (!r || !split || r.row >= split.count) return null;
  if (missingParts(ds, [id]).length) return null;
  const pixels = ds.index.channels * ds.index.height * ds.index.width;
  return { bytes: split.images.subarray(r.row * pixels, (r.row + 1) * pixels), label: split.labels[r.row] };
}
