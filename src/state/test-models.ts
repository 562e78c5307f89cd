/**
 * @file Models and uploads for the state tests: the default manifest as shipped, and a
 * diffusers-style U-Net whose blocks carry ONNX node names. Test-only (imported by *.test.ts).
 */
import { readFileSync } from 'node:fs';
import { modelIdentity } from '../core/manifest/numbers-key';
import type { Manifest, ManifestBlock } from '../core/manifest/types';
import type { UploadedImage } from '../data/uploads';
import type { ModelInfo } from '../worker/jobs';

export const defaultManifest = JSON.parse(
  readFileSync(new URL('../../public/models/fashion-mnist-ddpm/manifest.json', import.meta.url), 'utf8'),
) as Manifest;

export function block(name: string, stage: ManifestBlock['stage'], res: number, level = 0): ManifestBlock {
  return { name, output: name, stage, level, resolution: [res, res], channels: 8 };
}

/** A diffusers-style SD U-Net as the worker discovers it (ONNX node names as block names). */
export const sdBlocks: ManifestBlock[] = [
  block('/conv_in/Conv', 'down', 64),
  block('/down_blocks.0/resnets.1/Add', 'down', 64),
  block('/down_blocks.1/resnets.1/Add', 'down', 32, 1),
  block('/down_blocks.2/resnets.1/Add', 'down', 16, 2),
  block('/down_blocks.3/resnets.1/Add', 'down', 8, 3),
  block('mid block, attn', 'mid', 8, 3),
  block('/up_blocks.0/resnets.2/Add', 'up', 8, 3),
  block('/up_blocks.1/resnets.0/Add', 'up', 16, 2),
  block('/up_blocks.1/resnets.2/Add', 'up', 16, 2),
  block('/up_blocks.2/resnets.2/Add', 'up', 32, 1),
  block('/up_blocks.3/resnets.2/Add', 'up', 64),
];

export function manifest(overrides: Partial<Manifest> = {}): Manifest {
  return {
    ...defaultManifest,
    name: 'Other U-Net',
    input: { name: 'sample', channels: 3, height: 64, width: 64, range: [-1, 1] },
    preprocessing: {
      resize: 'shorter-side-center-crop',
      color: 'rgb',
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
      invert: 'never',
    },
    schedule: { type: 'scaled_linear', betaStart: 0.00085, betaEnd: 0.012, steps: 50 },
    blocks: sdBlocks,
    skips: [],
    dataset: undefined,
    ...overrides,
  };
}

export function info(
  m: Manifest,
  hash: string,
  backend: ModelInfo['backend'] = 'wasm',
  fallbackReason: string | null = null,
): ModelInfo {
  return {
    hash: hash.padEnd(64, '0'),
    fileSha256: hash.padEnd(64, '0'),
    files: [{ name: 'model.onnx', bytes: 1, sha256: hash.padEnd(64, '0') }],
    runtimeVersion: '1.30.0',
    id: modelIdentity(hash.padEnd(64, '0'), m),
    manifest: m,
    fileName: 'model.onnx',
    origin: 'manifest',
    discovery: null,
    backend,
    threads: 1,
    fallbackReason,
    loadMs: 1,
    timings: {},
  };
}

export const A = info(defaultManifest, 'aaaa1111');
export const B = info(manifest(), 'bbbb2222');

export function upload(id: string, key: string, status: UploadedImage['status'] = 'ready'): UploadedImage {
  return {
    id,
    name: `${id}.png`,
    file: new Blob([id]),
    x0: new Float32Array(status === 'ready' ? 4 : 0).fill(1),
    converted: new Uint8Array(status === 'ready' ? 4 : 0),
    preview: { rgba: new Uint8ClampedArray(4), width: 1, height: 1 },
    className: null,
    batch: 'batch-1',
    polarity: null,
    decoder: null,
    notes: [],
    decodedFor: key,
    status,
  };
}
