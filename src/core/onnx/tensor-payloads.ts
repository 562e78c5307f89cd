/**
 * @file Where the values of a model's constant tensors are: for every initializer (and every
 * Constant node's `value` tensor), the byte range of its payload in the model buffer, or its range
 * in an external data file. The reader (reader.ts) skips payloads; this finds them, so that values
 * can be rewritten in place (core/twin/): a tensor's new values have the same dtype and count as the
 * old ones, hence the same byte length, and nothing else in the file has to move.
 */
import { DiffProbeError } from '../errors';
import { locateGraph } from './graph-outputs';
import { ProtoReader, Wire } from './proto-reader';
import { ElemType, readStringEntry } from './reader';

/** Where a tensor's values are stored. */
export type PayloadStorage =
  /** TensorProto.raw_data: little-endian elements, [start, end) of the model buffer. */
  | { readonly kind: 'raw'; readonly start: number; readonly end: number }
  /** TensorProto.float_data (packed fixed32) or double_data (packed fixed64). */
  | { readonly kind: 'packed'; readonly bytesPerValue: 4 | 8; readonly start: number; readonly end: number }
  /** data_location = EXTERNAL: `length` bytes at `offset` of the file `location`. */
  | { readonly kind: 'external'; readonly location: string; readonly offset: number; readonly length: number }
  /** Stored some other way (float16 in int32_data varints, unpacked values, no data at all). */
  | { readonly kind: 'other'; readonly why: string };

export interface TensorPayload {
  readonly name: string;
  readonly elemType: number;
  readonly dims: readonly number[];
  /** An initializer, or the `value` of a Constant node (whose output is `name`). */
  readonly source: 'initializer' | 'constant';
  readonly storage: PayloadStorage;
}

/** Bytes per element of the float types whose values can be rewritten. */
export const FLOAT_BYTES: Readonly<Record<number, number>> = {
  [ElemType.FLOAT]: 4,
  [ElemType.FLOAT16]: 2,
  [ElemType.BFLOAT16]: 2,
  [ElemType.DOUBLE]: 8,
};

function numel(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function readTensorPayload(
  r: ProtoReader,
  source: TensorPayload['source'],
  fallbackName = '',
): TensorPayload {
  let name = fallbackName;
  let elemType = 0;
  const dims: number[] = [];
  let raw: { start: number; end: number } | null = null;
  let packed: { start: number; end: number; bytesPerValue: 4 | 8 } | null = null;
  let unpacked = false;
  let int32Data = false;
  let external = false;
  const ext: Record<string, string> = {};
  while (r.next()) {
    switch (r.field) {
      case 1:
        dims.push(...r.ints());
        break;
      case 2:
        elemType = r.varint();
        break;
      case 8:
        name = r.string();
        break;
      case 9:
        r.expect(Wire.LEN, 'TensorProto.raw_data');
        raw = r.span();
        break;
      case 4:
      case 10: {
        const bytesPerValue = r.field === 4 ? 4 : 8;
        if (r.wire === Wire.LEN) packed = { ...r.span(), bytesPerValue };
        else {
          unpacked = true;
          r.skip();
        }
        break;
      }
      case 5:
        int32Data = true;
        r.skip();
        break;
      case 14:
        external = r.varint() === 1;
        break;
      case 13: {
        const [key, value] = readStringEntry(r.message());
        ext[key] = value;
        break;
      }
      default:
        r.skip();
    }
  }
  const count = numel(dims);
  const width = FLOAT_BYTES[elemType] ?? 0;
  let storage: PayloadStorage;
  if (external) {
    const offset = Number(ext.offset ?? 0);
    const length = ext.length === undefined ? count * width : Number(ext.length);
    storage = { kind: 'external', location: ext.location ?? '', offset, length };
  } else if (raw) storage = { kind: 'raw', ...raw };
  else if (packed) storage = { kind: 'packed', ...packed };
  else
    storage = {
      kind: 'other',
      why: unpacked
        ? 'its values are stored unpacked'
        : int32Data
          ? 'its values are stored as int32_data'
          : count === 0
            ? 'it is empty'
            : 'it has no data in the file',
    };
  return { name, elemType, dims, source, storage };
}

/** A Constant node's output name and its `value` tensor, if it has one. */
function readConstant(node: ProtoReader): TensorPayload | null {
  let opType = '';
  let domain = '';
  let output = '';
  let value: TensorPayload | null = null;
  while (node.next()) {
    if (node.wire !== Wire.LEN) {
      node.skip();
      continue;
    }
    if (node.field === 2) {
      const o = node.string();
      output ||= o;
    } else if (node.field === 4) opType = node.string();
    else if (node.field === 7) domain = node.string();
    else if (node.field === 5) {
      const attr = node.message();
      let attrName = '';
      let tensor: ProtoReader | null = null;
      while (attr.next()) {
        if (attr.field === 1 && attr.wire === Wire.LEN) attrName = attr.string();
        else if (attr.field === 5 && attr.wire === Wire.LEN) tensor = attr.message();
        else attr.skip();
      }
      if (attrName === 'value' && tensor) value = readTensorPayload(tensor, 'constant');
    } else node.skip();
  }
  if (opType !== 'Constant' || domain !== '' || !value || !output) return null;
  return { ...value, name: output };
}

/**
 * Every initializer and Constant-node tensor of the model, with where its values are. Sparse
 * initializers are left out (they are rare, and have no dense payload to rewrite).
 *
 * @throws DiffProbeError('model-corrupt') for bytes that are not an ONNX model.
 */
export function tensorPayloads(bytes: Uint8Array): TensorPayload[] {
  const graph = locateGraph(bytes);
  const out: TensorPayload[] = [];
  const r = new ProtoReader(bytes, graph.start, graph.end);
  while (r.next()) {
    if (r.field === 5 && r.wire === Wire.LEN) out.push(readTensorPayload(r.message(), 'initializer'));
    else if (r.field === 1 && r.wire === Wire.LEN) {
      const constant = readConstant(r.message());
      if (constant) out.push(constant);
    } else r.skip();
  }
  for (const p of out) {
    const width = FLOAT_BYTES[p.elemType];
    const s = p.storage;
    if (!width || s.kind === 'other') continue;
    const expected = numel(p.dims) * (s.kind === 'packed' ? s.bytesPerValue : width);
    const actual = s.kind === 'external' ? s.length : s.end - s.start;
    if (actual !== expected)
      throw new DiffProbeError(
        'model-corrupt',
        `tensor ${JSON.stringify(p.name)} of shape [${p.dims.join(', ')}] holds ${actual} bytes, not ${expected}`,
        { name: p.name },
      );
  }
  return out;
}
