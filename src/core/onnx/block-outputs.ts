/**
 * @file A manifest's blocks may name any tensor inside the graph; ONNX Runtime only returns graph
 * outputs. This adds the missing ones as outputs, for the browser and the CLI alike.
 */
import type { Manifest } from '../manifest/types';
import { inferElemTypes } from './elem-types';
import { withGraphOutputs } from './graph-outputs';
import { ElemType, type OnnxModelInfo } from './reader';

/**
 * The bytes a session is created from: the file itself when every block is already a graph
 * output, else a copy with the block tensors that are inside the graph added as outputs.
 */
export function withBlockOutputs(bytes: Uint8Array, graph: OnnxModelInfo, manifest: Manifest): Uint8Array {
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const produced = new Set(graph.nodes.flatMap((n) => n.outputs));
  // Tensors the graph does not have are left out here: the session's own check then reports them
  // together with every other mismatch (input names, shapes), naming the manifest fields.
  const missing = manifest.blocks.map((b) => b.output).filter((o) => !outputs.has(o) && produced.has(o));
  if (!missing.length) return bytes;
  // Declared with their own type: a float16 model's maps are float16 (read back as float32).
  const types = inferElemTypes(graph);
  return withGraphOutputs(
    bytes,
    missing.map((name) => ({ name, elemType: types.get(name) ?? ElemType.FLOAT })),
  );
}
