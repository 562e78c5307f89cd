/**
 * @file Reads the structure of an ONNX model (onnx/onnx.proto field numbers) from its bytes: opsets,
 * nodes with the attributes graph analysis needs, graph inputs/outputs/value_info with their
 * shapes, initializer names. Initializer payloads are skipped, never copied, so a 2 GB model costs
 * the size of its graph description. Tensors inside subgraphs (If/Loop bodies) are not read: they
 * cannot be made graph outputs anyway.
 */
import { DiffProbeError } from '../errors';
import { ProtoReader, Wire } from './proto-reader';

/** ONNX TensorProto.DataType codes, as found in files (the writer's DataType has only a few). */
export const ElemType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const;

const ELEM_TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(ElemType).map(([k, v]) => [v, k.toLowerCase()]),
);

/** 'float', 'int64'… for messages ('type 23' for codes this table lacks). */
export function elemTypeName(code: number): string {
  return ELEM_TYPE_NAMES[code] ?? `type ${code}`;
}

/** A dimension: a fixed size, a symbolic one (dim_param) or unknown (null). */
export type Dim = number | string | null;

/** A graph input, output or value_info entry. */
export interface ValueInfo {
  readonly name: string;
  /** ElemType code; 0 when the entry is not a tensor or gives no type. */
  readonly elemType: number;
  /** null when the rank is unknown (no shape in the file). */
  readonly dims: readonly Dim[] | null;
}

export type AttributeValue =
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'strings'; readonly value: readonly string[] }
  /** A tensor attribute (Constant's `value`): its type and shape, not its data. */
  | { readonly type: 'tensor'; readonly elemType: number; readonly dims: readonly number[] }
  /** Graphs, sparse tensors, type protos: present, not decoded. */
  | { readonly type: 'other'; readonly code: number };

export interface NodeInfo {
  /** May be '' (names are optional in ONNX). */
  readonly name: string;
  readonly opType: string;
  /** '' is the default ONNX domain. */
  readonly domain: string;
  /** '' marks an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, AttributeValue>;
}

export interface InitializerInfo {
  readonly name: string;
  readonly elemType: number;
  readonly dims: readonly number[];
  /** data_location = EXTERNAL: the payload lives in another file. */
  readonly external: boolean;
}

export interface OnnxModelInfo {
  readonly irVersion: number;
  readonly opsets: readonly { readonly domain: string; readonly version: number }[];
  readonly producer: string;
  readonly graphName: string;
  /** In file order, which ONNX requires to be topological. */
  readonly nodes: readonly NodeInfo[];
  /** Real inputs: graph inputs that are also initializers (old exporters list them) are left out. */
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly valueInfo: readonly ValueInfo[];
  readonly initializers: readonly InitializerInfo[];
  /** True when any initializer keeps its data in an external file. */
  readonly externalData: boolean;
  /** The distinct `location`s of external data, in order of first use. */
  readonly externalFiles: readonly string[];
  /** Names of the tensors produced by Constant nodes. */
  readonly constants: readonly string[];
}

/**
 * ModelProto fields and their wire types. The top level is checked against this list (until the
 * graph has been seen) so that a file that is not ONNX is named as such instead of failing deep
 * inside with a confusing offset.
 */
const MODEL_FIELDS: Record<number, number> = {
  1: Wire.VARINT, // ir_version
  2: Wire.LEN, // producer_name
  3: Wire.LEN, // producer_version
  4: Wire.LEN, // domain
  5: Wire.VARINT, // model_version
  6: Wire.LEN, // doc_string
  7: Wire.LEN, // graph
  8: Wire.LEN, // opset_import
  14: Wire.LEN, // metadata_props
  20: Wire.LEN, // training_info
  25: Wire.LEN, // functions
};

/** Signatures of files people pick by mistake. */
const SIGNATURES: readonly [string, readonly number[]][] = [
  ['a PNG image', [0x89, 0x50, 0x4e, 0x47]],
  ['a JPEG image', [0xff, 0xd8, 0xff]],
  ['a GIF image', [0x47, 0x49, 0x46, 0x38]],
  ['a ZIP archive (a PyTorch checkpoint or .npz?)', [0x50, 0x4b, 0x03, 0x04]],
  ['a gzip file', [0x1f, 0x8b]],
];

function notOnnx(why: string, detail?: Record<string, unknown>): DiffProbeError {
  return new DiffProbeError('model-corrupt', `not an ONNX model (${why})`, detail);
}

function sniff(bytes: Uint8Array): string | undefined {
  for (const [what, sig] of SIGNATURES) if (sig.every((b, i) => bytes[i] === b)) return what;
  // JSON or HTML (a manifest, or an error page saved instead of the model).
  const first = bytes.subarray(0, 64).find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first === 0x7b || first === 0x5b) return 'it looks like JSON text';
  if (first === 0x3c) return 'it looks like HTML or XML text';
  return undefined;
}

/**
 * Decodes an ONNX ModelProto's structure.
 *
 * @throws DiffProbeError('model-corrupt') "not an ONNX model (…)", "truncated: …" or "corrupt
 *   protobuf: byte N holds …".
 */
export function readModel(bytes: Uint8Array): OnnxModelInfo {
  if (bytes.length === 0) throw notOnnx('the file is empty');
  const kind = sniff(bytes);
  if (kind) throw notOnnx(kind.startsWith('it ') ? kind : `it is ${kind}`);

  const r = new ProtoReader(bytes);
  let irVersion: number | undefined;
  let producer = '';
  let graph: ProtoReader | undefined;
  const opsets: { domain: string; version: number }[] = [];
  try {
    while (r.next()) {
      const wire = MODEL_FIELDS[r.field];
      if (wire !== r.wire && !(graph && wire === undefined))
        throw notOnnx(
          `byte ${r.tagAt} holds field ${r.field} with wire type ${r.wire}, which an ONNX ModelProto does not have`,
          { at: r.tagAt },
        );
      if (r.field === 1) irVersion = r.varint();
      else if (r.field === 2) producer = r.string();
      else if (r.field === 7) graph = r.message();
      else if (r.field === 8) opsets.push(readOpset(r.message()));
      else r.skip();
    }
  } catch (error) {
    // Before anything ONNX-like was seen, a protobuf error means the file is something else.
    if (error instanceof DiffProbeError && !error.message.startsWith('not an') && irVersion === undefined)
      throw notOnnx(error.message, error.detail);
    throw error;
  }
  if (irVersion === undefined) throw notOnnx('it has no ir_version');
  if (!graph) throw notOnnx('it has no graph');
  return { irVersion, opsets, producer, ...readGraph(graph) };
}

function readOpset(r: ProtoReader): { domain: string; version: number } {
  let domain = '';
  let version = 0;
  while (r.next()) {
    if (r.field === 1 && r.wire === Wire.LEN) domain = r.string();
    else if (r.field === 2 && r.wire === Wire.VARINT) version = r.int64();
    else r.skip();
  }
  return { domain, version };
}

type GraphPart = Omit<OnnxModelInfo, 'irVersion' | 'opsets' | 'producer'>;

function readGraph(r: ProtoReader): GraphPart {
  const nodes: NodeInfo[] = [];
  const inputs: ValueInfo[] = [];
  const outputs: ValueInfo[] = [];
  const valueInfo: ValueInfo[] = [];
  const initializers: InitializerInfo[] = [];
  const externalFiles = new Set<string>();
  let graphName = '';
  while (r.next()) {
    switch (r.field) {
      case 1:
        r.expect(Wire.LEN, 'GraphProto.node');
        nodes.push(readNode(r.message()));
        break;
      case 2:
        r.expect(Wire.LEN, 'GraphProto.name');
        graphName = r.string();
        break;
      case 5:
        r.expect(Wire.LEN, 'GraphProto.initializer');
        initializers.push(readTensor(r.message(), externalFiles));
        break;
      case 15: {
        r.expect(Wire.LEN, 'GraphProto.sparse_initializer');
        const sparse = r.message();
        while (sparse.next()) {
          // SparseTensorProto.values (1) carries the name.
          if (sparse.field === 1 && sparse.wire === Wire.LEN)
            initializers.push(readTensor(sparse.message(), externalFiles));
          else sparse.skip();
        }
        break;
      }
      case 11:
      case 12:
      case 13: {
        r.expect(Wire.LEN, 'GraphProto.input/output/value_info');
        const list = r.field === 11 ? inputs : r.field === 12 ? outputs : valueInfo;
        list.push(readValueInfo(r.message()));
        break;
      }
      default:
        r.skip();
    }
  }
  const initializerNames = new Set(initializers.map((t) => t.name));
  const constants = nodes.filter((n) => n.opType === 'Constant' && n.domain === '').flatMap((n) => n.outputs);
  return {
    graphName,
    nodes,
    inputs: inputs.filter((v) => !initializerNames.has(v.name)),
    outputs,
    valueInfo,
    initializers,
    externalData: initializers.some((t) => t.external),
    externalFiles: [...externalFiles],
    constants,
  };
}

function readNode(r: ProtoReader): NodeInfo {
  const inputs: string[] = [];
  const outputs: string[] = [];
  const attributes = new Map<string, AttributeValue>();
  let name = '';
  let opType = '';
  let domain = '';
  while (r.next()) {
    if (r.wire !== Wire.LEN) {
      r.skip();
      continue;
    }
    if (r.field === 1) inputs.push(r.string());
    else if (r.field === 2) outputs.push(r.string());
    else if (r.field === 3) name = r.string();
    else if (r.field === 4) opType = r.string();
    else if (r.field === 7) domain = r.string();
    else if (r.field === 5) {
      const [key, value] = readAttribute(r.message());
      attributes.set(key, value);
    } else r.skip();
  }
  return { name, opType, domain, inputs, outputs, attributes };
}

/** AttributeProto.AttributeType codes. */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

function readAttribute(r: ProtoReader): [string, AttributeValue] {
  let name = '';
  let declared = 0;
  let f: number | undefined;
  let i: number | undefined;
  let s: string | undefined;
  let t: { elemType: number; dims: number[] } | undefined;
  const floats: number[] = [];
  const ints: number[] = [];
  const strings: string[] = [];
  while (r.next()) {
    switch (r.field) {
      case 1:
        name = r.string();
        break;
      case 20:
        declared = r.varint();
        break;
      case 2:
        r.expect(Wire.I32, 'AttributeProto.f');
        f = r.float();
        break;
      case 3:
        i = r.int64();
        break;
      case 4:
        s = r.string();
        break;
      case 5: {
        const tensor = readTensor(r.message(), new Set());
        t = { elemType: tensor.elemType, dims: [...tensor.dims] };
        break;
      }
      case 7:
        floats.push(...r.floats());
        break;
      case 8:
        ints.push(...r.ints());
        break;
      case 9:
        strings.push(r.string());
        break;
      default:
        r.skip();
    }
  }
  // The declared type decides (an INTS attribute may be empty); files from before IR 2 lack it.
  const type =
    declared ||
    (f !== undefined
      ? AttrType.FLOAT
      : i !== undefined
        ? AttrType.INT
        : s !== undefined
          ? AttrType.STRING
          : t
            ? AttrType.TENSOR
            : floats.length
              ? AttrType.FLOATS
              : ints.length
                ? AttrType.INTS
                : strings.length
                  ? AttrType.STRINGS
                  : 0);
  switch (type) {
    case AttrType.FLOAT:
      return [name, { type: 'float', value: f ?? 0 }];
    case AttrType.INT:
      return [name, { type: 'int', value: i ?? 0 }];
    case AttrType.STRING:
      return [name, { type: 'string', value: s ?? '' }];
    case AttrType.TENSOR:
      return [name, { type: 'tensor', elemType: t?.elemType ?? 0, dims: t?.dims ?? [] }];
    case AttrType.FLOATS:
      return [name, { type: 'floats', value: floats }];
    case AttrType.INTS:
      return [name, { type: 'ints', value: ints }];
    case AttrType.STRINGS:
      return [name, { type: 'strings', value: strings }];
    default:
      return [name, { type: 'other', code: type }];
  }
}

/** TensorProto: name, type, dims and where the data is; the data itself is skipped. */
function readTensor(r: ProtoReader, externalFiles: Set<string>): InitializerInfo {
  let name = '';
  let elemType = 0;
  const dims: number[] = [];
  let external = false;
  while (r.next()) {
    if (r.field === 1) dims.push(...r.ints());
    else if (r.field === 2) elemType = r.varint();
    else if (r.field === 8) name = r.string();
    else if (r.field === 14) external = r.varint() === 1;
    else if (r.field === 13 && r.wire === Wire.LEN) {
      const [key, value] = readStringEntry(r.message());
      if (key === 'location') externalFiles.add(value);
    } else r.skip();
  }
  return { name, elemType, dims, external };
}

/** A StringStringEntryProto { key = 1; value = 2 } (a tensor's external_data entries). */
export function readStringEntry(entry: ProtoReader): [key: string, value: string] {
  let key = '';
  let value = '';
  while (entry.next()) {
    if (entry.field === 1) key = entry.string();
    else if (entry.field === 2) value = entry.string();
    else entry.skip();
  }
  return [key, value];
}

function readValueInfo(r: ProtoReader): ValueInfo {
  let name = '';
  let elemType = 0;
  let dims: Dim[] | null = null;
  while (r.next()) {
    if (r.field === 1 && r.wire === Wire.LEN) name = r.string();
    else if (r.field === 2 && r.wire === Wire.LEN) {
      // TypeProto { tensor_type = 1 { elem_type = 1; shape = 2 { dim = 1 { dim_value = 1 | dim_param = 2 } } } }
      const type = r.message();
      while (type.next()) {
        if (type.field !== 1 || type.wire !== Wire.LEN) {
          type.skip();
          continue;
        }
        const tensor = type.message();
        while (tensor.next()) {
          if (tensor.field === 1) elemType = tensor.varint();
          else if (tensor.field === 2 && tensor.wire === Wire.LEN) dims = readShape(tensor.message());
          else tensor.skip();
        }
      }
    } else r.skip();
  }
  return { name, elemType, dims };
}

function readShape(r: ProtoReader): Dim[] {
  const dims: Dim[] = [];
  while (r.next()) {
    if (r.field !== 1 || r.wire !== Wire.LEN) {
      r.skip();
      continue;
    }
    const dim = r.message();
    let value: Dim = null;
    while (dim.next()) {
      if (dim.field === 1 && dim.wire === Wire.VARINT) value = dim.int64();
      else if (dim.field === 2 && dim.wire === Wire.LEN) value = dim.string() || null;
      else dim.skip();
    }
    dims.push(value);
  }
  return dims;
}
