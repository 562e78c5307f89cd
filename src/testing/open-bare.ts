/**
 * @file Opens ONNX bytes on onnxruntime-node as the app opens a bare file: discovery, the manifest
 * it writes (under a chosen timestep convention), the blocks exposed as outputs. For tests that
 * run real networks under each convention (the denoising check, sampling).
 */
import { withBlockOutputs } from '../core/onnx/block-outputs';
import { manifestFromDiscovery } from '../core/onnx/discover';
import { readModel } from '../core/onnx/reader';
import type { TimestepConvention } from '../core/timestep/convention';
import { discoverModel } from '../engine/discover';
import type { OrtRuntime } from '../engine/ort-types';
import { UNetSession } from '../engine/unet-session';

export async function openBare(
  runtime: OrtRuntime,
  bytes: Uint8Array,
  convention?: TimestepConvention,
): Promise<UNetSession> {
  const found = await discoverModel(runtime, bytes);
  const manifest = manifestFromDiscovery(found, {
    name: 'm',
    fileName: 'm.onnx',
    bytes: bytes.length,
    sha256: '0'.repeat(64),
    convention,
  });
  return UNetSession.create(runtime, withBlockOutputs(bytes, readModel(bytes), manifest), manifest);
}
