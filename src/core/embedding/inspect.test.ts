import { describe, expect, it } from 'vitest';
import { describeFeatureReport, inspectFeatures } from './inspect';

describe('inspectFeatures', () => {
  it('counts constant columns and exact duplicate rows', () => {
    // 4 rows × 3 features; column 2 constant; row 3 duplicates row 0.
    const X = Float32Array.of(1, 2, 5, 3, 4, 5, 6, 7, 5, 1, 2, 5);
    const r = inspectFeatures(X, 4, 3);
    expect(r).toEqual({ n: 4, d: 3, constantColumns: 1, duplicateRows: 1 });
    const notes = describeFeatureReport(r);
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatch(/1 of 3 features are constant/);
    expect(notes[1]).toMatch(/1 point has exactly the features of another point/);
  });

  it('says so when every point is the same', () => {
    const r = inspectFeatures(new Float32Array(12).fill(0.5), 4, 3);
    expect(r.constantColumns).toBe(3);
    expect(r.duplicateRows).toBe(3);
    expect(describeFeatureReport(r)).toEqual([
      'all 4 points have identical features (every feature is constant), so the layout carries no information',
    ]);
  });

  it('nothing unusual: no messages', () => {
    const r = inspectFeatures(Float32Array.of(0, 1, 2, 3), 2, 2);
    expect(describeFeatureReport(r)).toEqual([]);
  });

  it('rejects NaN and Infinity with probe-data, naming the point', () => {
    expect(() => inspectFeatures(Float32Array.of(0, 1, Number.NaN, 3), 2, 2)).toThrow(
      expect.objectContaining({ code: 'probe-data', message: 'feature 0 of point 1 is NaN' }),
    );
    expect(() => inspectFeatures(Float32Array.of(Number.POSITIVE_INFINITY), 1, 1)).toThrow(
      expect.objectContaining({ code: 'probe-data' }),
    );
  });
});
