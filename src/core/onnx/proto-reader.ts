/**
 * @file The Protocol Buffers wire-format reads an ONNX model needs, the counterpart of ProtoWriter.
 * No protobuf library: protobufjs' reflection needs eval (barred by the CSP), and a generated ONNX
 * schema would be ~1 MB. A reader walks one message's byte range of the caller's buffer and never
 * copies it: length-delimited fields come back as offsets (a 2 GB model's initializer payloads
 * are skipped, not read), and nested messages as readers over a sub-range of the same buffer.
 *
 * Malformed input throws DiffProbeError('model-corrupt') naming the byte offset, because the
 * only things read here are model files.
 */
import { DiffProbeError } from '../errors';

/** Wire types (https://protobuf.dev/programming-guides/encoding/). */
export const Wire = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

const TWO_32 = 2 ** 32;
const decoder = new TextDecoder('utf-8');

export class ProtoReader {
  /** Offset of the next byte to read. */
  pos: number;
  /** Field number and wire type of the tag last read by next(). */
  field = 0;
  wire = 0;
  /** Offset of the tag last read by next(). */
  tagAt = 0;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    /** End (exclusive) of the message this reader walks. */
    readonly end = bytes.length,
  ) {
    this.pos = start;
  }

  /** Reads the next tag into `field`/`wire`; false at the end of the message. */
  next(): boolean {
    if (this.pos >= this.end) return false;
    this.tagAt = this.pos;
    const tag = this.varint();
    this.field = Math.floor(tag / 8);
    this.wire = tag % 8;
    if (this.field === 0) this.fail(this.tagAt, 'field number 0');
    if (
      this.wire !== Wire.VARINT &&
      this.wire !== Wire.I64 &&
      this.wire !== Wire.LEN &&
      this.wire !== Wire.I32
    )
      this.fail(this.tagAt, `wire type ${this.wire}, which protobuf does not have`);
    return true;
  }

  /**
   * An unsigned varint. Exact below 2^53; the int64 values beyond (Slice's INT64_MAX "to the end")
   * come back rounded, which is all a reader of graph structure needs.
   */
  varint(): number {
    this.readVarint();
    return this.hi * TWO_32 + this.lo;
  }

  /** A signed int64/int32 varint (negative numbers are 10-byte two's complement). */
  int64(): number {
    this.readVarint();
    return (this.hi | 0) * TWO_32 + this.lo;
  }

  /** Low and high 32 bits of the last varint, kept apart so that negative int64s stay exact. */
  private lo = 0;
  private hi = 0;

  private readVarint(): void {
    const b = this.bytes;
    const at = this.pos;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail(at, 'a varint that runs past the end of its message');
      const byte = b[this.pos++];
      const bits = byte & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= bits << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (7 * i - 32);
      if (byte < 0x80) {
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return;
      }
    }
    this.fail(at, 'a varint longer than 10 bytes');
  }

  /** A little-endian float (fixed32). */
  float(): number {
    const at = this.take(4);
    return new DataView(this.bytes.buffer, this.bytes.byteOffset + at, 4).getFloat32(0, true);
  }

  /** A length-delimited field's payload as [start, end) offsets into `bytes`. */
  span(): { start: number; end: number } {
    const lengthAt = this.pos;
    const length = this.varint();
    const start = this.pos;
    if (start + length > this.end) {
      const fileEnd = this.bytes.length;
      if (start + length > fileEnd)
        throw new DiffProbeError(
          'model-corrupt',
          `truncated: a field at byte ${lengthAt} claims ${length} bytes but the file ends at byte ${fileEnd}`,
          { at: lengthAt, length, fileEnd },
        );
      this.fail(lengthAt, `a field of ${length} bytes, past the end of its message at byte ${this.end}`);
    }
    this.pos = start + length;
    return { start, end: start + length };
  }

  string(): string {
    const { start, end } = this.span();
    return decoder.decode(this.bytes.subarray(start, end));
  }

  /** A nested message, read in place. */
  message(): ProtoReader {
    const { start, end } = this.span();
    return new ProtoReader(this.bytes, start, end);
  }

  /** Integers of a repeated int field, packed (LEN) or not (one VARINT per tag). */
  ints(): number[] {
    if (this.wire !== Wire.LEN) return [this.int64()];
    const inner = this.message();
    const out: number[] = [];
    while (inner.pos < inner.end) out.push(inner.int64());
    return out;
  }

  /** Floats of a repeated float field, packed or not. */
  floats(): number[] {
    if (this.wire !== Wire.LEN) return [this.float()];
    const inner = this.message();
    const out: number[] = [];
    while (inner.pos < inner.end) out.push(inner.float());
    return out;
  }

  /** Skips the value of the tag last read by next(). */
  skip(): void {
    if (this.wire === Wire.VARINT) this.varint();
    else if (this.wire === Wire.I64) this.take(8);
    else if (this.wire === Wire.LEN) this.span();
    else this.take(4);
  }

  /** Throws unless the tag last read has the wire type the schema gives its field. */
  expect(wire: number, what: string): void {
    if (this.wire !== wire)
      this.fail(this.tagAt, `${what} (field ${this.field}) with wire type ${this.wire}, expected ${wire}`);
  }

  private take(n: number): number {
    const at = this.pos;
    if (at + n > this.end) {
      if (at + n > this.bytes.length)
        throw new DiffProbeError(
          'model-corrupt',
          `truncated: a ${n}-byte value at byte ${at} runs past the end of the file at byte ${this.bytes.length}`,
          { at, fileEnd: this.bytes.length },
        );
      this.fail(at, `a ${n}-byte value past the end of its message at byte ${this.end}`);
    }
    this.pos += n;
    return at;
  }

  private fail(at: number, what: string): never {
    throw new DiffProbeError('model-corrupt', `corrupt protobuf: byte ${at} holds ${what}`, { at });
  }
}

/** Bytes of `value` as a varint (for re-writing a length prefix). */
export function varintBytes(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`protobuf varint: ${value}`);
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}
