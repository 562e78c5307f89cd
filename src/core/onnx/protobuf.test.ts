import { describe, expect, it } from 'vitest';
import { ProtoWriter } from './protobuf';

describe('ProtoWriter', () => {
  it('writes varints, tags and length-delimited fields as the protobuf spec’s examples', () => {
    // https://protobuf.dev/programming-guides/encoding/: field 1 = 150 → 08 96 01.
    expect([...new ProtoWriter().int(1, 150).finish()]).toEqual([0x08, 0x96, 0x01]);
    // field 2 = "testing" → 12 07 74 65 73 74 69 6e 67.
    expect([...new ProtoWriter().string(2, 'testing').finish()]).toEqual([
      0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67,
    ]);
    // packed [3, 270, 86942] in field 4 → 22 06 03 8E 02 9E A7 05.
    expect([...new ProtoWriter().packedInts(4, [3, 270, 86942]).finish()]).toEqual([
      0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05,
    ]);
  });

  it('writes a float as fixed32 little-endian and grows past its first buffer', () => {
    expect([...new ProtoWriter().float(2, 1).finish()]).toEqual([0x15, 0, 0, 0x80, 0x3f]);
    const big = new Uint8Array(1000).fill(7);
    const out = new ProtoWriter().bytes(1, big).finish();
    expect(out.length).toBe(1 + 2 + 1000);
    expect(out[3]).toBe(7);
  });

  it('writes a negative int as protobuf does (int64 two’s complement, 10 bytes), refuses unsafe numbers', () => {
    expect([...new ProtoWriter().int(1, -1).finish()]).toEqual([8, ...new Array(9).fill(0xff), 1]);
    expect([...new ProtoWriter().int(1, -2).finish()]).toEqual([8, 0xfe, ...new Array(8).fill(0xff), 1]);
    expect(() => new ProtoWriter().int(1, 2 ** 60)).toThrow(RangeError);
    expect(() => new ProtoWriter().int(1, 0.5)).toThrow(RangeError);
  });
});

describe('ProtoWriter.message', () => {
  it('writes the same bytes as bytes(field, inner.finish()), large payloads included', () => {
    const payload = Uint8Array.from({ length: 300 }, (_, i) => i % 251);
    const inner = () => new ProtoWriter().int(1, 7).bytes(2, payload).string(3, 'x');
    const viaMessage = new ProtoWriter().int(1, 1).message(5, inner()).int(2, 3).finish();
    const viaBytes = new ProtoWriter().int(1, 1).bytes(5, inner().finish()).int(2, 3).finish();
    expect([...viaMessage]).toEqual([...viaBytes]);
  });
});

describe('ProtoWriter deferred bytes', () => {
  it('are written by finish() into their own place, as if given as an array', () => {
    const payload = Uint8Array.from({ length: 100 }, (_, i) => (i * 7) % 256);
    let calls = 0;
    const deferred = {
      byteLength: payload.length,
      write(out: Uint8Array) {
        calls++;
        expect(out.length).toBe(payload.length);
        out.set(payload);
      },
    };
    const inner = (p: Uint8Array | typeof deferred) => new ProtoWriter().int(1, 7).bytes(2, p);
    const a = new ProtoWriter().string(1, 'ab').message(5, inner(deferred)).int(2, 3).finish();
    const b = new ProtoWriter().string(1, 'ab').message(5, inner(payload)).int(2, 3).finish();
    expect([...a]).toEqual([...b]);
    expect(calls).toBe(1);
  });
});
