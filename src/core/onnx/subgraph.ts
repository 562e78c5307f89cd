/**
 * @file The part of an ONNX model that some tensors depend on, as a model of its own.
 *
 * ONNX Runtime runs every node of a graph on every run, whatever the caller fetches (onnxruntime-node
 * 1.30, default model at batch 32: fetching only `down0_0` took as long as fetching all 16 blocks).
 * A request for an encoder block therefore pays for the whole U-Net. {@link extractSubgraph} keeps
 * the nodes that the requested tensors depend on (transitively), drops the rest together with the
 * initializers only they used, and makes the requested tensors the graph outputs. Optionally a
 * "head" (more nodes, initializers and the outputs to use instead, e.g. the pooling of
 * core/onnx/pooling-head.ts) is appended.
 *
 * Like graph-outputs.ts this works on the bytes: the GraphProto's fields are copied or left out
 * one by one (initializer payloads are copied as they are, never decoded) and only the graph's
 * length prefix is rewritten. Every graph input is kept (unused ones are harmless and keep the
 * feeds the same), except old-style inputs that name an initializer that was dropped.
 *
 * Nodes with subgraphs (If, Loop, Scan) may read any tensor of the outer graph without naming it
 * as an input. When one of them is needed, every node and initializer is kept (only the outputs
 * change): correct, just not smaller.
 */
import { DiffProbeError } from '../errors';
import { inferElemTypes } from './elem-types';
import { type GraphOutputSpec, locateGraph, outputField, splice } from './graph-outputs';
import { encodeNode, encodeTensor, type InitializerSpec, type NodeSpec } from './model';
import { ProtoReader, Wire } from './proto-reader';
import { ProtoWriter } from './protobuf';
import { ElemType, type NodeInfo, type OnnxModelInfo, readModel } from './reader';

/** Nodes, initializers and outputs appended to the extracted graph. */
export interface GraphHead {
  /** Appended after the kept nodes; their inputs may be any tensor of the original graph. */
  readonly nodes: readonly NodeSpec[];
  readonly initializers?: readonly InitializerSpec[];
  /** The graph outputs, instead of `tensors`. */
  readonly outputs: readonly GraphOutputSpec[];
}

export interface SubgraphStats {
  readonly nodes: number;
  readonly keptNodes: number;
  readonly initializers: number;
  readonly keptInitializers: number;
  /** True when a node with a subgraph was needed, so that everything was kept. */
  readonly keptAll: boolean;
}

const GRAPH_ATTRIBUTE = 5;
const GRAPHS_ATTRIBUTE = 10;

function hasSubgraph(node: NodeInfo): boolean {
  for (const a of node.attributes.values())
    if (a.type === 'other' && (a.code === GRAPH_ATTRIBUTE || a.code === GRAPHS_ATTRIBUTE)) return true;
  return false;
}

/**
 * Indices (into `info.nodes`) of the nodes that `tensors` depend on, and whether everything had to
 * be kept. Order-independent: graphs that are not sorted topologically work too.
 *
 * @throws DiffProbeError('model-mismatch') when a tensor is neither produced by a node nor a graph
 *   input or initializer.
 */
export function neededNodes(
  info: OnnxModelInfo,
  tensors: readonly string[],
): { keep: Uint8Array; keptAll: boolean } {
  const producer = new Map<string, number>();
  info.nodes.forEach((n, i) => {
    for (const o of n.outputs) if (o) producer.set(o, i);
  });
  const sources = new Set([...info.inputs.map((v) => v.name), ...info.initializers.map((t) => t.name)]);
  const missing = tensors.filter((t) => !producer.has(t) && !sources.has(t));
  if (missing.length)
    throw new DiffProbeError(
      'model-mismatch',
      `no tensor ${missing.map((m) => JSON.stringify(m)).join(', ')} in the graph`,
      { missing },
    );
  const keep = new Uint8Array(info.nodes.length);
  const stack = [...tensors];
  const seen = new Set<string>(stack);
  while (stack.length) {
    const p = producer.get(stack.pop()!);
    if (p === undefined || keep[p]) continue;
    keep[p] = 1;
    if (hasSubgraph(info.nodes[p])) return { keep: keep.fill(1), keptAll: true };
    for (const input of info.nodes[p].inputs) {
      if (input && !seen.has(input)) {
        seen.add(input);
        stack.push(input);
      }
    }
  }
  return { keep, keptAll: false };
}

/** The `name` (field `nameField`) of the message at [start, end) of `bytes`. */
function nameOf(bytes: Uint8Array, start: number, end: number, nameField: number): string {
  const r = new ProtoReader(bytes, start, end);
  while (r.next()) {
    if (r.field === nameField && r.wire === Wire.LEN) return r.string();
    r.skip();
  }
  return '';
}

/** SparseTensorProto's name: values (1) → TensorProto.name (8). */
function sparseNameOf(bytes: Uint8Array, start: number, end: number): string {
  const r = new ProtoReader(bytes, start, end);
  while (r.next()) {
    if (r.field === 1 && r.wire === Wire.LEN) {
      const { start: s, end: e } = r.span();
      return nameOf(bytes, s, e, 8);
    }
    r.skip();
  }
  return '';
}

/**
 * The model reduced to what `tensors` need, with `tensors` as its outputs (in that order), or with
 * `head` appended and `head.outputs` as its outputs.
 *
 * @param info the model's structure if already read (readModel(bytes)), to save reading it again.
 * @throws DiffProbeError('model-mismatch') for a tensor the graph does not have; the reader's
 *   errors for bytes that are not a model.
 */
export function extractSubgraph(
  bytes: Uint8Array,
  tensors: readonly string[],
  options: { info?: OnnxModelInfo; head?: GraphHead } = {},
): { bytes: Uint8Array; stats: SubgraphStats } {
  const info = options.info ?? readModel(bytes);
  const head = options.head;
  // The head's inputs that come from the original graph (not from the head itself).
  const original = new Set([
    ...info.nodes.flatMap((n) => n.outputs),
    ...info.inputs.map((v) => v.name),
    ...info.initializers.map((t) => t.name),
  ]);
  const headInputs = (head?.nodes ?? []).flatMap((n) => n.inputs).filter((x) => x && original.has(x));
  const needed = [...new Set([...tensors, ...headInputs])];
  const { keep, keptAll } = neededNodes(info, needed);

  const usedNames = new Set<string>(needed);
  info.nodes.forEach((n, i) => {
    if (keep[i]) for (const x of n.inputs) usedNames.add(x);
  });
  const keptTensors = new Set<string>(info.inputs.map((v) => v.name));
  info.nodes.forEach((n, i) => {
    if (keep[i]) for (const o of n.outputs) keptTensors.add(o);
  });
  const initializerNames = new Set(info.initializers.map((t) => t.name));
  const keepInitializer = (name: string) => keptAll || usedNames.has(name);

  let outputs: readonly GraphOutputSpec[];
  if (head) outputs = head.outputs;
  else {
    const types = inferElemTypes(info);
    outputs = tensors.map((name) => ({ name, elemType: types.get(name) ?? ElemType.FLOAT }));
  }

  const layout = locateGraph(bytes);
  const parts: Uint8Array[] = [];
  let from = layout.start;
  const drop = (start: number, end: number) => {
    if (start > from) parts.push(bytes.subarray(from, start));
    from = end;
  };
  let nodeIndex = 0;
  let keptInitializers = 0;
  const r = new ProtoReader(bytes, layout.start, layout.end);
  while (r.next()) {
    const at = r.tagAt;
    if (r.wire !== Wire.LEN) {
      r.skip();
      continue;
    }
    const { start, end } = r.span();
    switch (r.field) {
      case 1: // node
        if (!keep[nodeIndex++]) drop(at, end);
        break;
      case 5: {
        // initializer
        if (keepInitializer(nameOf(bytes, start, end, 8))) keptInitializers++;
        else drop(at, end);
        break;
      }
      case 15: {
        // sparse_initializer
        if (keepInitializer(sparseNameOf(bytes, start, end))) keptInitializers++;
        else drop(at, end);
        break;
      }
      case 11: {
        // input: an initializer listed as an input (IR < 4 exporters) goes with its initializer.
        const name = nameOf(bytes, start, end, 1);
        if (initializerNames.has(name) && !keepInitializer(name)) drop(at, end);
        break;
      }
      case 12: // output: replaced
        drop(at, end);
        break;
      case 13: {
        // value_info: only for tensors that are still there.
        if (!keptAll && !keptTensors.has(nameOf(bytes, start, end, 1))) drop(at, end);
        break;
      }
      default:
        break;
    }
  }
  if (nodeIndex !== info.nodes.length)
    throw new DiffProbeError(
      'internal',
      `extractSubgraph: read ${nodeIndex} nodes, the reader found ${info.nodes.length}`,
    );
  parts.push(bytes.subarray(from, layout.end));

  // Appended: head nodes, their initializers, the outputs. Repeated fields may be interleaved, so
  // nodes written after the outputs still come after the kept nodes in node order.
  for (const [i, n] of (head?.nodes ?? []).entries())
    parts.push(new ProtoWriter().message(1, encodeNode(n, i)).finish());
  for (const t of head?.initializers ?? [])
    parts.push(new ProtoWriter().message(5, encodeTensor(t)).finish());
  for (const o of outputs) parts.push(outputField(o));

  return {
    bytes: splice(bytes, layout, parts),
    stats: {
      nodes: info.nodes.length,
      keptNodes: keep.reduce((a, b) => a + b, 0),
      initializers: info.initializers.length,
      keptInitializers,
      keptAll,
    },
  };
}
