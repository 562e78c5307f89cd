/**
 * @file The few Protocol Buffers wire-format writes that an ONNX model needs (varints and
 * length-delimited fields), so that small ONNX graphs can be built in the worker without a
 * protobuf library. The libraries that generate code at run time (protobufjs' reflection) are
 * barred by the no-eval CSP, and a generated ONNX schema would be ~1 MB for five message types.
 *
 * A writer is a list of byte runs: nested messages and large payloads (a 10 MB initializer) are
 * kept by reference and copied once, by the outermost finish(). A payload can also be deferred:
 * finish() asks it to write itself into its place, so data that must be transformed anyway (the
 * probe's standardised features) goes straight into the model buffer with no copy of its own.
 */

/** Bytes produced by finish(), into the exact `byteLength` bytes of the output they occupy. */
export interface DeferredBytes {
  readonly byteLength: number;
  write(out: Uint8Array): void;
}

type Part = Uint8Array | DeferredBytes;

function partLength(p: Part): number {
  return p instanceof Uint8Array ? p.length : p.byteLength;
}

/** Wire types used here (https://protobuf.dev/programming-guides/encoding/). */
const VARINT = 0;
const FIXED32 = 5;
const LEN = 2;

export class ProtoWriter {
  private readonly parts: Part[] = [];
  /** Small writes (tags, varints, floats) gather here until a large part is appended. */
  private scratch: number[] = [];
  private size = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.size + this.scratch.length;
  }

  private flush(): void {
    if (!this.scratch.length) return;
    this.parts.push(Uint8Array.from(this.scratch));
    this.size += this.scratch.length;
    this.scratch = [];
  }

  private append(bytes: Part): void {
    if (bytes instanceof Uint8Array && bytes.length < 64) {
      for (const b of bytes) this.scratch.push(b);
      return;
    }
    this.flush();
    this.parts.push(bytes);
    this.size += partLength(bytes);
  }

  private varint(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf varint: ${value}`);
    if (value < 0) {
      // int64 two's complement, as protobuf writes a negative int32/int64 (axis = -1): 10 bytes.
      let b = (1n << 64n) + BigInt(value);
      while (b >= 0x80n) {
        this.scratch.push(Number(b & 0x7fn) | 0x80);
        b >>= 7n;
      }
      this.scratch.push(Number(b));
      return;
    }
    let v = value;
    while (v >= 0x80) {
      this.scratch.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.scratch.push(v);
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** An integer field (int32/int64/enum); negative values as int64 two's complement. */
  int(field: number, value: number): this {
    this.tag(field, VARINT);
    this.varint(value);
    return this;
  }

  /** A float field (fixed32, little-endian). */
  float(field: number, value: number): this {
    this.tag(field, FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    for (const x of b) this.scratch.push(x);
    return this;
  }

  /**
   * A bytes field. The array is kept by reference until finish(): do not change it before. A
   * {@link DeferredBytes} is written by finish().
   */
  bytes(field: number, value: Uint8Array | DeferredBytes): this {
    this.tag(field, LEN);
    this.varint(partLength(value));
    this.append(value);
    return this;
  }

  /** An embedded message, appended without copying its parts. */
  message(field: number, value: ProtoWriter): this {
    this.tag(field, LEN);
    this.varint(value.length);
    value.flush();
    this.flush();
    for (const p of value.parts) this.parts.push(p);
    this.size += value.size;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** A packed repeated integer field. */
  packedInts(field: number, values: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.message(field, inner);
  }

  /** The message as one buffer (each byte run copied once). */
  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      const length = partLength(p);
      if (p instanceof Uint8Array) out.set(p, at);
      else p.write(out.subarray(at, at + length));
      at += length;
    }
    return out;
  }
}
