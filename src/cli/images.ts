/**
 * @file The image sets the CLI reads, each turned into model input x_0 by the app's own code:
 * - `bundled:<split>`: the data set the manifest names (data/bundled.ts, as in the browser);
 * - IDX files (`*-images-idx3-ubyte[.gz]`, labels found beside them or given): Fashion-MNIST's
 *   original format, e.g. Debian's dataset-fashion-mnist;
 * - a `.npy` array of uint8 images ([N,H,W], [N,H,W,C] or [N,C,H,W], C = 1 or 3), labels from
 *   `--labels <npy>`;
 * - an ImageFolder directory (one subfolder per class, PNG/JPEG files): decoded by core/image/decode,
 *   the browser's own decoding path, then converted like the app's uploads (core/image/convert.ts).
 * The bundled data set goes through bundledModelInput, exactly as the browser feeds it, and is never
 * inverted (it is the model's own data). Every other set (IDX, .npy, a folder) is converted by
 * core/image/convert.ts with the polarity mode of --invert (default: the manifest's), decided per
 * image (core/image/polarity.ts), so the same pixels give the same x_0 whether they come as an IDX
 * row, a .npy row or a PNG file, and the decisions are kept for run.json and polarity.tsv.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DiffProbeError } from '../core/errors';
import { convertHwc, convertRgba, modelInputSpec } from '../core/image/convert';
import { checkImageFile, decodeImageFile } from '../core/image/decode';
import { decodeSizeFor } from '../core/image/file';
import {
  countPolarity,
  INVERT_MODES,
  type InvertMode,
  type PolarityDecision,
  summarisePolarity,
} from '../core/image/polarity';
import type { Manifest } from '../core/manifest/types';
import { readNpy } from '../core/npy';
import { type BundledDataset, bundledModelInput } from '../data/bundled';
import { nodeJpeg } from '../engine/jpeg-node';
import { type OptionSpec, type ParsedArgs, str, UsageError } from './args';
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
  /** Things to tell the user about the set (a folder's skipped files, EXIF blocks not used). */
  readonly notes?: readonly string[];
  /** SHA-256 digests of the files behind `rows` (a folder's files), for run.json; null for one-file sets. */
  fileHashes?(rows: readonly number[]): Promise<{ file: string; sha256: string }[]>;
  /**
   * The polarity decision of a row converted by modelInput (undefined before; and always for the
   * bundled data set, which is never inverted).
   */
  polarity?(row: number): PolarityDecision | undefined;
}

export const INVERT_OPTION: OptionSpec = {
  name: 'invert',
  value: 'auto|always|never',
  help: 'polarity of your images (not the bundled data set): auto inverts each image on a light background',
  default: 'the manifest’s preprocessing.invert',
};

/** --invert, else the manifest's mode. */
export function invertOf(flags: ParsedArgs['flags'], manifest: Manifest): InvertMode {
  const v = str(flags, 'invert');
  if (v === undefined) return manifest.preprocessing.invert;
  if (!(INVERT_MODES as readonly string[]).includes(v))
    throw new UsageError(`--invert must be auto, always or never, got ${JSON.stringify(v)}`);
  return v as InvertMode;
}

/** One image's decision, by id. */
export interface IdPolarity {
  id: string;
  polarity: PolarityDecision;
}

/** The decisions of `rows` of `set` (converted already), or null for a set without any (the bundled data). */
export function decisionsOf(set: ImageSet, rows: readonly number[]): IdPolarity[] | null {
  if (!set.polarity) return null;
  const out: IdPolarity[] = [];
  for (const r of rows) {
    const p = set.polarity(r);
    if (!p) return null;
    out.push({ id: set.id(r), polarity: p });
  }
  return out;
}

/**
 * What run.json records of the polarity of a set of images: the mode, the summary line, the
 * counts per reason, and the ids of the inverted images and of the near-ties.
 */
export function polarityRecord(decided: readonly IdPolarity[]): Record<string, unknown> {
  const decisions = decided.map((d) => d.polarity);
  const reasons: Record<string, number> = {};
  for (const p of decisions) reasons[p.reason] = (reasons[p.reason] ?? 0) + 1;
  const counts = countPolarity(decisions);
  return {
    mode: counts.modes.length === 1 ? counts.modes[0] : counts.modes,
    summary: summarisePolarity(decisions),
    images: counts.total,
    invertedCount: counts.inverted,
    nearTieCount: counts.nearTies,
    reasons,
    inverted: decided.filter((d) => d.polarity.inverted).map((d) => d.id),
    nearTies: decided.filter((d) => d.polarity.nearTie).map((d) => d.id),
  };
}

/** polarity.tsv beside ids.txt: one line per image, in ids.txt's order. */
export function polarityTable(decided: readonly IdPolarity[]): string {
  const lines = ['id\tinverted\treason\tbackground\tnear_tie\tframe'];
  for (const { id, polarity: p } of decided) {
    const bg = p.background === null ? '' : String(Math.round(p.background * 100) / 100);
    lines.push([id, p.inverted ? 1 : 0, p.reason, bg, p.nearTie ? 1 : 0, p.frame].join('\t'));
  }
  return `${lines.join('\n')}\n`;
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

/**
 * A uint8 image array (HWC per image; IDX or .npy), converted image by image by core/image with
 * the polarity mode `invert`: at the model's size, bit for bit the bundled data's conversion when
 * nothing is inverted.
 */
function arraySet(
  source: Record<string, unknown>,
  images: Uint8Array,
  shape: { count: number; channels: 1 | 3; height: number; width: number },
  labels: Int32Array | null,
  classes: string[] | null,
  idPrefix: string,
  invert: InvertMode,
): ImageSet {
  const pixels = shape.channels * shape.height * shape.width;
  const decisions = new Map<number, PolarityDecision>();
  return {
    source: { ...source, invert },
    count: shape.count,
    labels,
    classes,
    id: (row) => `${idPrefix}:${row}`,
    modelInput: async (rows, manifest) => {
      const target = modelInputSpec(manifest, invert);
      const size = target.channels * target.height * target.width;
      const out = new Float32Array(rows.length * size);
      for (const [i, row] of rows.entries()) {
        const hwc = images.subarray(row * pixels, (row + 1) * pixels);
        const { x0, polarity } = convertHwc(hwc, shape.channels, shape.height, shape.width, target);
        decisions.set(row, polarity);
        out.set(x0, i * size);
      }
      return out;
    },
    polarity: (row) => decisions.get(row),
  };
}

/** The manifest's bundled data set, one split (`bundled:test`), loaded and checked as the browser does. */
export async function bundledSet(
  manifest: Manifest,
  manifestPath: string,
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

async function idxSet(
  path: string,
  labelsPath: string | null,
  manifest: Manifest,
  invert: InvertMode,
): Promise<ImageSet> {
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
    invert,
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

async function npySet(
  path: string,
  labelsPath: string | null,
  manifest: Manifest,
  invert: InvertMode,
): Promise<ImageSet> {
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
    invert,
  );
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);
/** Image files the browser decodes with its own decoders: the CLI names and skips them. */
const BROWSER_ONLY_EXT = new Set(['.webp', '.gif', '.bmp', '.avif', '.heic', '.tif', '.tiff', '.svg']);

/** A folder's file that was left out, and why (run.json's `skipped`, and a note on stderr). */
export interface SkippedFile {
  file: string;
  reason: string;
}

/**
 * An ImageFolder: `root/<class>/<file>.png|jpg|jpeg`, classes in sorted order (as torchvision's
 * ImageFolder numbers them), files sorted by path. Image files directly under `root` (no class
 * folders at all) make an unlabelled set. Each file is decoded by core/image/decode (the browser's
 * decoders, EXIF orientation applied) and converted with the polarity mode `invert`.
 *
 * Every file is checked before any is used (type, size from the header, truncation, a
 * decompression bomb: core/image/decode's checkImageFile), and a bad one is skipped with its
 * reason, so the rest of the folder loads; so are WebP, GIF, BMP… files, which only a browser
 * decodes (the CLI cannot reproduce its decoder bit for bit).
 */
export async function folderSet(root: string, invert: InvertMode): Promise<ImageSet> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    invalid(`cannot read the image folder ${root}: ${(error as NodeJS.ErrnoException).code}`);
  }
  const skipped: SkippedFile[] = [];
  const notes: string[] = [];
  const hashes = new Map<string, string>();
  const isCandidate = (name: string) => {
    const ext = extname(name).toLowerCase();
    return IMAGE_EXT.has(ext) || BROWSER_ONLY_EXT.has(ext);
  };
  /** The usable files of `paths`: checked, the others skipped with their reason. */
  const usable = async (paths: string[]) => {
    const out: string[] = [];
    for (const path of paths) {
      const file = relative(root, path).split('\\').join('/');
      const ext = extname(path).toLowerCase();
      if (BROWSER_ONLY_EXT.has(ext)) {
        skipped.push({
          file,
          reason: `a ${ext.slice(1).toUpperCase()} file: only a browser decodes it, with a decoder the CLI cannot reproduce bit for bit; convert it to PNG`,
        });
        continue;
      }
      const bytes = await readBytes(path, 'image');
      try {
        const { notes: n } = checkImageFile(bytes, file);
        for (const note of n) notes.push(`${file}: ${note}`);
        hashes.set(path, sha256(bytes));
        out.push(path);
      } catch (error) {
        if (!(error instanceof DiffProbeError)) throw error;
        skipped.push({ file, reason: error.message });
      }
    }
    return out;
  };
  const files: { path: string; label: number }[] = [];
  const classDirs = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  const classes: string[] = [];
  for (const cls of classDirs) {
    const found = await usable(await listImages(join(root, cls), isCandidate));
    if (!found.length) continue;
    for (const f of found) files.push({ path: f, label: classes.length });
    classes.push(cls);
  }
  const loose = entries
    .filter((e) => e.isFile() && isCandidate(e.name))
    .map((e) => join(root, e.name))
    .sort();
  if (!files.length && loose.length) for (const f of await usable(loose)) files.push({ path: f, label: -1 });
  if (!files.length)
    invalid(
      `no usable PNG or JPEG images in ${root} (expected one subfolder per class, as ImageFolder: ${root}/<class>/<image>.png)${skipped.length ? `; skipped: ${skipped.map((s) => `${s.file}: ${s.reason}`).join('; ')}` : ''}`,
    );
  const labelled = files[0].label >= 0;
  const hashOf = async (row: number) => {
    const path = files[row].path;
    let h = hashes.get(path);
    if (!h) {
      h = sha256(await readBytes(path, 'image'));
      hashes.set(path, h);
    }
    return h;
  };
  const decisions = new Map<number, PolarityDecision>();
  return {
    source: {
      kind: 'folder',
      name: basename(resolve(root)),
      folder: resolve(root),
      classes: labelled ? classes : [],
      invert,
      decoder:
        'diffprobe (core/image/decode: fast-png, libjpeg-turbo 2.0 WASM from @cwasm/jpeg-turbo 0.1.3 with DCT scaling; EXIF orientation applied; no colour profile)',
      ...(skipped.length ? { skipped } : {}),
    },
    notes: [...skipped.map((s) => `skipped ${s.file}: ${s.reason}`), ...notes],
    count: files.length,
    labels: labelled ? Int32Array.from(files, (f) => f.label) : null,
    classes: labelled ? classes : null,
    id: (row) => relative(root, files[row].path).split('\\').join('/'),
    async modelInput(rows, manifest) {
      const target = modelInputSpec(manifest, invert);
      // The browser's size rule (decodeSizeFor), so that both decode a JPEG at the same DCT scale.
      const atLeast = decodeSizeFor(target);
      const pixels = target.channels * target.height * target.width;
      const out = new Float32Array(rows.length * pixels);
      for (const [i, row] of rows.entries()) {
        const name = relative(root, files[row].path);
        const bytes = await readBytes(files[row].path, 'image');
        hashes.set(files[row].path, sha256(bytes));
        const { rgba, width, height } = await decodeImageFile(bytes, name, { jpeg: nodeJpeg, atLeast });
        const { x0, polarity } = convertRgba(rgba, width, height, target);
        decisions.set(row, polarity);
        out.set(x0, i * pixels);
      }
      return out;
    },
    polarity: (row) => decisions.get(row),
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
 * @param invert the polarity mode of every set but the bundled data (invertOf: --invert, else the manifest's).
 */
export async function openImageSet(
  spec: string,
  labels: string | null,
  manifest: Manifest,
  manifestPath: string,
  invert: InvertMode = manifest.preprocessing.invert,
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
    return folderSet(spec, invert);
  }
  if (spec.toLowerCase().endsWith('.npy')) return npySet(spec, labels, manifest, invert);
  const head = maybeGunzip(await readBytes(spec, 'images'), spec);
  if (head[0] === 0 && head[1] === 0 && head[2] === 0x08) return idxSet(spec, labels, manifest, invert);
  invalid(`--data ${spec} is neither IDX images, a .npy array nor a folder`);
}
