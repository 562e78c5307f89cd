/**
 * @file Test models made from real ones by graph surgery: the graph's own nodes and initializers
 * kept byte for byte, some inputs and outputs dropped, new nodes, initializers, inputs and outputs
 * added (ONNX Runtime sorts nodes topologically itself, so new nodes may come last). The tests use
 * it to give the default model another timestep convention or shuffled weights.
 */

import { locateGraph, splice } from '../core/onnx/graph-outputs';
import {
  encodeNode,
  encodeTensor,
  encodeValueInfo,
  type InitializerSpec,
  type NodeSpec,
  type ValueSpec,
} from '../core/onnx/model';
import { ProtoReader, Wire } from '../core/onnx/proto-reader';
import { ProtoWriter } from '../core/onnx/protobuf';

export interface GraphEdit {
  readonly dropInputs?: readonly string[];
  readonly dropOutputs?: readonly string[];
  readonly nodes?: readonly NodeSpec[];
  readonly initializers?: readonly InitializerSpec[];
  readonly inputs?: readonly ValueSpec[];
  readonly outputs?: readonly ValueSpec[];
  /** Replaces each float initializer's data (given its name and values); the others are kept. */
  readonly mapWeights?: (name: string, values: Float32Array) => Float32Array;
}

function nameOf(r: ProtoReader): string {
  const entry = r.message();
  while (entry.next()) {
    if (entry.field === 1 && entry.wire === Wire.LEN) return entry.string();
    entry.skip();
  }
  return '';
}

/** A TensorProto with float raw_data replaced through `map` (other tensors come back unchanged). */
function mappedTensor(
  bytes: Uint8Array,
  start: number,
  end: number,
  map: GraphEdit['mapWeights'],
): Uint8Array {
  const r = new ProtoReader(bytes, start, end);
  let name = '';
  let type = 0;
  let raw: { start: number; end: number } | null = null;
  while (r.next()) {
    if (r.field === 8 && r.wire === Wire.LEN) name = r.string();
    else if (r.field === 2 && r.wire === Wire.VARINT) type = r.varint();
    else if (r.field === 9 && r.wire === Wire.LEN) raw = r.span();
    else r.skip();
  }
  if (!map || type !== 1 || !raw) return bytes.subarray(start, end);
  const values = new Float32Array(bytes.slice(raw.start, raw.end).buffer);
  const mapped = map(name, values);
  // Rewrite the tensor: every field but raw_data as it was, then the new raw_data.
  const w = new ProtoWriter();
  const copy = new ProtoReader(bytes, start, end);
  const parts: Uint8Array[] = [];
  while (copy.next()) {
    const at = copy.tagAt;
    copy.skip();
    if (copy.field !== 9) parts.push(bytes.subarray(at, copy.pos));
  }
  w.bytes(9, new Uint8Array(mapped.buffer, mapped.byteOffset, mapped.byteLength));
  const tail = w.finish();
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0) + tail.length);
  let o = 0;
  for (const p of [...parts, tail]) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The model with `edit` applied to its graph. */
export function editGraph(bytes: Uint8Array, edit: GraphEdit): Uint8Array {
  const layout = locateGraph(bytes);
  const dropIn = new Set(edit.dropInputs ?? []);
  const dropOut = new Set(edit.dropOutputs ?? []);
  const parts: Uint8Array[] = [];
  const r = new ProtoReader(bytes, layout.start, layout.end);
  while (r.next()) {
    const at = r.tagAt;
    if ((r.field === 11 || r.field === 12) && r.wire === Wire.LEN) {
      const name = nameOf(r);
      if ((r.field === 11 ? dropIn : dropOut).has(name)) continue;
      parts.push(bytes.subarray(at, r.pos));
    } else if (r.field === 5 && r.wire === Wire.LEN && edit.mapWeights) {
      const { start, end } = r.span();
      const tensor = mappedTensor(bytes, start, end, edit.mapWeights);
      parts.push(new ProtoWriter().bytes(5, tensor).finish());
    } else {
      r.skip();
      parts.push(bytes.subarray(at, r.pos));
    }
  }
  const added = new ProtoWriter();
  (edit.nodes ?? []).forEach((n, i) => {
    added.message(1, encodeNode(n, 10_000 + i));
  });
  for (const t of edit.initializers ?? []) added.message(5, encodeTensor(t));
  for (const v of edit.inputs ?? []) added.message(11, encodeValueInfo(v));
  for (const v of edit.outputs ?? []) added.message(12, encodeValueInfo(v));
  parts.push(added.finish());
  return splice(bytes, layout, parts);
}
