/**
 * @file What `reproduce` reads besides the export: the model files its record names (bundled,
 * --model, or a random-weights twin made again from its seed, each checked by SHA-256), and its
 * images (the bundled data set by id, the user's from --images matched by content), each x₀
 * checked against the record's content hash.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiffProbeError } from '../core/errors';
import { convertRgba, modelInputSpec } from '../core/image/convert';
import { decodeImageFile } from '../core/image/decode';
import { decodeSizeFor } from '../core/image/file';
import { modelIdentity } from '../core/manifest/numbers-key';
import type { Manifest } from '../core/manifest/types';
import { scheduleFromManifest } from '../core/schedule';
import { nodeJpeg } from '../engine/jpeg-node';
import { imageHashes } from '../pipeline/cache-key';
import type { ImageInput } from '../pipeline/probe-run';
import type { ModelRecord, Provenance, TwinRecord } from '../pipeline/provenance';
import type { LabelledSplit } from '../pipeline/split';
import { UsageError } from './args';
import { bundledSet, type ImageSet } from './images';
import { loadConstants, type ModelFile, modelHash, twinOfModelFile } from './load';
import { cliModelId } from './runtime';

const ROOTS = [
  resolve('public/models'),
  // dist-cli/diffprobe.js and src/cli/reproduce.ts, each below the repository root.
  fileURLToPath(new URL('../public/models', import.meta.url)),
  fileURLToPath(new URL('../../public/models', import.meta.url)),
];

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function tryRead(path: string): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await readFile(path));
  } catch {
    return null;
  }
}

interface Candidate {
  onnx: string;
  /** The manifest beside it: only anchors relative paths (the data set). */
  anchor: string;
}

/** The bundled models (public/models/*) whose manifest `match`es. */
async function bundledModels(match: (m: { model?: { sha256?: string } } & Manifest) => boolean) {
  const found: Candidate[] = [];
  for (const root of new Set(ROOTS)) {
    let dirs: string[] = [];
    try {
      dirs = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch {
      continue;
    }
    for (const d of dirs) {
      const manifestPath = join(root, d, 'manifest.json');
      const text = await tryRead(manifestPath);
      if (!text) continue;
      try {
        const m = JSON.parse(new TextDecoder().decode(text));
        if (match(m)) found.push({ onnx: join(root, d, m.model.file), anchor: manifestPath });
      } catch {}
    }
  }
  return found;
}

/** The first candidate whose bytes have SHA-256 `want`, under `manifest` (a record's). */
async function openCandidate(
  candidates: Candidate[],
  want: string,
  manifest: Manifest,
  flag: string | undefined,
  what: string,
): Promise<ModelFile | null> {
  for (const c of candidates) {
    const bytes = await tryRead(c.onnx);
    if (!bytes) continue;
    const hash = sha256(bytes);
    if (hash !== want) {
      if (flag)
        throw new DiffProbeError(
          'model-mismatch',
          `${flag} has sha256 ${hash.slice(0, 12)}…; the export was computed with ${what} of sha256 ${want.slice(0, 12)}…`,
        );
      continue;
    }
    // A conditioning embedding the manifest feeds from a .npy is read from beside the ONNX.
    const loaded = await loadConstants(manifest, dirname(c.onnx));
    return {
      manifest: loaded.manifest,
      manifestPath: c.anchor,
      modelPath: c.onnx,
      sha256: hash,
      hash: await modelHash(bytes, hash, c.onnx),
      bytes,
      alphasCumprod: scheduleFromManifest(loaded.manifest.schedule).alphasCumprod,
      constants: loaded.constants,
    };
  }
  return null;
}

const fromFlag = (path: string): Candidate => ({
  onnx: resolve(path),
  anchor: join(dirname(resolve(path)), 'manifest.json'),
});

/**
 * The model file of a record: `flag` (--model, --versus-model), else a bundled model whose
 * manifest names the same SHA-256. Its manifest is the record's; the bundled manifest's folder
 * only anchors relative paths (the data set).
 */
export async function locateModel(
  record: ModelRecord,
  flag: { name: string; path: string | undefined },
): Promise<ModelFile> {
  const [onnx, ...external] = record.files;
  if (external.length)
    throw new DiffProbeError(
      'model-unsupported',
      `the model keeps its weights in external data (${external.map((f) => f.name).join(', ')}): the CLI opens single-file models only`,
    );
  const want = onnx.sha256.toLowerCase();
  const candidates = flag.path
    ? [fromFlag(flag.path)]
    : await bundledModels((m) => String(m?.model?.sha256 ?? '').toLowerCase() === want);
  const found = await openCandidate(
    candidates,
    want,
    record.manifest,
    flag.path && `--${flag.name} ${flag.path}`,
    onnx.name,
  );
  if (found) return found;
  throw new DiffProbeError(
    'model-missing',
    `the export was computed with ${record.name} (${onnx.name}, sha256 ${want.slice(0, 12)}…), which is not a bundled model: give its .onnx with --${flag.name}`,
  );
}

/** Does `file` stand for the trained model a twin record names (by SHA-256: the CLI's; by identity: the app's)? */
const isTrained = (file: ModelFile, of: string) => file.sha256 === of || cliModelId(file) === of;

/**
 * A random-weights twin of a record: made again from the trained model (`trained` when it is the
 * one the record names, else a bundled model, else `flag`) and its init seed, and checked against
 * the record's SHA-256 — the same bytes, or an error saying so.
 */
export async function locateTwin(
  record: ModelRecord,
  twin: TwinRecord,
  trained: ModelFile | null,
  flag: { name: string; path: string | undefined },
): Promise<ModelFile> {
  let base = trained && isTrained(trained, twin.of) ? trained : null;
  if (!base) {
    const candidates = flag.path
      ? [fromFlag(flag.path)]
      : await bundledModels((m) => {
          const sha = String(m?.model?.sha256 ?? '').toLowerCase();
          return sha === twin.of || (sha !== '' && modelIdentity(sha, m) === twin.of);
        });
    // The twin is drawn from the graph and the timestep input's name alone, which the twin's
    // manifest (the record's) shares with the trained model's.
    for (const c of candidates) {
      const bytes = await tryRead(c.onnx);
      if (!bytes) continue;
      base = await openCandidate([c], sha256(bytes), record.manifest, undefined, '');
      if (base) break;
    }
  }
  if (!base)
    throw new DiffProbeError(
      'model-missing',
      `the export's ${record.name} is the random-weights twin (init seed ${twin.seed}) of a model that is not bundled: give the trained model's .onnx with --${flag.name}`,
    );
  const made = twinOfModelFile(base, twin.seed);
  const want = record.files[0].sha256.toLowerCase();
  if (made.sha256 !== want)
    throw new DiffProbeError(
      'model-mismatch',
      `the random-weights twin made again (init seed ${twin.seed}) has sha256 ${made.sha256.slice(0, 12)}…; the export's has ${want.slice(0, 12)}…`,
    );
  // The record's manifest: the preprocessing and schedule the numbers were computed under.
  return { ...made, manifest: record.manifest };
}

/** Every file under `dir`, by its SHA-256 (full, and its first 12 hex digits: the app's upload ids). */
async function filesByContent(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (error) {
      throw new UsageError(`--images ${dir}: cannot read ${d}: ${(error as NodeJS.ErrnoException).code}`);
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const path = join(d, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.isFile()) {
        const hash = sha256(new Uint8Array(await readFile(path)));
        out.set(hash, path);
        out.set(hash.slice(0, 12), path);
      }
    }
  };
  await walk(dir);
  return out;
}

/** The ids of the user's images the record says were inverted before they reached the model. */
function invertedIds(p: Provenance): Set<string> {
  const s = p.settings;
  return new Set([...('spec' in s ? (s.spec.data.inverted ?? []) : []), ...(p.images.inverted ?? [])]);
}

/**
 * x₀ of every image of the record, in its order, and the ids whose x₀ differs from the record's
 * hash (other bytes, another decoder, other preprocessing).
 */
export async function recordImages(
  p: Provenance,
  file: ModelFile,
  imagesDir: string | undefined,
  /** The x₀ hashes to check against (a second model's, under its own preprocessing); default the record's. */
  x0: readonly string[] = p.images.x0,
): Promise<{ input: ImageInput; differ: string[] }> {
  const { ids } = p.images;
  const { channels, height, width } = file.manifest.input;
  const pixels = channels * height * width;
  const all = new Float32Array(ids.length * pixels);
  const sets = new Map<string, ImageSet>();
  const bundled = async (split: string) => {
    let set = sets.get(split);
    if (!set) {
      set = await bundledSet(file.manifest, file.manifestPath, split);
      sets.set(split, set);
    }
    return set;
  };
  // An image file is found by its full hash (the CLI's folders) or its upload id's prefix (the app's).
  const contentKey = (i: number): string | null =>
    p.images.files?.[i] ?? (ids[i].startsWith('upload:') ? ids[i].slice('upload:'.length) : null);
  const uploads = ids.flatMap((id, i) => (contentKey(i) ? [id] : []));
  let byContent = new Map<string, string>();
  if (uploads.length) {
    if (!imagesDir)
      throw new UsageError(
        `the export used ${uploads.length} of your own images: give the folder that holds them with --images <dir> (matched by content, any names)`,
      );
    byContent = await filesByContent(imagesDir);
    const missing = ids.filter((_, i) => {
      const key = contentKey(i);
      return key !== null && !byContent.has(key);
    });
    if (missing.length)
      throw new UsageError(
        `--images ${imagesDir}: ${missing.length} of the export's ${uploads.length} images are not in it (matched by content): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
      );
  }
  const inverted = invertedIds(p);
  // Bundled rows grouped per split, so each split converts in one call.
  const bySplit = new Map<string, { rows: number[]; at: number[] }>();
  for (const [i, id] of ids.entries()) {
    const key = contentKey(i);
    const m = key ? null : /^(train|test):(\d+)$/.exec(id);
    if (m) {
      const g = bySplit.get(m[1]) ?? { rows: [], at: [] };
      bySplit.set(m[1], g);
      g.rows.push(Number(m[2]));
      g.at.push(i);
      continue;
    }
    const path = key ? byContent.get(key) : undefined;
    if (!path)
      throw new UsageError(
        `image ${JSON.stringify(id)} came from an IDX or .npy file, which the record cannot point to: reproduce covers the bundled data set and image files`,
      );
    // The decision the record holds, not a new one: an override in the browser is kept.
    const target = modelInputSpec(file.manifest, inverted.has(id) ? 'always' : 'never');
    // Decoded as the browser and `extract` decode it: a JPEG at the DCT scale the model's size asks for.
    const {
      rgba,
      width: w,
      height: h,
    } = await decodeImageFile(new Uint8Array(await readFile(path)), path, {
      jpeg: nodeJpeg,
      atLeast: decodeSizeFor(target),
    });
    all.set(convertRgba(rgba, w, h, target).x0, i * pixels);
  }
  for (const [split, g] of bySplit) {
    const x0 = await (await bundled(split)).modelInput(g.rows, file.manifest);
    for (const [j, i] of g.at.entries()) all.set(x0.subarray(j * pixels, (j + 1) * pixels), i * pixels);
  }
  const hashes = await imageHashes(all, ids.length, pixels);
  const differ = ids.filter((_, i) => hashes[i] !== x0[i]);
  const position = new Map(ids.map((id, i) => [id, i]));
  const input: ImageInput = (wanted) => {
    const out = new Float32Array(wanted.length * pixels);
    for (const [i, id] of wanted.entries()) {
      const at = position.get(id);
      if (at === undefined) throw new DiffProbeError('internal', `image ${id} is not in the export`);
      out.set(all.subarray(at * pixels, (at + 1) * pixels), i * pixels);
    }
    return out;
  };
  return { input, differ };
}

/** The record's split: its ids per part, with the labels it was computed with. */
export function recordSplit(p: Provenance): LabelledSplit {
  const s = p.settings;
  if (!('spec' in s)) throw new DiffProbeError('internal', 'this record has no split');
  const { labels, classes, ids } = p.images;
  if (!labels || !classes) throw new UsageError('the export records no labels for its images');
  const label = new Map(ids.map((id, i) => [id, labels[i]]));
  const part = (list: string[]) => ({
    ids: [...list],
    labels: Int32Array.from(list, (id) => label.get(id)!),
  });
  const { train, validation, test } = s.spec.data.ids;
  return { classes: [...classes], train: part(train), validation: part(validation), test: part(test) };
}
