/**
 * @file Read and write NumPy `.npy` files (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
 *
 * Reads format 1.0, 2.0 and 3.0 (they differ only in header-length width and encoding);
 * writes 1.0 byte-for-byte like `np.save` in NumPy ≥ 1.23 (including its spare header space),
 * so files round-trip through Python unchanged. Only little-endian, C-order, simple dtypes.
 */

import { DiffProbeError, quote } from './errors';
import { type Shape, size } from './tensor';

/** Typed arrays a `.npy` can decode to. 8-byte integers become BigInt64Array / BigUint64Array. */
export type NpyData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** Typed arrays `writeNpy` accepts. */
export type NpyWritable = Float32Array | Float64Array | Int32Array | Uint8Array;

/** A decoded array: `descr` is the NumPy dtype string as written in the file, e.g. '<f4'. */
export interface NpyArray {
  readonly descr: string;
  readonly shape: number[];
  readonly data: NpyData;
}

type Ctor = { new (buffer: ArrayBuffer): NpyData; BYTES_PER_ELEMENT: number };

/** dtype kind + size (byte order stripped) → array constructor. '|b1' (bool) reads as bytes. */
const READ_TYPES: Record<string, Ctor> = {
  f4: Float32Array,
  f8: Float64Array,
  i1: Int8Array,
  u1: Uint8Array,
  b1: Uint8Array,
  i2: Int16Array,
  u2: Uint16Array,
  i4: Int32Array,
  u4: Uint32Array,
  i8: BigInt64Array,
  u8: BigUint64Array,
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const PREAMBLE_V1 = 10; // magic(6) + version(2) + uint16 header length
const PREAMBLE_V2 = 12; // magic(6) + version(2) + uint32 header length
const ALIGN = 64;
// NumPy ≥ 1.23 leaves room in the header so the first axis can grow in place (numpy/lib/format.py).
const GROWTH_AXIS_MAX_DIGITS = 21;

function invalid(message: string, detail?: Record<string, unknown>): DiffProbeError {
  return new DiffProbeError('npy-invalid', message, detail);
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** Parse the Python-literal header dict, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`. */
function parseHeader(header: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /['"]descr['"]\s*:\s*(['"])([^'"]*)\1/.exec(header)?.[2];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    // A list descr means a structured dtype; say so rather than "bad header".
    if (/['"]descr['"]\s*:\s*\[/.test(header))
      throw invalid(`unsupported structured dtype in header ${quote(header)}`);
    throw invalid(`malformed .npy header ${quote(header)}`, { header });
  }
  const parts = shapeText
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const shape = parts.map((p) => {
    const m = /^(\d+)L?$/.exec(p);
    if (!m) throw invalid(`invalid shape entry ${quote(p)} in .npy header`, { header });
    return Number(m[1]);
  });
  return { descr, fortran: fortran === 'True', shape };
}

/**
 * Decode a `.npy` file. Data is copied into a fresh, aligned typed array.
 *
 * @throws DiffProbeError('npy-invalid') on bad magic, unknown version, malformed header,
 *   unsupported dtype (big-endian, structured, object, complex, …), Fortran order or truncation.
 * @example const { shape, data } = readNpy(new Uint8Array(await file.arrayBuffer()));
 */
export function readNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < PREAMBLE_V1 || MAGIC.some((b, i) => bytes[i] !== b)) {
    const head = Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw invalid(`not a .npy file: expected magic "\\x93NUMPY", got bytes ${quote(head)}`);
  }
  const major = bytes[6];
  const minor = bytes[7];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerStart = PREAMBLE_V1;
    headerLength = view.getUint16(8, true);
  } else if (major === 2 || major === 3) {
    if (bytes.length < PREAMBLE_V2) throw invalid(`truncated .npy file: ${bytes.length} bytes`);
    headerStart = PREAMBLE_V2;
    headerLength = view.getUint32(8, true);
  } else {
    throw invalid(`unsupported .npy format version ${quote(`${major}.${minor}`)}; expected 1.0, 2.0 or 3.0`);
  }
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) {
    throw invalid(`truncated .npy file: header needs ${dataStart} bytes but the file has ${bytes.length}`);
  }
  const headerBytes = bytes.subarray(headerStart, dataStart);
  const header = major === 3 ? new TextDecoder().decode(headerBytes) : latin1(headerBytes);
  const { descr, fortran, shape } = parseHeader(header);

  if (fortran)
    throw invalid(`unsupported Fortran-order .npy (fortran_order ${quote(true)}); save with C order`);
  const order = descr[0];
  const key = descr.slice(1);
  const ctor = READ_TYPES[key];
  // One-byte types have no byte order ('|'); wider ones must be little-endian ('<').
  const orderOk = ctor?.BYTES_PER_ELEMENT === 1 ? '|<>='.includes(order) : order === '<';
  if (!ctor || !orderOk) {
    throw invalid(
      `unsupported .npy dtype ${quote(descr)}; expected one of <f4 <f8 <i2 <i4 <i8 <u2 <u4 <u8 |i1 |u1 |b1`,
      {
        descr,
      },
    );
  }
  const count = size(shape);
  const byteLength = count * ctor.BYTES_PER_ELEMENT;
  if (dataStart + byteLength > bytes.length) {
    throw invalid(
      `truncated .npy file: shape ${quote(shape)} of ${descr} needs ${byteLength} data bytes, found ${bytes.length - dataStart}`,
      { shape, descr },
    );
  }
  // Copy into a fresh ArrayBuffer so the typed array is aligned whatever the header length.
  // (Uint8Array.prototype.slice, not bytes.slice: on a Node Buffer, slice() is a view.)
  const buffer = Uint8Array.prototype.slice.call(bytes, dataStart, dataStart + byteLength).buffer;
  return { descr, shape, data: new ctor(buffer) };
}

function descrOf(data: NpyWritable): '<f4' | '<f8' | '<i4' | '|u1' {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof Uint8Array) return '|u1';
  throw new DiffProbeError(
    'internal',
    `writeNpy: unsupported array type ${quote(Object.prototype.toString.call(data))}`,
  );
}

function pyTuple(shape: Shape): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/**
 * The bytes of a format 1.0 header (magic, version, length, dict and padding) for `shape` of
 * `descr`, exactly as {@link writeNpy} writes it: a file is this header followed by the C-order
 * data, so large arrays can be streamed to disk (the CLI) and still match `np.save` byte for byte.
 *
 * @example npyHeader('<f4', [60000, 64]) // then append 60000·64 little-endian float32 values
 */
export function npyHeader(descr: '<f4' | '<f8' | '<i4' | '|u1', shape: Shape): Uint8Array {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0))
    throw new DiffProbeError('internal', `npyHeader: invalid shape ${quote(shape)}`, { shape });
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${pyTuple(shape)}, }`;
  if (shape.length > 0) header += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length);
  // Pad with spaces and end with '\n' so that preamble + header is a multiple of 64. NumPy pads
  // a full 64 when it is already aligned (no modulo), and we copy that to stay byte-identical.
  const pad = ALIGN - ((PREAMBLE_V1 + header.length + 1) % ALIGN);
  header += `${' '.repeat(pad)}\n`;
  if (header.length > 0xffff)
    throw new DiffProbeError('internal', `writeNpy: header too long for format 1.0`);
  const out = new Uint8Array(PREAMBLE_V1 + header.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[PREAMBLE_V1 + i] = header.charCodeAt(i);
  return out;
}

/**
 * Encode a C-order array as a `.npy` (format 1.0), identical to `np.save` in NumPy ≥ 1.23.
 *
 * @param shape must satisfy size(shape) === data.length; [] writes a 0-d array.
 * @returns the file bytes; the data starts at a multiple of 64 bytes.
 * @example writeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3])
 */
export function writeNpy(data: NpyWritable, shape: Shape): Uint8Array {
  const descr = descrOf(data);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0) || size(shape) !== data.length) {
    throw new DiffProbeError(
      'internal',
      `writeNpy: shape ${quote(shape)} does not fit ${data.length} values`,
      {
        shape,
      },
    );
  }
  const header = npyHeader(descr, shape);
  const out = new Uint8Array(header.length + data.byteLength);
  out.set(header, 0);
  // Typed arrays are platform-endian; every platform a browser or Node runs on is little-endian.
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), header.length);
  return out;
}
