import { describe, expect, it } from 'vitest';
import { createRng, gaussian } from '../rng';
import { featureBytes, objectiveGraph } from './objective-graph';
import { applyStandardizer, fitStandardizer } from './standardize';

function features(n: number, d: number) {
  const X = gaussian(createRng(5), n * d).map((v, i) => 40 + 3 * v + (i % d));
  const y = Int32Array.from({ length: n }, (_, i) => i % 3);
  return { X, y, std: fitStandardizer(X, n, d) };
}

describe('objectiveGraph', () => {
  it('standardising on the way into the model gives the bytes of a model built from standardised rows', () => {
    const n = 150;
    const d = 7;
    const { X, y, std } = features(n, d);
    const Z = applyStandardizer(X, n, d, std);
    const test = { X: Z.subarray(0, 20 * d), y: y.subarray(0, 20), n: 20 };
    const direct = objectiveGraph({ X, standardizer: std, y, n, d, k: 3, test });
    const fromZ = objectiveGraph({ X: Z, y, n, d, k: 3, test });
    expect(direct.length).toBe(fromZ.length);
    expect(Buffer.from(direct).equals(Buffer.from(fromZ))).toBe(true);
  });
});

describe('featureBytes', () => {
  it('writes the same float32 bytes at any offset (4-aligned or not) as applyStandardizer', () => {
    const n = 150; // not a multiple of the 64-row chunks used at unaligned offsets
    const d = 5;
    const { X, std } = features(n, d);
    const expected = new Uint8Array(applyStandardizer(X, n, d, std).buffer);
    const bytes = featureBytes(X, n, d, std);
    expect('write' in bytes).toBe(true);
    if (!('write' in bytes)) return;
    expect(bytes.byteLength).toBe(4 * n * d);
    for (const offset of [0, 1, 2, 3, 4]) {
      const out = new Uint8Array(offset + bytes.byteLength + 3).fill(0xee);
      bytes.write(out.subarray(offset, offset + bytes.byteLength));
      expect(Buffer.from(out.subarray(offset, offset + bytes.byteLength)).equals(Buffer.from(expected))).toBe(
        true,
      );
      expect(out[offset + bytes.byteLength]).toBe(0xee); // nothing written past its bytes
    }
  });

  it('passes float32 rows without a standardiser through as a view, and converts float64 ones', () => {
    const X32 = new Float32Array([1, 2, 3, 4, 5, 6]);
    expect(featureBytes(X32, 2, 3)).toBeInstanceOf(Float32Array);
    const X64 = new Float64Array([1.5, 2, 3, 4, 5, 1e-50]);
    const b = featureBytes(X64, 2, 3);
    if (!('write' in b)) throw new Error('expected deferred bytes for float64 input');
    const out = new Uint8Array(25);
    b.write(out.subarray(1));
    expect(Array.from(new Float32Array(out.slice(1).buffer))).toEqual(Array.from(Float32Array.from(X64)));
  });
});
