/**
 * @file The worker's side of opening an ONNX without a manifest: read the graph (naming the file
 * in every complaint), find the blocks with one dry run on WASM and write the manifest.
 */
import { DiffProbeError } from '../../core/errors';
import { toBlock } from '../../core/manifest/block';
import type { Manifest } from '../../core/manifest/types';
import { manifestFromDiscovery } from '../../core/onnx/discover';
import { type OnnxModelInfo, readModel } from '../../core/onnx/reader';
import { discoverModel } from '../../engine/discover';
import { webRuntime } from '../../engine/onnx-web';
import type { BlockCandidate, ModelDiscovery } from '../jobs';
import type { ExternalData } from './open-session';

export function readGraph(bytes: Uint8Array, fileName: string): OnnxModelInfo {
  try {
    return readModel(bytes);
  } catch (error) {
    if (error instanceof DiffProbeError)
      throw new DiffProbeError(error.code, `"${fileName}": ${error.message}`, error.detail);
    throw error;
  }
}

/** Dry-runs the graph on WASM (always available, and exact) and proposes a manifest. */
export async function discoverInWorker(
  bytes: Uint8Array,
  graph: OnnxModelInfo,
  fileName: string,
  sha256: string,
  externalData: ExternalData,
  imageInput?: string,
): Promise<{ manifest: Manifest; discovery: Omit<ModelDiscovery, 'webgpuUnsupported'> }> {
  const started = performance.now();
  const runtime = await webRuntime('wasm');
  const found = await discoverModel(runtime, bytes, {
    info: graph,
    imageInput,
    sessionOptions: externalData.length ? { externalData } : undefined,
  });
  const candidates: BlockCandidate[] = found.blocks.map((b) => ({
    ...toBlock(b),
    reasons: [...b.reasons],
    why: [...b.why],
    preselected: b.preselected,
    transit: b.transit,
    position: b.position,
    consumers: b.consumers.map((c) => ({ ...c })),
    path: { from: b.path.from, ops: b.path.ops.map((o) => ({ ...o })), truncated: b.path.truncated },
  }));
  const manifest = manifestFromDiscovery(found, {
    name: fileName.replace(/\.onnx$/i, ''),
    fileName,
    bytes: bytes.byteLength,
    sha256,
    blocks: candidates.filter((c) => c.preselected).map((c) => c.name),
  });
  return {
    manifest,
    discovery: {
      imageInputs: [...found.roles.imageCandidates],
      candidates,
      skips: found.skips.map((e) => ({ ...e })),
      blockNotes: [...found.blockNotes],
      learnedVariance: found.prediction.learnedVariance ?? false,
      ms: Math.round(performance.now() - started),
    },
  };
}
