/**
 * @file The bundled data-set index (`dataset.json`, format `diffprobe-dataset` v1 or v2; see
 * docs/data-format.md) and the files it names. Version 1 keeps a split's images in one raw uint8
 * file; version 2 in consecutive parts (PNG strips or raw files), so that a page can fetch the part
 * it shows first and the rest later. Both read into the same {@link DatasetIndex}, where every split
 * has `parts`. Validation quotes what is wrong.
 */
import { DiffProbeError } from '../errors';
import { sha256Hex } from '../sha256';

/** Consecutive images of a split in one file: rows `first` … `first + count − 1`. */
export interface DatasetImagePart {
  file: string;
  count: number;
  first: number;
  /** The file's size, when the index gives it (a download's progress total). */
  bytes?: number;
}

export interface DatasetSplitFiles {
  count: number;
  labels: string;
  /** The images, in row order (version 1: one raw part). */
  parts: DatasetImagePart[];
  /** SHA-256 of the split's decoded image bytes (count × H × W × C), when the index gives it. */
  imagesSha256?: string;
}

export interface DatasetIndex {
  format: 'diffprobe-dataset';
  version: 1 | 2;
  name: string;
  classes: string[];
  channels: 1 | 3;
  height: number;
  width: number;
  splits: Record<string, DatasetSplitFiles>;
  /** Lower-case hex SHA-256 of each file, keyed by file name (see {@link verifyDatasetFile}). */
  sha256?: Record<string, string>;
}

/** A loaded split: `count` images of channels×height×width bytes (HWC when channels = 3), and labels. */
export interface DatasetSplit {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

function fail(message: string, detail?: Record<string, unknown>): never {
  throw new DiffProbeError('dataset-invalid', message, detail);
}

export function validateDatasetIndex(json: unknown): DatasetIndex {
  if (typeof json !== 'object' || json === null)
    fail(`dataset index must be an object, got ${JSON.stringify(json)}`);
  const d = json as Record<string, unknown>;
  if (d.format !== 'diffprobe-dataset' || (d.version !== 1 && d.version !== 2))
    fail(
      `dataset index format must be "diffprobe-dataset" v1 or v2, got ${JSON.stringify(d.format)} v${JSON.stringify(d.version)}`,
    );
  if (
    !Array.isArray(d.classes) ||
    d.classes.length < 1 ||
    d.classes.length > 256 ||
    !d.classes.every((c) => typeof c === 'string')
  )
    fail('dataset "classes" must be 1…256 strings');
  if (d.channels !== 1 && d.channels !== 3)
    fail(`dataset "channels" must be 1 or 3, got ${JSON.stringify(d.channels)}`);
  for (const key of ['height', 'width'] as const) {
    const v = d[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1024)
      fail(`dataset "${key}" must be an integer in 1…1024, got ${JSON.stringify(v)}`);
  }
  if (typeof d.splits !== 'object' || d.splits === null || !Object.keys(d.splits).length)
    fail('dataset has no "splits"');
  const splits: Record<string, DatasetSplitFiles> = {};
  for (const [name, split] of Object.entries(d.splits as Record<string, unknown>))
    splits[name] = validateSplit(name, split, d.version);
  if (d.sha256 !== undefined) {
    if (typeof d.sha256 !== 'object' || d.sha256 === null || Array.isArray(d.sha256))
      fail(`dataset "sha256" must map file names to digests, got ${JSON.stringify(d.sha256)}`);
    for (const [file, digest] of Object.entries(d.sha256))
      if (typeof digest !== 'string' || !/^[0-9a-fA-F]{64}$/.test(digest))
        fail(`dataset "sha256" of "${file}" must be 64 hex digits, got ${JSON.stringify(digest)}`);
  }
  return { name: typeof d.name === 'string' ? d.name : 'data set', ...(d as object), splits } as DatasetIndex;
}

const isCount = (v: unknown, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max;

function validateSplit(name: string, split: unknown, version: 1 | 2): DatasetSplitFiles {
  const s = split as Record<string, unknown>;
  if (!isCount(s?.count, 1_000_000))
    fail(`split "${name}": "count" must be an integer in 1…1000000, got ${JSON.stringify(s?.count)}`);
  if (typeof s.labels !== 'string') fail(`split "${name}" must name its labels file`);
  const { count, labels } = s;
  const digest = s.imagesSha256;
  if (digest !== undefined && (typeof digest !== 'string' || !/^[0-9a-fA-F]{64}$/.test(digest)))
    fail(`split "${name}": "imagesSha256" must be 64 hex digits, got ${JSON.stringify(digest)}`);
  const base = { count, labels, ...(digest !== undefined && { imagesSha256: digest.toLowerCase() }) };
  if (typeof s.images === 'string') return { ...base, parts: [{ file: s.images, count, first: 0 }] };
  if (version === 1 || !Array.isArray(s.images) || !s.images.length)
    fail(`split "${name}" must name its images file${version === 2 ? ' (or list its parts)' : ''}`);
  const parts: DatasetImagePart[] = [];
  let first = 0;
  for (const [i, part] of (s.images as unknown[]).entries()) {
    const p = part as Record<string, unknown>;
    if (typeof p?.file !== 'string' || !isCount(p.count, 1_000_000))
      fail(`split "${name}", part ${i}: needs a "file" and a "count" ≥ 1, got ${JSON.stringify(part)}`);
    if (p.bytes !== undefined && !isCount(p.bytes, 2 ** 31))
      fail(`split "${name}", part ${i}: "bytes" must be a positive integer, got ${JSON.stringify(p.bytes)}`);
    parts.push({ file: p.file, count: p.count, first, ...(p.bytes !== undefined && { bytes: p.bytes }) });
    first += p.count;
  }
  if (first !== count) fail(`split "${name}": its parts hold ${first} images, but its "count" is ${count}`);
  return { ...base, parts };
}

/**
 * Checks a file's bytes against the SHA-256 the index lists for it (a file it lists none for
 * passes). WebCrypto, so the same in the browser, the worker and Node; about 40 ms for the
 * bundled 16 MB.
 *
 * @throws DiffProbeError('dataset-invalid') naming the file, the expected and the actual digest.
 */
export async function verifyDatasetFile(index: DatasetIndex, file: string, bytes: Uint8Array): Promise<void> {
  const expected = index.sha256?.[file]?.toLowerCase();
  if (!expected) return;
  const actual = await sha256Hex(bytes);
  if (actual !== expected)
    fail(
      `"${file}" does not match dataset.json: its SHA-256 is ${actual}, expected ${expected} (a truncated, stale or altered download)`,
      { file, expected, actual },
    );
}

/**
 * Checks a split's decoded images (all parts, in row order) and its labels file against the index
 * (sizes and label range).
 */
export function checkSplit(
  index: DatasetIndex,
  splitName: string,
  images: Uint8Array,
  labels: Uint8Array,
): DatasetSplit {
  const split = index.splits[splitName];
  if (!split) fail(`no split "${splitName}" (have ${Object.keys(index.splits).join(', ')})`);
  const pixels = index.channels * index.height * index.width;
  if (images.length !== split.count * pixels)
    fail(
      `the images of split "${splitName}" have ${images.length} bytes, expected ${split.count} × ${pixels} = ${split.count * pixels}`,
    );
  checkLabels(index, splitName, labels);
  return { images, labels, count: split.count };
}

/** Checks a split's labels file: one byte per image, each a class index. */
export function checkLabels(index: DatasetIndex, splitName: string, labels: Uint8Array): void {
  const split = index.splits[splitName];
  if (!split) fail(`no split "${splitName}" (have ${Object.keys(index.splits).join(', ')})`);
  if (labels.length !== split.count)
    fail(`"${split.labels}" has ${labels.length} bytes, expected ${split.count}`);
  for (let i = 0; i < labels.length; i++)
    if (labels[i] >= index.classes.length)
      fail(
        `label ${labels[i]} of image ${i} in "${split.labels}" is not a class index (0…${index.classes.length - 1})`,
      );
}

/**
 * Converts `count` images starting at `start` to model input x_0 (NCHW float32) with the manifest's
 * normalisation: x = (v/255 − mean[c]) / std[c]. Bundled data is already at the model's size.
 */
export function datasetToModelInput(
  split: DatasetSplit,
  index: Pick<DatasetIndex, 'channels' | 'height' | 'width'>,
  start: number,
  count: number,
  norm: { mean: readonly number[]; std: readonly number[] },
): Float32Array {
  const { channels: C, height: H, width: W } = index;
  const pixels = C * H * W;
  const out = new Float32Array(count * pixels);
  for (let n = 0; n < count; n++) {
    const src = (start + n) * pixels;
    for (let c = 0; c < C; c++) {
      const mean = norm.mean[c];
      const std = norm.std[c];
      for (let p = 0; p < H * W; p++) {
        // Stored HWC (interleaved) when there are 3 channels; plain HW for one. The arithmetic is
        // exactly (v/255 − mean)/std in float64, as in tools/model/data.py: noise is seeded from
        // x0's bytes, so any other rounding would change the noise.
        const v = split.images[src + p * C + c];
        out[n * pixels + c * H * W + p] = (v / 255 - mean) / std;
      }
    }
  }
  return out;
}

/** Converts images picked by index (any order) to model input. */
export function datasetRowsToModelInput(
  split: DatasetSplit,
  index: Pick<DatasetIndex, 'channels' | 'height' | 'width'>,
  rows: readonly number[],
  norm: { mean: readonly number[]; std: readonly number[] },
): Float32Array {
  const pixels = index.channels * index.height * index.width;
  const out = new Float32Array(rows.length * pixels);
  for (const [i, row] of rows.entries()) out.set(datasetToModelInput(split, index, row, 1, norm), i * pixels);
  return out;
}
