import { describe, expect, it } from 'vitest';
import { assertProbeData, checkProbeData, type ProbeData } from './checks';

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
