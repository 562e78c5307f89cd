/**
 * @file A manifest's blocks may name any tensor inside the graph; ONNX Runtime only returns graph
 * outputs. This adds the missing ones as outputs, for the browser and the CLI alike.
 */
import { DiffProbeError } from '../errors';
import type { Manifest } from '../manifest/types';
import { withGraphOutputs } from './graph-outputs';
import { ElemType, type OnnxModelInfo } from './reader';

/**
 * The bytes a session is created from: the file itself when every block is already a graph
 * output, else a copy with the missing block tensors added as outputs.
 */
export function withBlockOutputs(bytes: Uint8Array, graph: OnnxModelInfo, manifest: Manifest): Uint8Array {
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

