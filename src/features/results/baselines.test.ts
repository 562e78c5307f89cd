import { describe, expect, it } from 'vitest';
import { dataSpec } from '../../pipeline/feature-spec';
import { splitLabelled } from '../../pipeline/split';
import { getState, useStore } from '../../state/store';
import { A, upload } from '../../state/test-models';
import { specRows } from './baselines';

describe('the comparisons of a probe on your images', () => {
  it('use the labels the probe was trained with, not the images as labelled now', () => {
    const items = Array.from({ length: 12 }, (_, i) => ({ id: `upload:${i}`, label: i % 2 ? 'cat' : 'dog' }));
    const split = splitLabelled(items, 0.25, 0.2, 0);
    const spec = {
      model: A.id,
      modelName: 'A',
      blocks: ['mid'],
      timesteps: [0],
      seed: 0,
      pooling: { kind: 'avg' as const },
      data: dataSpec(split, { source: 'uploads', testFraction: 0.25 }, 0, 0.2),
    };
    // After the probe, every image was relabelled "cat".
    useStore.setState({
      model: A,
      uploads: items.map((it) => ({ ...upload(it.id, 'k'), className: 'cat' })),
    });
    expect(getState().uploads.every((u) => u.className === 'cat')).toBe(true);
    const labels = {
      train: split.train.labels,
      validation: split.validation.labels,
      test: split.test.labels,
    };
    const rows = specRows(spec, labels);
    expect(rows.ids).toEqual([...split.train.ids, ...split.validation.ids, ...split.test.ids]);
    expect(Array.from(rows.labels.test)).toEqual(Array.from(split.test.labels));
    expect(new Set(rows.labels.train).size).toBe(2);
  });
});
