import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type NpyWritable, readNpy, writeNpy } from './npy';

const dir = new URL('../../tools/model/fixtures/core/', import.meta.url);
const index: Record<string, { descr: string; shape: number[]; values: (number | string)[] }> = JSON.parse(
  readFileSync(new URL('npy.json', dir), 'utf8'),
);
const load = (name: string) => new Uint8Array(readFileSync(new URL(`npy/${name}.npy`, dir)));

describe('readNpy: files written by NumPy', () => {
  it.each(Object.entries(index))('%s', (name, expected) => {
    const arr = readNpy(load(name));
    expect(arr.descr).toBe(expected.descr);
    expect(arr.shape).toEqual(expected.shape);
    const values = Array.from(arr.data as ArrayLike<number | bigint>, (v) =>
      typeof v === 'bigint' ? v.toString() : v,
    );
    expect(values).toEqual(expected.values);
  });

  it('reads int64 as BigInt64Array, exactly', () => {
    const { data } = readNpy(load('i8_3'));
    expect(data).toBeInstanceOf(BigInt64Array);
    expect(data[2]).toBe(2n ** 53n + 1n);
  });

  it('reads format 2.0', () => {
    const v1 = readNpy(load('f4_2x3'));
    const v2 = readNpy(load('f4_2x3_v2'));
    expect(v2.shape).toEqual(v1.shape);
    expect(Array.from(v2.data as Float32Array)).toEqual(Array.from(v1.data as Float32Array));
  });

  it('rejects Fortran order and big-endian data with npy-invalid', () => {
    expect(() => readNpy(load('f4_fortran'))).toThrow(expect.objectContaining({ code: 'npy-invalid' }));
    expect(() => readNpy(load('f4_fortran'))).toThrow(/Fortran/);
    expect(() => readNpy(load('f4_bigendian'))).toThrow(/unsupported .npy dtype ">f4"/);
  });
});

describe('writeNpy', () => {
  it.each([
    ['f4_2x3', Float32Array],
    ['f8_4', Float64Array],
    ['i4_2x2', Int32Array],
    ['u1_2x2x2', Uint8Array],
    ['f4_scalar', Float32Array],
    ['f4_0x3', Float32Array],
  ] as const)('%s is byte-identical to np.save', (name, Ctor) => {
    const file = load(name);
    const { data, shape } = readNpy(file);
    const written = writeNpy(Ctor.from(data as ArrayLike<number>) as NpyWritable, shape);
    expect(Array.from(written)).toEqual(Array.from(file));
  });

  it('round-trips and aligns the data to 64 bytes', () => {
    for (const shape of [[3], [2, 5], [1, 1, 28, 28], [123456789012, 0]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = Float32Array.from({ length: n }, (_, i) => i * 0.5 - 3);
      const bytes = writeNpy(data, shape);
      const headerLength = bytes[8] | (bytes[9] << 8);
      expect((10 + headerLength) % 64).toBe(0);
      const back = readNpy(bytes);
      expect(back.shape).toEqual(shape);
      expect(Array.from(back.data as Float32Array)).toEqual(Array.from(data));
    }
  });

  it('reads from a subarray at an unaligned offset', () => {
    const file = writeNpy(new Float64Array([1.5, -2]), [2]);
    const padded = new Uint8Array(file.length + 3);
    padded.set(file, 3);
    expect(Array.from(readNpy(padded.subarray(3)).data as Float64Array)).toEqual([1.5, -2]);
  });

  it('rejects a shape that does not fit the data', () => {
    expect(() => writeNpy(new Float32Array(5), [2, 3])).toThrow(/\[2,3\] does not fit 5 values/);
  });
});

describe('readNpy: broken files', () => {
  const good = writeNpy(new Float32Array([1, 2, 3, 4]), [2, 2]);
  const code = expect.objectContaining({ code: 'npy-invalid' });

  it('bad magic', () => {
    const bad = good.slice();
    bad[1] = 0x41;
    expect(() => readNpy(bad)).toThrow(code);
    expect(() => readNpy(bad)).toThrow(/expected magic/);
    expect(() => readNpy(new TextEncoder().encode('hello'))).toThrow(/not a .npy file/);
  });

  it('truncated header and truncated data', () => {
    expect(() => readNpy(good.subarray(0, 40))).toThrow(/truncated .npy file: header/);
    expect(() => readNpy(good.subarray(0, good.length - 1))).toThrow(/needs 16 data bytes, found 15/);
  });

  it('unknown version', () => {
    const bad = good.slice();
    bad[6] = 9;
    expect(() => readNpy(bad)).toThrow(/version "9.0"/);
  });

  it('unsupported dtypes and malformed headers', () => {
    const withHeader = (header: string) => {
      const h = `${header}${' '.repeat(64 - ((10 + header.length + 1) % 64))}\n`;
      const out = new Uint8Array(10 + h.length + 16);
      out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 0xff, h.length >> 8]);
      for (let i = 0; i < h.length; i++) out[10 + i] = h.charCodeAt(i);
      return out;
    };
    expect(() => readNpy(withHeader("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }"))).toThrow(
      /unsupported .npy dtype "<c8"/,
    );
    expect(() => readNpy(withHeader("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }"))).toThrow(
      /"\|O"/,
    );
    expect(() =>
      readNpy(withHeader("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }")),
    ).toThrow(/structured/);
    expect(() => readNpy(withHeader("{'descr': '<f4', 'shape': (2,), }"))).toThrow(/malformed .npy header/);
    expect(() => readNpy(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }"))).toThrow(
      /invalid shape entry "x"/,
    );
    // A 1-byte type written with '<' is still fine.
    expect(readNpy(withHeader("{'descr': '<u1', 'fortran_order': False, 'shape': (4,), }")).shape).toEqual([
      4,
    ]);
  });
});

describe('readNpy on a Node Buffer', () => {
  it('reads the data, not the Buffer pool around it', async () => {
    const { writeNpy: write, readNpy: read } = await import('./npy');
    const bytes = write(Float32Array.from([1.5, -2, 3]), [3]);
    // Small Buffers share one pooled ArrayBuffer at an offset, like readFileSync results.
    const pooled = Buffer.from(bytes);
    expect(Array.from(read(pooled).data as Float32Array)).toEqual([1.5, -2, 3]);
  });
});
