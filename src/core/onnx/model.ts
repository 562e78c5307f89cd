/**
 * @file A minimal ONNX model writer: tensors, nodes, graph inputs/outputs and the model wrapper,
 * with the field numbers of onnx/onnx.proto (IR version 8). Enough for the small compute graphs
 * that DiffProbe runs through ONNX Runtime to use its SIMD/threaded kernels (the probe objective).
 */
import { type DeferredBytes, ProtoWriter } from './protobuf';

export type { DeferredBytes };

/** ONNX TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10, DOUBLE: 11 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

export type AttributeValue = number | readonly number[] | { float: number } | { string: string };

export interface NodeSpec {
  readonly op: string;
  /** The node's name (default `${op}_${index}`), e.g. exporter-style "/down.0/res/Add". */
  readonly name?: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Integers (and integer lists) as `INT`/`INTS`; `{ float }` as `FLOAT`; `{ string }` as `STRING`. */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

export interface ValueSpec {
  readonly name: string;
  readonly type: DataTypeCode;
  /** A number is a fixed size, a string a symbolic one. */
  readonly dims: readonly (number | string)[];
}

export interface InitializerSpec {
  readonly name: string;
  readonly type: DataTypeCode;
  readonly dims: readonly number[];
  /**
   * Little-endian element bytes (a typed array's memory on every platform JS runs on), or bytes
   * written into the model buffer when it is assembled.
   */
  readonly data: ArrayBufferView | DeferredBytes;
}

export interface GraphSpec {
  readonly name: string;
  readonly nodes: readonly NodeSpec[];
  readonly inputs: readonly ValueSpec[];
  readonly outputs: readonly ValueSpec[];
  readonly initializers?: readonly InitializerSpec[];
  readonly opset: number;
}

function attribute(name: string, value: AttributeValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if (typeof value === 'number') w.int(3, value).int(20, 2);
  else if ('float' in value) w.float(2, value.float).int(20, 1);
  else if ('string' in value) w.string(4, value.string).int(20, 3);
  else w.packedInts(8, value).int(20, 7);
  return w;
}

/** A NodeProto (also used to append nodes to an existing graph: core/onnx/subgraph.ts). */
export function encodeNode(spec: NodeSpec, index: number): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of spec.inputs) w.string(1, i);
  for (const o of spec.outputs) w.string(2, o);
  w.string(3, spec.name ?? `${spec.op}_${index}`).string(4, spec.op);
  for (const [k, v] of Object.entries(spec.attributes ?? {})) w.message(5, attribute(k, v));
  return w;
}

/** A ValueInfoProto (graph inputs and outputs). */
export function encodeValueInfo(spec: ValueSpec): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of spec.dims) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, spec.type).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, spec.name).message(2, type);
}

/** A TensorProto. The data is referenced, not copied, until the model's finish(). */
export function encodeTensor(spec: InitializerSpec): ProtoWriter {
  const w = new ProtoWriter().packedInts(1, spec.dims).int(2, spec.type).string(8, spec.name);
  const d = spec.data;
  return w.bytes(9, 'buffer' in d ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : d);
}

/** Serialises a one-graph ONNX model (default domain only). */
export function encodeModel(spec: GraphSpec): Uint8Array {
  const g = new ProtoWriter();
  spec.nodes.forEach((n, i) => {
    g.message(1, encodeNode(n, i));
  });
  g.string(2, spec.name);
  for (const t of spec.initializers ?? []) g.message(5, encodeTensor(t));
  for (const v of spec.inputs) g.message(11, encodeValueInfo(v));
  for (const v of spec.outputs) g.message(12, encodeValueInfo(v));
  const opset = new ProtoWriter().string(1, '').int(2, spec.opset);
  return new ProtoWriter().int(1, 8).string(2, 'diffprobe').message(7, g).message(8, opset).finish();
}
