/**
 * @file The image sets the CLI reads, each turned into model input x_0 by the app's own code:
 * - `bundled:<split>`: the data set the manifest names (data/bundled.ts, as in the browser);
 * - IDX files (`*-images-idx3-ubyte[.gz]`, labels found beside them or given): Fashion-MNIST's
 *   original format, e.g. Debian's dataset-fashion-mnist;
 * - a `.npy` array of uint8 images ([N,H,W], [N,H,W,C] or [N,C,H,W], C = 1 or 3), labels from
 *   `--labels <npy>`;
 * - an ImageFolder directory (one subfolder per class, PNG/JPEG files): decoded in Node with pngjs
 *   and jpeg-js (pure JavaScript), then converted like the app's uploads (core/image/convert.ts,
 *   including the manifest's `invert`).
 * Fixed-size arrays (bundled, IDX, .npy) go through bundledModelInput, exactly as the browser
 * feeds its bundled data: the same bytes give the same x_0, the same noise and the same features.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import type { DatasetIndex, DatasetSplit } from '../core/dataset/index-file';
import { DiffProbeError, quote } from '../core/errors';
import { rgbaToModelInput } from '../core/image/convert';
import { sniffImage } from '../core/image/sniff';
import type { Manifest } from '../core/manifest/types';
import { readNpy } from '../core/npy';
import { type BundledDataset, bundledModelInput } from '../data/bundled';
import { loadNodeDataset } from './load';

/** A set of images addressed by row, with optional labels. */
export interface ImageSet {
  /** What run.json records about where the images came from. */
  readonly source: Record<string, unknown>;
  readonly count: number;
  /** Per-row class index, or null (unlabelled). */
  readonly labels: Int32Array | null;
  /** Class names for the labels (the manifest's when the source has none). */
  readonly classes: string[] | null;
  /** A stable name for a row ("test:12", "idx:12", "cls/a.png"). */
  id(row: number): string;
  /** x_0 of `rows`, in order: [rows.length, C, H, W] float32 for this model. */
  modelInput(rows: readonly number[], manifest: Manifest): Promise<Float32Array>;
  /** SHA-256 digests of the files behind `rows` (a folder's files), for run.json; null for one-file sets. */
  fileHashes?(rows: readonly number[]): Promise<{ file: string; sha256: string }[]>;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function invalid(message: string): never {
  throw new DiffProbeError('dataset-invalid', message);
}

async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    invalid(`cannot read ${what} ${path}: ${e.code ?? e.message}`);
  }
}

/** A fixed-size uint8 image array (HWC per image) behind the browser's bundled-data conversion. */
function arraySet(
  source: Record<string, unknown>,
  images: Uint8Array,
  shape: { count: number; channels: 1 | 3; height: number; width: number },
  labels: Int32Array | null,
  classes: string[] | null,
  idPrefix: string,
): ImageSet {
  const split: DatasetSplit = {
    images,
    labels: labels ? Uint8Array.from(labels, (l) => Math.min(255, l)) : new Uint8Array(shape.count),
    count: shape.count,
  };
  const index = {
    format: 'diffprobe-dataset',
    version: 1,
    name: String(source.name ?? idPrefix),
    classes: classes ?? ['?'],
    channels: shape.channels,
    height: shape.height,
    width: shape.width,
    splits: { test: { count: shape.count, images: '', labels: '' } },
  } satisfies DatasetIndex;
  const ds: BundledDataset = { index, splits: { test: split } };
  return {
    source,
    count: shape.count,
    labels,
    classes,
    id: (row) => `${idPrefix}:${row}`,
    // The id form "test:<row>" is bundledModelInput's address of a row; any split name works.
    modelInput: async (rows, manifest) =>
      bundledModelInput(
        ds,
        rows.map((r) => `test:${r}`),
        manifest,
      ),
  };
}

/** The manifest's bundled data set, one split (`bundled:test`), loaded and checked as the browser does. */
export async function bundledSet(
  manifest: Manifest,
  manifestPath: string | null,
  splitName: string,
): Promise<ImageSet> {
  const { index, split, indexPath } = await loadNodeDataset(manifest, manifestPath, splitName);
  const files = index.splits[splitName];
  // bundledModelInput addresses rows as "train:<row>" / "test:<row>"; another split name is
  // served under "test" (the conversion does not depend on the name).
  const name = splitName === 'train' ? 'train' : 'test';
  const ds: BundledDataset = { index, splits: { [name]: split } };
  return {
    source: {
      kind: 'bundled',
      name: index.name,
      index: indexPath,
      split: splitName,
      files: {
        [files.images]: index.sha256?.[files.images] ?? null,
        [files.labels]: index.sha256?.[files.labels] ?? null,
      },
    },
    count: split.count,
    labels: Int32Array.from(split.labels),
    classes: [...index.classes],
    id: (row) => `${splitName}:${row}`,
    modelInput: async (rows, m) =>
      bundledModelInput(
        ds,
        rows.map((r) => `${name}:${r}`),
        m,
      ),
  };
}

function maybeGunzip(bytes: Uint8Array, path: string): Uint8Array {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return new Uint8Array(gunzipSync(bytes));
  } catch (error) {
    invalid(`${path} looks gzipped but does not decompress: ${(error as Error).message}`);
  }
}

/** Parses an IDX file (http://yann.lecun.com/exdb/mnist/ format): uint8 data only. */
export function parseIdx(bytes: Uint8Array, path: string): { dims: number[]; data: Uint8Array } {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0)
    invalid(`${path} is not an IDX file (it does not start with 00 00)`);
  if (bytes[2] !== 0x08)
    invalid(`${path}: only unsigned-byte IDX files are supported (type 0x${bytes[2].toString(16)})`);
  const rank = bytes[3];
  if (rank < 1 || rank > 4) invalid(`${path}: IDX rank ${rank} is not 1…4`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 + 4 * rank) invalid(`${path} is truncated (${bytes.length} bytes)`);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * rank;
  if (bytes.length !== start + size)
    invalid(`${path}: IDX dims ${dims.join('×')} need ${start + size} bytes, the file has ${bytes.length}`);
  return { dims, data: bytes.subarray(start) };
}

/** `train-images-idx3-ubyte.gz` → `train-labels-idx1-ubyte.gz` (the file beside it), or null. */
export function idxLabelsPath(imagesPath: string): string | null {
  const name = basename(imagesPath);
  if (!/images-idx3-ubyte/.test(name)) return null;
  return join(dirname(imagesPath), name.replace('images-idx3-ubyte', 'labels-idx1-ubyte'));
}

async function idxSet(path: string, labelsPath: string | null, manifest: Manifest): Promise<ImageSet> {
  const raw = await readBytes(path, 'IDX images');
  const { dims, data } = parseIdx(maybeGunzip(raw, path), path);
  if (dims.length !== 3 && !(dims.length === 4 && (dims[3] === 1 || dims[3] === 3)))
    invalid(`${path}: IDX images must be N×H×W or N×H×W×C (C = 1 or 3), got ${dims.join('×')}`);
  const [count, height, width] = dims;
  const channels = (dims.length === 4 ? dims[3] : 1) as 1 | 3;
  let labels: Int32Array | null = null;
  let labelHash: string | null = null;
  const lp = labelsPath ?? idxLabelsPath(path);
  if (lp) {
    let rawLabels: Uint8Array | null = null;
    try {
      await stat(lp);
      rawLabels = await readBytes(lp, 'IDX labels');
    } catch (error) {
      if (labelsPath) throw error instanceof DiffProbeError ? error : invalid(`cannot read --labels ${lp}`);
    }
    if (rawLabels) {
      const parsed = parseIdx(maybeGunzip(rawLabels, lp), lp);
      if (parsed.dims.length !== 1 || parsed.dims[0] !== count)
        invalid(`${lp} holds ${parsed.dims.join('×')} labels for ${count} images in ${path}`);
      labels = Int32Array.from(parsed.data);
      labelHash = sha256(rawLabels);
    }
  }
  const classes = classesFor(labels, manifest);
  return arraySet(
    {
      kind: 'idx',
      name: basename(path),
      images: { file: resolve(path), sha256: sha256(raw) },
      labels: labels && lp ? { file: resolve(lp), sha256: labelHash } : null,
    },
    data,
    { count, channels, height, width },
    labels,
    classes,
    'idx',
  );
}

/** The manifest's class names when they cover the labels, else "0", "1", …. */
function classesFor(labels: Int32Array | null, manifest: Manifest): string[] | null {
  if (!labels) return null;
  let max = -1;
  for (const l of labels) max = Math.max(max, l);
  if (manifest.classes && manifest.classes.length > max) return [...manifest.classes];
  return Array.from({ length: max + 1 }, (_, i) => String(i));
}

async function npyLabels(path: string, count: number): Promise<{ labels: Int32Array; sha256: string }> {
  const bytes = await readBytes(path, '--labels');
  const arr = readNpy(bytes);
  if (arr.shape.length !== 1 || arr.shape[0] !== count)
    invalid(`--labels ${path} has shape (${arr.shape.join(', ')}), expected (${count},)`);
  if (arr.data instanceof Float32Array || arr.data instanceof Float64Array)
    invalid(`--labels ${path} must hold integers, not ${arr.descr}`);
  const labels = Int32Array.from(arr.data as ArrayLike<number | bigint>, (v) => Number(v));
  const bad = labels.findIndex((l) => l < 0 || l > 255);
  if (bad >= 0) invalid(`--labels ${path}: label ${labels[bad]} of row ${bad} is not a class index 0…255`);
  return { labels, sha256: sha256(bytes) };
}

async function npySet(path: string, labelsPath: string | null, manifest: Manifest): Promise<ImageSet> {
  const bytes = await readBytes(path, 'images');
  const arr = readNpy(bytes);
  if (!(arr.data instanceof Uint8Array) || arr.descr.endsWith('b1'))
    invalid(
      `${path} holds ${arr.descr}, not uint8 images; save them with numpy as images.astype(np.uint8) (values 0…255)`,
    );
  const s = arr.shape;
  let layout: 'hw' | 'hwc' | 'chw';
  if (s.length === 3) layout = 'hw';
  else if (s.length === 4 && (s[3] === 1 || s[3] === 3)) layout = 'hwc';
  else if (s.length === 4 && (s[1] === 1 || s[1] === 3)) layout = 'chw';
  else invalid(`${path} has shape (${s.join(', ')}); expected N×H×W, N×H×W×C or N×C×H×W with C = 1 or 3`);
  const count = s[0];
  const channels = (layout === 'hw' ? 1 : layout === 'hwc' ? s[3] : s[1]) as 1 | 3;
  const [height, width] = layout === 'chw' ? [s[2], s[3]] : [s[1], s[2]];
  let data = arr.data as Uint8Array;
  if (layout === 'chw' && channels === 3) {
    const n = height * width;
    const hwc = new Uint8Array(data.length);
    for (let i = 0; i < count; i++)
      for (let c = 0; c < 3; c++)
        for (let p = 0; p < n; p++) hwc[i * 3 * n + p * 3 + c] = data[i * 3 * n + c * n + p];
    data = hwc;
  }
  const lab = labelsPath ? await npyLabels(labelsPath, count) : null;
  return arraySet(
    {
      kind: 'npy',
      name: basename(path),
      images: { file: resolve(path), sha256: sha256(bytes), shape: s },
      labels: lab && labelsPath ? { file: resolve(labelsPath), sha256: lab.sha256 } : null,
    },
    data,
    { count, channels, height, width },
    lab?.labels ?? null,
    classesFor(lab?.labels ?? null, manifest),
    'npy',
  );
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);

/** Decodes a PNG or JPEG file to RGBA bytes (pngjs, jpeg-js: pure JavaScript). */
export function decodeImage(
  bytes: Uint8Array,
  name: string,
): { rgba: Uint8Array; width: number; height: number } {
  const header = sniffImage(bytes, name);
  if (header.kind !== 'png' && header.kind !== 'jpeg')
    throw new DiffProbeError('image-type', `${quote(name)} is a ${header.kind.toUpperCase()} file`);
  try {
    if (header.kind === 'png') {
      const png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return {
        rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length),
        width: png.width,
        height: png.height,
      };
    }
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
    return { rgba: img.data, width: img.width, height: img.height };
  } catch (error) {
    throw new DiffProbeError(
      'image-decode',
      `${quote(name)} could not be decoded (${(error as Error).message})`,
    );
  }
}

/**
 * An ImageFolder: `root/<class>/<file>.png|jpg|jpeg`, classes in sorted order (as torchvision's
 * ImageFolder numbers them), files sorted by path. Image files directly under `root` (no class
 * folders at all) make an unlabelled set.
 */
export async function folderSet(root: string): Promise<ImageSet> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    invalid(`cannot read the image folder ${root}: ${(error as NodeJS.ErrnoException).code}`);
  }
  const files: { path: string; label: number }[] = [];
  const isImage = (name: string) => IMAGE_EXT.has(extname(name).toLowerCase());
  const classDirs = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  const classes: string[] = [];
  for (const cls of classDirs) {
    const found = await listImages(join(root, cls), isImage);
    if (!found.length) continue;
    for (const f of found) files.push({ path: f, label: classes.length });
    classes.push(cls);
  }
  const loose = entries
    .filter((e) => e.isFile() && isImage(e.name))
    .map((e) => join(root, e.name))
    .sort();
  if (!files.length && loose.length) for (const f of loose) files.push({ path: f, label: -1 });
  if (!files.length)
    invalid(
      `no PNG or JPEG images in ${root} (expected one subfolder per class, as ImageFolder: ${root}/<class>/<image>.png)`,
    );
  const labelled = files[0].label >= 0;
  const hashes = new Map<number, string>();
  const hashOf = async (row: number) => {
    let h = hashes.get(row);
    if (!h) {
      h = sha256(await readBytes(files[row].path, 'image'));
      hashes.set(row, h);
    }
    return h;
  };
  return {
    source: {
      kind: 'folder',
      name: basename(resolve(root)),
      folder: resolve(root),
      classes: labelled ? classes : [],
    },
    count: files.length,
    labels: labelled ? Int32Array.from(files, (f) => f.label) : null,
    classes: labelled ? classes : null,
    id: (row) => relative(root, files[row].path).split('\\').join('/'),
    async modelInput(rows, manifest) {
      const { input, preprocessing } = manifest;
      const pixels = input.channels * input.height * input.width;
      const out = new Float32Array(rows.length * pixels);
      for (const [i, row] of rows.entries()) {
        const name = relative(root, files[row].path);
        const bytes = await readBytes(files[row].path, 'image');
        hashes.set(row, sha256(bytes));
        const { rgba, width, height } = decodeImage(bytes, name);
        out.set(
          rgbaToModelInput(rgba, width, height, {
            channels: input.channels,
            height: input.height,
            width: input.width,
            mean: preprocessing.mean,
            std: preprocessing.std,
            invert: preprocessing.invert,
          }),
          i * pixels,
        );
      }
      return out;
    },
    async fileHashes(rows) {
      const out: { file: string; sha256: string }[] = [];
      for (const row of rows) out.push({ file: relative(root, files[row].path), sha256: await hashOf(row) });
      return out;
    },
  };
}

async function listImages(dir: string, isImage: (name: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listImages(p, isImage)));
    else if (e.isFile() && isImage(e.name)) out.push(p);
  }
  return out.sort();
}

/**
 * Opens `spec`: `bundled:<split>`, an IDX file, a `.npy`, or a folder.
 *
 * @param labels `--labels`: IDX or .npy labels (IDX labels are otherwise found beside the images).
 */
export async function openImageSet(
  spec: string,
  labels: string | null,
  manifest: Manifest,
  manifestPath: string | null,
): Promise<ImageSet> {
  if (spec.startsWith('bundled:')) return bundledSet(manifest, manifestPath, spec.slice('bundled:'.length));
  let info: import('node:fs').Stats;
  try {
    info = await stat(spec);
  } catch {
    invalid(`--data ${spec}: no such file or folder (give bundled:<split>, IDX images, a .npy or a folder)`);
  }
  if (info.isDirectory()) {
    if (labels) invalid(`--labels does not apply to a folder: its subfolders are the classes`);
    return folderSet(spec);
  }
  if (spec.toLowerCase().endsWith('.npy')) return npySet(spec, labels, manifest);
  const head = maybeGunzip(await readBytes(spec, 'images'), spec);
  if (head[0] === 0 && head[1] === 0 && head[2] === 0x08) return idxSet(spec, labels, manifest);
  invalid(`--data ${spec} is neither IDX images, a .npy array nor a folder`);
}
