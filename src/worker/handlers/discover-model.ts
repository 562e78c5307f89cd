/**
 * @file The worker's side of opening an ONNX without a manifest: read the graph (naming the file
 * in every complaint), find the blocks with one dry run on WASM, write the manifest, and add the
 * block tensors that are not graph outputs yet to the graph before a session is created.
 */
import { DiffProbeError } from '../../core/errors';
import { manifestFromDiscovery } from '../../core/onnx/discover';
import { withGraphOutputs } from '../../core/onnx/graph-outputs';
import { ElemType, type OnnxModelInfo, readModel } from '../../core/onnx/reader';
import type { Manifest } from '../../core/manifest/types';
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

/**
 * The bytes a session is created from: the file itself when every block is already a graph
 * output, else a copy with the missing block tensors added as outputs.
 */
export function sessionBytesFor(bytes: Uint8Array, graph: OnnxModelInfo, manifest: Manifest): Uint8Array {
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const produced = new Set(graph.nodes.flatMap((n) => n.outputs));
  const missing: string[] = [];
  manifest.blocks.forEach((b, i) => {
    if (outputs.has(b.output)) return;
    if (!produced.has(b.output))
      throw new DiffProbeError(
        'model-mismatch',
        `the model does not match its manifest: blocks[${i}].output: "${b.output}" (block "${b.name}") is not a tensor of the graph`,
        { field: `blocks[${i}].output` },
      );
    missing.push(b.output);
  });
  if (!missing.length) return bytes;
  return withGraphOutputs(
    bytes,
    missing.map((name) => ({ name, elemType: ElemType.FLOAT })),
  );
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
    name: b.name,
    output: b.output,
    stage: b.stage,
    level: b.level,
    resolution: [b.resolution[0], b.resolution[1]],
    channels: b.channels,
    reasons: [...b.reasons],
    preselected: b.preselected,
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
      imageInputs: found.roles.imageCandidates ?? [found.roles.image.name],
      candidates,
      learnedVariance: found.prediction.learnedVariance ?? false,
      ms: Math.round(performance.now() - started),
    },
  };
}
