import { describe, expect, it } from 'vitest';
import { addChunk, completeRows, createFeatureSet, featureSetToJson } from './feature-set';

const spec = { imageIds: ['a', 'b', 'c', 'd'], t: 0, seed: 0, pooling: 'avg', blocks: ['mid'] };

describe('FeatureSet', () => {
  it('assembles rows arriving out of order and keeps only complete rows', () => {
    const set = createFeatureSet(spec, Int32Array.from([0, 1, 2, 3]));
    addChunk(set, { rows: [3, 1], features: { mid: Float32Array.from([30, 31, 10, 11]) }, dims: { mid: 2 } });
    expect(set.filledCount).toBe(2);
    const partial = completeRows(set);
    expect(partial.rows).toEqual([1, 3]);
    expect(Array.from(partial.features.mid)).toEqual([10, 11, 30, 31]);
    expect(Array.from(partial.labels)).toEqual([1, 3]);
    addChunk(set, { rows: [0, 2], features: { mid: Float32Array.from([0, 1, 20, 21]) }, dims: { mid: 2 } });
    expect(Array.from(completeRows(set).features.mid)).toEqual([0, 1, 10, 11, 20, 21, 30, 31]);
  });

  it('does not double-count a row delivered twice (e.g. after a backend fallback)', () => {
    const set = createFeatureSet(spec, new Int32Array(4));
    const chunk = { rows: [2], features: { mid: Float32Array.from([5, 6]) }, dims: { mid: 2 } };
    addChunk(set, chunk);
    addChunk(set, chunk);
    expect(set.filledCount).toBe(1);
  });

  it('exports a stopped extraction with the id of every row, rows in image order, and says it is partial', () => {
    const set = createFeatureSet(spec, Int32Array.from([0, 1, 2, 3]));
    // Rows arrive out of order (cache hits first, then batches), and the run is stopped.
    addChunk(set, { rows: [3, 1], features: { mid: Float32Array.from([30, 31, 10, 11]) }, dims: { mid: 2 } });
    const json = JSON.parse(featureSetToJson({ ...set, status: 'stopped' }));
    expect(json.ids).toEqual(['b', 'd']);
    expect(json.features.mid).toEqual([
      [10, 11],
      [30, 31],
    ]);
    expect(json.labels).toEqual([1, 3]);
    expect(json).toMatchObject({ complete: false, rows: { computed: 2, total: 4 }, t: 0, blocks: ['mid'] });
  });
});
