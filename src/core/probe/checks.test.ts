import { describe, expect, it } from 'vitest';
import { assertProbeData, checkProbeData, checkSplitProbeData, type ProbeData } from './checks';

function data(over: Partial<ProbeData> = {}): ProbeData {
  // 12 rows, 3 classes; rows 0–8 train (3 per class), 9–11 test (1 per class).
  const n = over.n ?? 12;
  const d = 2;
  return {
    X: new Float32Array(n * d).map((_, i) => i),
    y: Int32Array.from({ length: n }, (_, i) => i % 3),
    n,
    d,
    k: 3,
    trainRows: Array.from({ length: 9 }, (_, i) => i),
    testRows: [9, 10, 11],
    ...over,
  };
}

const kinds = (d: ProbeData) => checkProbeData(d).map((p) => p.kind);

describe('checkProbeData', () => {
  it('finds nothing wrong with good data', () => {
    expect(checkProbeData(data())).toEqual([]);
    expect(() => assertProbeData(data())).not.toThrow();
  });

  it('one class in train', () => {
    const p = checkProbeData(data({ trainRows: [0, 3, 6], testRows: [1, 2] }));
    expect(p.map((q) => q.kind)).toContain('one-class');
    expect(p.find((q) => q.kind === 'one-class')?.message).toMatch(/only class 0/);
    expect(p.every((q) => q.code === 'probe-data')).toBe(true);
  });

  it('class in test but not in train, and class without test images', () => {
    // train: classes 0 and 1 only; test: classes 0 and 2.
    const p = checkProbeData(data({ trainRows: [0, 1, 3, 4, 6, 7], testRows: [9, 11] }));
    const missingTrain = p.find((q) => q.kind === 'class-missing-in-train');
    expect(missingTrain?.detail.classes).toEqual([2]);
    const missingTest = p.find((q) => q.kind === 'class-missing-in-test');
    expect(missingTest?.detail.classes).toEqual([1]);
  });

  it('fewer than 2 training images of a class', () => {
    const p = checkProbeData(data({ trainRows: [0, 1, 2, 3, 4, 6, 7], testRows: [9, 10, 11] }));
    const few = p.find((q) => q.kind === 'too-few-per-class');
    expect(few?.detail.classes).toEqual([2]);
    expect(few?.detail.counts).toEqual([1]);
  });

  it('NaN and Inf features name the first rows and columns', () => {
    const d = data();
    const X = d.X as Float32Array;
    X[3 * 2 + 1] = Number.NaN;
    X[5 * 2 + 0] = Number.POSITIVE_INFINITY;
    X[5 * 2 + 1] = Number.NEGATIVE_INFINITY;
    const p = checkProbeData(d).find((q) => q.kind === 'non-finite');
    expect(p?.message).toMatch(/^3 feature values in 2 rows/);
    expect(p?.message).toMatch(/row 3 column 1 \(NaN\)/);
    expect(p?.detail.first).toEqual([
      { row: 3, col: 1, value: Number.NaN },
      { row: 5, col: 0, value: Number.POSITIVE_INFINITY },
      { row: 5, col: 1, value: Number.NEGATIVE_INFINITY },
    ]);
  });

  it('n < 4, bad indices, bad labels, overlap', () => {
    expect(kinds(data({ n: 3, trainRows: [0, 1], testRows: [2] }))).toContain('too-few-rows');
    expect(kinds(data({ trainRows: [0, 1, 2, 3, 4, 5, 99], testRows: [9, 10, 11] }))).toContain(
      'bad-row-index',
    );
    const y = Int32Array.from({ length: 12 }, (_, i) => i % 3);
    y[4] = 7;
    expect(kinds(data({ y }))).toContain('bad-label');
    expect(kinds(data({ testRows: [8, 9, 10, 11] }))).toContain('train-test-overlap');
  });

  it('assertProbeData throws a probe-data error listing every problem', () => {
    expect(() => assertProbeData(data({ trainRows: [0, 3, 6], testRows: [1, 2] }))).toThrow(
      expect.objectContaining({
        code: 'probe-data',
        detail: expect.objectContaining({ problems: expect.any(Array) }),
      }),
    );
  });
});

describe('checkSplitProbeData', () => {
  it('finds what checkProbeData finds on the two sides put together, test rows numbered after train', () => {
    const d = 2;
    const X = new Float32Array(12 * d).map((_, i) => i);
    X[3] = Number.NaN; // train row 1
    X[10 * d + 1] = Number.POSITIVE_INFINITY; // test row 1 = row 10
    const y = Int32Array.from({ length: 12 }, (_, i) => (i < 9 ? i % 2 : i % 3)); // class 2 only in test
    const whole = checkProbeData({
      X,
      y,
      n: 12,
      d,
      k: 3,
      trainRows: Array.from({ length: 9 }, (_, i) => i),
      testRows: [9, 10, 11],
    });
    const split = checkSplitProbeData(
      { X: X.subarray(0, 9 * d), y: y.subarray(0, 9) },
      { X: X.subarray(9 * d), y: y.subarray(9) },
      d,
      3,
    );
    expect(split).toEqual(whole);
    expect(split.map((p) => p.kind)).toEqual(['class-missing-in-train', 'non-finite']);
    expect(split[1].message).toMatch(/row 1 column 1 \(NaN\), row 10 column 1 \(Infinity\)/);
  });

  it('finds nothing wrong with good data', () => {
    const X = new Float32Array(8).map((_, i) => i);
    expect(checkSplitProbeData({ X, y: [0, 1, 0, 1] }, { X: X.subarray(0, 4), y: [0, 1] }, 2, 2)).toEqual([]);
  });
});
