/**
 * @file Node-side loading of a model (manifest + ONNX) and of its bundled data set, using the same
 * validators as the browser. Every failure is a DiffProbeError naming the file.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  checkSplit,
  type DatasetIndex,
  type DatasetSplit,
  validateDatasetIndex,
  verifyDatasetFile,
} from '../core/dataset/index-file';
import { DiffProbeError, type ErrorCode, quote } from '../core/errors';
import type { Manifest } from '../core/manifest/types';
import { validateManifest } from '../core/manifest/validate';
import { withBlockOutputs } from '../core/onnx/block-outputs';
import { readModel } from '../core/onnx/reader';
import { scheduleFromManifest } from '../core/schedule';
import { randomTwin, type TwinReport } from '../core/twin/random-twin';
import { twinManifest } from '../core/twin/twin-manifest';
import { type NodeDevice, nodeRuntime } from '../engine/onnx-node';
import { UNetSession } from '../engine/unet-session';

/** A model's manifest and ONNX bytes, checked (sha256), before any session: cheap to open. */
export interface ModelFile {
  manifest: Manifest;
  manifestPath: string;
  /** SHA-256 of the ONNX bytes (checked against the manifest's model.sha256). */
  sha256: string;
  bytes: Uint8Array;
  alphasCumprod: Float64Array;
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

/** The manifest and its ONNX, the sha256 checked; no session yet. */
export async function readModelFile(manifestPath: string): Promise<ModelFile> {
  const manifest = await loadManifestFile(manifestPath);
  const modelPath = resolve(dirname(manifestPath), manifest.model.file);
  const bytes = await readOrFail(modelPath, 'model-missing', 'the model');
  const hash = createHash('sha256').update(bytes).digest('hex');
  if (hash !== manifest.model.sha256.toLowerCase())
    throw new DiffProbeError(
      'model-mismatch',
      `model.sha256: ${modelPath} has sha256 ${hash.slice(0, 12)}…, the manifest expects ${manifest.model.sha256.slice(0, 12)}…`,
    );
  return {
    manifest,
    manifestPath,
    sha256: hash,
    bytes,
    alphasCumprod: scheduleFromManifest(manifest.schedule).alphasCumprod,
  };
}

/** A UNetSession on onnxruntime-node for a model file. */
export async function openModelSession(
  file: ModelFile,
  threads = 1,
  device: NodeDevice = 'cpu',
): Promise<NodeModel> {
  const runtime = nodeRuntime(threads, device);
  // Blocks may name tensors inside the graph: add them as outputs, as the browser does.
  const sessionBytes = withBlockOutputs(file.bytes, readModel(file.bytes), file.manifest);
  const unet = await UNetSession.create(runtime, sessionBytes, file.manifest);
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

/** One split of the manifest's bundled data set, its files' digests checked as in the browser. */
export async function loadNodeDataset(
  manifest: Manifest,
  manifestPath: string,
  splitName: string,
): Promise<{ index: DatasetIndex; split: DatasetSplit; indexPath: string }> {
  if (!manifest.dataset)
    throw new DiffProbeError('dataset-invalid', `the manifest ${manifestPath} names no bundled data set`);
  const indexPath = resolve(dirname(manifestPath), manifest.dataset);
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
  const [images, labels] = await Promise.all([
    readOrFail(resolve(dir, files.images), 'dataset-invalid', 'the images'),
    readOrFail(resolve(dir, files.labels), 'dataset-invalid', 'the labels'),
  ]);
  await Promise.all([
    verifyDatasetFile(index, files.images, images),
    verifyDatasetFile(index, files.labels, labels),
  ]);
  return { index, split: checkSplit(index, splitName, images, labels), indexPath };
}
