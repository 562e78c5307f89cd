/**
 * @file Changes which tensors an ONNX model lists as graph outputs, by splicing its bytes.
 *
 * ONNX Runtime has no API for intermediate tensors: a tensor can be fetched only if it is a graph
 * output. Re-encoding the model to add one would mean decoding every initializer, so instead the
 * new ValueInfoProto entries are appended to the GraphProto (ModelProto field 7, GraphProto
 * field 12: repeated fields keep the order in which they appear, so they come after the existing
 * outputs) and only the graph's length prefix is rewritten. Everything else is copied once, as is,
 * into one new buffer.
 */
import { DiffProbeError } from '../errors';
import { ProtoReader, varintBytes, Wire } from './proto-reader';
import { ProtoWriter } from './protobuf';
import { readModel } from './reader';

export interface GraphOutputSpec {
  readonly name: string;
  /** ONNX ElemType code of the tensor (1 = float); ORT checks it against the tensor's real type. */
  readonly elemType: number;
}

interface OutputEntry {
  readonly name: string;
  /** The whole field, tag included: [start, end). */
  readonly start: number;
  readonly end: number;
}

export interface GraphLayout {
  /** Offset of the graph field's length prefix. */
  readonly lengthAt: number;
  /** The GraphProto's bytes: [start, end). */
  readonly start: number;
  readonly end: number;
  readonly outputs: readonly OutputEntry[];
}

function graphFields(bytes: Uint8Array): { lengthAt: number; start: number; end: number }[] {
  const top = new ProtoReader(bytes);
  const graphs: { lengthAt: number; start: number; end: number }[] = [];
  while (top.next()) {
    if (top.field === 7 && top.wire === Wire.LEN) {
      const lengthAt = top.pos;
      graphs.push({ lengthAt, ...top.span() });
    } else top.skip();
  }
  return graphs;
}

/** Where the one GraphProto of a model is, and its output entries. */
export function locateGraph(bytes: Uint8Array): GraphLayout {
  let graphs: { lengthAt: number; start: number; end: number }[];
  try {
    graphs = graphFields(bytes);
  } catch (error) {
    readModel(bytes); // throws the precise "not an ONNX model (…)" or "truncated: …"
    throw error;
  }
  if (graphs.length === 0) {
    readModel(bytes);
    throw new DiffProbeError('model-corrupt', 'not an ONNX model (it has no graph)');
  }
  if (graphs.length > 1)
    throw new DiffProbeError(
      'model-corrupt',
      `the model has ${graphs.length} graph fields; re-save it with onnx.save to merge them`,
    );
  const graph = graphs[0];
  const outputs: OutputEntry[] = [];
  const r = new ProtoReader(bytes, graph.start, graph.end);
  while (r.next()) {
    if (r.field !== 12 || r.wire !== Wire.LEN) {
      r.skip();
      continue;
    }
    const start = r.tagAt;
    const entry = r.message();
    let name = '';
    while (entry.next()) {
      if (entry.field === 1 && entry.wire === Wire.LEN) name = entry.string();
      else entry.skip();
    }
    outputs.push({ name, start, end: entry.end });
  }
  return { ...graph, outputs };
}

/** A GraphProto.output field (12) holding a ValueInfoProto with a tensor type and no shape. */
export function outputField(spec: GraphOutputSpec): Uint8Array {
  if (!spec.name) throw new RangeError('graph output: empty tensor name');
  if (!Number.isInteger(spec.elemType) || spec.elemType <= 0)
    throw new RangeError(`graph output ${JSON.stringify(spec.name)}: elemType ${spec.elemType}`);
  const tensorType = new ProtoWriter().int(1, spec.elemType);
  const type = new ProtoWriter().message(1, tensorType);
  const valueInfo = new ProtoWriter().string(1, spec.name).message(2, type);
  return new ProtoWriter().message(12, valueInfo).finish();
}

/**
 * Model bytes with the graph's content replaced by `parts` (in order): the bytes before the graph's
 * length prefix, the new prefix, the parts, the bytes after the graph. One allocation, one copy.
 */
export function splice(bytes: Uint8Array, layout: GraphLayout, parts: readonly Uint8Array[]): Uint8Array {
  const length = parts.reduce((sum, p) => sum + p.length, 0);
  const prefix = varintBytes(length);
  const out = new Uint8Array(layout.lengthAt + prefix.length + length + (bytes.length - layout.end));
  out.set(bytes.subarray(0, layout.lengthAt), 0);
  let at = layout.lengthAt;
  for (const p of [prefix, ...parts, bytes.subarray(layout.end)]) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The model with `outputs` also listed as graph outputs (after the existing ones, in the order
 * given). Tensors that are already outputs are skipped; with nothing to add, the input comes back.
 */
export function withGraphOutputs(bytes: Uint8Array, outputs: readonly GraphOutputSpec[]): Uint8Array {
  const layout = locateGraph(bytes);
  const present = new Set(layout.outputs.map((o) => o.name));
  const added: Uint8Array[] = [];
  for (const spec of outputs) {
    if (present.has(spec.name)) continue;
    present.add(spec.name);
    added.push(outputField(spec));
  }
  if (added.length === 0) return bytes;
  return splice(bytes, layout, [bytes.subarray(layout.start, layout.end), ...added]);
}

/**
 * The model with only the graph outputs named in `keep` (in their original order); the tensors
 * behind the others stay in the graph, and ORT prunes what no output needs.
 *
 * @throws DiffProbeError('model-mismatch') when `keep` names a tensor that is not a graph output.
 */
export function withOnlyGraphOutputs(bytes: Uint8Array, keep: readonly string[]): Uint8Array {
  const layout = locateGraph(bytes);
  const names = new Set(layout.outputs.map((o) => o.name));
  const missing = keep.filter((k) => !names.has(k));
  if (missing.length)
    throw new DiffProbeError(
      'model-mismatch',
      `no graph output ${missing.map((m) => JSON.stringify(m)).join(', ')} (the outputs are ${[...names]
        .map((n) => JSON.stringify(n))
        .join(', ')})`,
      { missing },
    );
  const wanted = new Set(keep);
  const parts: Uint8Array[] = [];
  let from = layout.start;
  for (const o of layout.outputs) {
    if (wanted.has(o.name)) continue;
    parts.push(bytes.subarray(from, o.start));
    from = o.end;
  }
  parts.push(bytes.subarray(from, layout.end));
  return splice(bytes, layout, parts);
}
