/**
 * @file Node-side loading of a model (manifest + ONNX) and of its bundled data set, using the same
 * validators as the browser. Every failure is a DiffProbeError naming the file.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { inputDataFromNpy } from '../core/conditioning/input-data';
import { decodeImagePart, verifySplitImages } from '../core/dataset/image-parts';
import {
  checkSplit,
  type DatasetIndex,
  type DatasetSplit,
  validateDatasetIndex,
  verifyDatasetFile,
} from '../core/dataset/index-file';
import { DiffProbeError, type ErrorCode, quote } from '../core/errors';
import type { Manifest, ManifestExtraInput } from '../core/manifest/types';
import { validateManifest } from '../core/manifest/validate';
import { readNpy } from '../core/npy';
import { withBlockOutputs } from '../core/onnx/block-outputs';
import { readModel } from '../core/onnx/reader';
import { scheduleFromManifest } from '../core/schedule';
import { sha256Hex } from '../core/sha256';
import { randomTwin, type TwinReport } from '../core/twin/random-twin';
import { twinManifest } from '../core/twin/twin-manifest';
import { type NodeDevice, nodeRuntime } from '../engine/onnx-node';
import { UNetSession } from '../engine/unet-session';
import type { ParsedArgs } from './args';
import { bareManifest, discoverBare, projectDatasetIndex } from './bare';

/** A model's manifest and ONNX bytes, checked (sha256), before any session: cheap to open. */
export interface ModelFile {
  manifest: Manifest;
  /** The manifest file; null when the manifest was discovered from a bare .onnx (--model). */
  manifestPath: string | null;
  /** The .onnx file. */
  modelPath: string;
  /** SHA-256 of the ONNX bytes (checked against the manifest's model.sha256). */
  sha256: string;
  /**
   * What the numbers depend on, as the browser's ModelInfo.hash: `sha256`, or for a model whose
   * weights are in external data files (model.onnx.data…), the SHA-256 of the .onnx's and the data
   * files' digests joined by ':' — the same graph with other weights is another model.
   */
  hash: string;
  bytes: Uint8Array;
  alphasCumprod: Float64Array;
  /** Extra inputs fed from a .npy (an embedding), by input name. */
  constants: Record<string, Float32Array>;
  /** Set for a random-weights twin (--random-weights): what it was made from, and how. */
  randomWeights?: RandomWeights;
}

/** The provenance of a twin: the trained model's sha256, the init seed and the twin's report. */
export interface RandomWeights {
  of: string;
  initSeed: number;
  report: TwinReport;
}

/**
 * The random-weights twin of a model file (core/twin): the same graph with its learned weights
 * re-drawn (seeded by `initSeed`), under the twin's manifest (new sha256 and name).
 */
export function twinOfModelFile(file: ModelFile, initSeed: number): ModelFile {
  const twin = randomTwin(file.bytes, [], { seed: initSeed, timestepInputs: [file.manifest.timestep.name] });
  const sha256 = createHash('sha256').update(twin.bytes).digest('hex');
  return {
    ...file,
    bytes: twin.bytes,
    sha256,
    // The twin is another model: its own hash, whatever the original's weights were.
    hash: sha256,
    manifest: twinManifest(file.manifest, { sha256, bytes: twin.bytes.length, seed: initSeed }),
    randomWeights: { of: file.sha256, initSeed, report: twin.report },
  };
}

export interface NodeModel extends ModelFile {
  unet: UNetSession;
  device: NodeDevice;
  threads: number;
}

async function readOrFail(path: string, code: ErrorCode, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new DiffProbeError(code, `cannot read ${what} ${path}: ${e.code ?? e.message}`);
  }
}

/** A model file's bytes and their SHA-256. */
export async function readFileBytes(path: string): Promise<{ bytes: Uint8Array; sha256: string }> {
  const bytes = await readOrFail(path, 'model-missing', 'the model');
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export async function loadManifestFile(path: string): Promise<Manifest> {
  const bytes = await readOrFail(path, 'model-missing', 'the manifest');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new DiffProbeError('manifest-invalid', `${path} is not JSON: ${(error as Error).message}`);
  }
  return validateManifest(json);
}

/**
 * The values of every extra input fed from a .npy: the manifest's `data` files (relative to `dir`),
 * and `npy` (input name → path) from --condition, which also set the manifest's entry (its file,
 * sha256 and shape). Returns the manifest as it then reads.
 */
export async function loadConstants(
  manifest: Manifest,
  dir: string,
  npy: Record<string, string> = {},
): Promise<{ manifest: Manifest; constants: Record<string, Float32Array> }> {
  const constants: Record<string, Float32Array> = {};
  const extras: ManifestExtraInput[] = [];
  for (const extra of manifest.extraInputs ?? []) {
    const given = npy[extra.name];
    const path = given ?? (extra.data ? resolve(dir, extra.data.file) : null);
    if (!path) {
      extras.push(extra);
      continue;
    }
    const bytes = await readOrFail(path, 'model-missing', `the embedding for ${extra.name}`);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    let entry = extra;
    if (given) {
      const { shape } = readNpy(bytes);
      const per = shape[0] === 1 && shape.length === extra.shape.length + 1 ? shape.slice(1) : shape;
      entry = { ...extra, shape: per, data: { file: basename(path), sha256 } };
    }
    constants[extra.name] = await inputDataFromNpy(entry, bytes, sha256);
    extras.push(entry);
  }
  return {
    manifest: manifest.extraInputs ? validateManifest({ ...manifest, extraInputs: extras }) : manifest,
    constants,
  };
}

/**
 * The manifest and its ONNX, the sha256 checked; no session yet. `modelPath` reads the ONNX from
 * there instead of beside the manifest; `npy` feeds extra inputs from .npy files (--condition).
 */
export async function readModelFile(
  manifestPath: string,
  options: { modelPath?: string; npy?: Record<string, string>; manifest?: Manifest } = {},
): Promise<ModelFile> {
  const loaded = options.manifest ?? (await loadManifestFile(manifestPath));
  const modelPath = options.modelPath ?? resolve(dirname(manifestPath), loaded.model.file);
  const bytes = await readOrFail(modelPath, 'model-missing', 'the model');
  const hash = createHash('sha256').update(bytes).digest('hex');
  if (hash !== loaded.model.sha256.toLowerCase())
    throw new DiffProbeError(
      'model-mismatch',
      `model.sha256: ${modelPath} has sha256 ${hash.slice(0, 12)}…, the manifest expects ${loaded.model.sha256.slice(0, 12)}…`,
    );
  const { manifest, constants } = await loadConstants(loaded, dirname(manifestPath), options.npy);
  return {
    manifest,
    manifestPath,
    modelPath,
    sha256: hash,
    hash: await modelHash(bytes, hash, modelPath),
    bytes,
    alphasCumprod: scheduleFromManifest(manifest.schedule).alphasCumprod,
    constants,
  };
}

/**
 * SHA-256 of each external data file the graph names (beside the .onnx), read as a stream: a
 * full-size model keeps gigabytes there, which ONNX Runtime reads itself (never through JavaScript).
 */
/**
 * ModelFile.hash of the .onnx `bytes` (SHA-256 `sha256`) at `modelPath`: `sha256`, or with external
 * data files beside it, the SHA-256 of its and their digests joined by ':'.
 */
export async function modelHash(bytes: Uint8Array, sha256: string, modelPath: string): Promise<string> {
  const weights = await externalDataDigests(bytes, modelPath);
  return weights.length ? sha256Hex(new TextEncoder().encode([sha256, ...weights].join(':'))) : sha256;
}

async function externalDataDigests(bytes: Uint8Array, modelPath: string): Promise<string[]> {
  const digests: string[] = [];
  for (const location of readModel(bytes).externalFiles) {
    const path = resolve(dirname(modelPath), location);
    const hash = createHash('sha256');
    try {
      for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    } catch (error) {
      throw new DiffProbeError(
        'model-missing',
        `${modelPath} keeps its weights in ${quote(location)}, which cannot be read beside it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): keep the data file next to the .onnx`,
        { missing: [location] },
      );
    }
    digests.push(hash.digest('hex'));
  }
  return digests;
}

/** A UNetSession on onnxruntime-node for a model file. */
export async function openModelSession(
  file: ModelFile,
  threads = 1,
  device: NodeDevice = 'cpu',
): Promise<NodeModel> {
  const runtime = nodeRuntime(threads, device, { modelDir: dirname(file.modelPath) });
  // Blocks may name tensors inside the graph: add them as outputs, as the browser does.
  const sessionBytes = withBlockOutputs(file.bytes, readModel(file.bytes), file.manifest);
  const unet = await UNetSession.create(runtime, sessionBytes, file.manifest, undefined, file.constants);
  return { ...file, unet, device, threads };
}

/** The manifest, its ONNX (sha256 checked), and a UNetSession on onnxruntime-node. */
export async function loadNodeModel(
  manifestPath: string,
  threads = 1,
  device: NodeDevice = 'cpu',
): Promise<NodeModel> {
  return openModelSession(await readModelFile(manifestPath), threads, device);
}

/**
 * One split of the manifest's bundled data set, its files' digests checked as in the browser; for a
 * model whose manifest names none (a bare .onnx), DiffProbe's own (Fashion-MNIST), which the
 * caller asked for by name (`bundled:test`), as the browser's "Use the bundled…".
 */
export async function loadNodeDataset(
  manifest: Manifest,
  manifestPath: string | null,
  splitName: string,
): Promise<{ index: DatasetIndex; split: DatasetSplit; indexPath: string }> {
  const indexPath =
    manifest.dataset && manifestPath
      ? resolve(dirname(manifestPath), manifest.dataset)
      : projectDatasetIndex();
  const { index, split } = await readDatasetSplit(indexPath, splitName);
  return { index, split, indexPath };
}

/**
 * A data set's split read from `dataset.json` and its files: every file's digest checked, the image
 * parts decoded and joined in row order, and their pixels checked against the split's digest.
 */
export async function readDatasetSplit(
  indexPath: string,
  splitName: string,
): Promise<{ index: DatasetIndex; split: DatasetSplit }> {
  const indexBytes = await readOrFail(indexPath, 'dataset-invalid', 'the data set index');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(indexBytes));
  } catch (error) {
    throw new DiffProbeError('dataset-invalid', `${indexPath} is not JSON: ${(error as Error).message}`);
  }
  const index = validateDatasetIndex(json);
  const files = index.splits[splitName];
  if (!files)
    throw new DiffProbeError(
      'dataset-invalid',
      `no split ${quote(splitName)} in ${indexPath} (have ${Object.keys(index.splits).join(', ')})`,
    );
  const dir = dirname(indexPath);
  const read = async (file: string, what: string) => {
    const bytes = await readOrFail(resolve(dir, file), 'dataset-invalid', what);
    await verifyDatasetFile(index, file, bytes);
    return bytes;
  };
  const pixels = index.channels * index.height * index.width;
  const images = new Uint8Array(files.count * pixels);
  const [labels] = await Promise.all([
    read(files.labels, 'the labels'),
    ...files.parts.map(async (part) =>
      images.set(decodeImagePart(index, part, await read(part.file, 'the images')), part.first * pixels),
    ),
  ]);
  await verifySplitImages(splitName, files, images);
  return { index, split: checkSplit(index, splitName, images, labels) };
}

/**
 * A bare .onnx (--model without --manifest): discovery on onnxruntime-node, the manifest from it and
 * the command line (cli/bare.ts), any .npy conditioning read; no session yet.
 */
export async function readBareModelFile(
  modelPath: string,
  flags: ParsedArgs['flags'],
  threads = 1,
): Promise<ModelFile> {
  const bytes = await readOrFail(modelPath, 'model-missing', 'the model');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const found = await discoverBare(bytes, flags, threads);
  const { manifest: discovered, npy } = bareManifest(found, flags, {
    path: modelPath,
    bytes: bytes.length,
    sha256,
  });
  const { manifest, constants } = await loadConstants(discovered, dirname(modelPath), npy);
  return {
    manifest,
    manifestPath: null,
    modelPath,
    sha256,
    hash: await modelHash(bytes, sha256, modelPath),
    bytes,
    alphasCumprod: scheduleFromManifest(manifest.schedule).alphasCumprod,
    constants,
  };
}
