import { describe, expect, it } from 'vitest';
import { upload } from '../state/test-models';
import type { BundledDataset } from './bundled';
import { thumbnailFor } from './thumbnail';

const dataset = {
  index: { name: 'd', classes: ['a'], channels: 1, height: 2, width: 3, splits: {} },
  splits: {
    test: { images: Uint8Array.from({ length: 12 }, (_, i) => i), labels: new Uint8Array(2), count: 2 },
  },
} as unknown as BundledDataset;

describe('thumbnailFor', () => {
  it('draws a bundled image at the data set’s size, not the model’s', () => {
    const t = thumbnailFor('test:1', dataset, [], { width: 64, height: 64 });
    expect(t).toMatchObject({ width: 3, height: 2, channels: 1 });
    expect(Array.from(t!.bytes)).toEqual([6, 7, 8, 9, 10, 11]);
  });

  it('draws an upload only once it is converted for the loaded model', () => {
    const ready = upload('upload:1', 'k');
    expect(thumbnailFor('upload:1', dataset, [ready], { width: 2, height: 2 })).toMatchObject({
      bytes: ready.converted,
      width: 2,
      height: 2,
      channels: 1,
    });
    expect(
      thumbnailFor('upload:2', dataset, [upload('upload:2', '', 'converting')], { width: 2, height: 2 }),
    ).toBeNull();
    expect(thumbnailFor('test:9', dataset, [], { width: 2, height: 2 })).toBeNull();
  });
});
