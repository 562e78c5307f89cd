/**
 * @file Node-side loading of a model (manifest + ONNX) and of its bundled data set, using the same
 * validators as the browser.
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
import { DiffProbeError } from '../core/errors';
import type { Manifest } from '../core/manifest/types';
import { validateManifest } from '../core/manifest/validate';
import { withBlockOutputs } from '../core/onnx/block-outputs';
import { readModel } from '../core/onnx/reader';
import { scheduleFromManifest } from '../core/schedule';
import { nodeRuntime } from '../engine/onnx-node';
import { UNetSession } from '../engine/unet-session';

export interface NodeModel {
  manifest: Manifest;
  unet: UNetSession;
  alphasCumprod: Float64Array;
  manifestPath: string;
}

export async function loadManifestFile(path: string): Promise<Manifest> {
  return validateManifest(JSON.parse(await readFile(path, 'utf8')));
}

export async function loadNodeModel(manifestPath: string, threads = 1): Promise<NodeModel> {
  const manifest = await loadManifestFile(manifestPath);
  const modelPath = resolve(dirname(manifestPath), manifest.model.file);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(modelPath));
  } catch (error) {
    throw new DiffProbeError('model-missing', `cannot read ${modelPath}: ${(error as Error).message}`);
  }
  const hash = createHash('sha256').update(bytes).digest('hex');
  if (hash !== manifest.model.sha256.toLowerCase())
    throw new DiffProbeError(
      'model-mismatch',
      `model.sha256: ${modelPath} has sha256 ${hash.slice(0, 12)}…, the manifest expects ${manifest.model.sha256.slice(0, 12)}…`,
    );
  // Blocks may name tensors inside the graph: add them as outputs, as the browser does.
  const sessionBytes = withBlockOutputs(bytes, readModel(bytes), manifest);
  const unet = await UNetSession.create(nodeRuntime(threads), sessionBytes, manifest);
  return {
    manifest,
    unet,
    alphasCumprod: scheduleFromManifest(manifest.schedule).alphasCumprod,
    manifestPath,
  };
}

export async function loadNodeDataset(
  manifest: Manifest,
  manifestPath: string,
  splitName: string,
): Promise<{ index: DatasetIndex; split: DatasetSplit }> {
  if (!manifest.dataset)
    throw new DiffProbeError('dataset-invalid', 'the manifest names no bundled data set');
  const indexPath = resolve(dirname(manifestPath), manifest.dataset);
  const index = validateDatasetIndex(JSON.parse(await readFile(indexPath, 'utf8')));
  const files = index.splits[splitName];
  if (!files) throw new DiffProbeError('dataset-invalid', `no split "${splitName}" in ${indexPath}`);
  const dir = dirname(indexPath);
  const [images, labels] = await Promise.all([
    readFile(resolve(dir, files.images)),
    readFile(resolve(dir, files.labels)),
  ]);
  await Promise.all([
    verifyDatasetFile(index, files.images, new Uint8Array(images)),
    verifyDatasetFile(index, files.labels, new Uint8Array(labels)),
  ]);
  return { index, split: checkSplit(index, splitName, new Uint8Array(images), new Uint8Array(labels)) };
}
