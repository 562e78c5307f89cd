import { describe, expect, it } from 'vitest';
import { imageHashes } from './cache-key';
import { duplicateProblems, findDuplicates } from './duplicates';

describe('content duplicates across a split', () => {
  it('hashes equal pixels equally and different pixels differently', async () => {
    const x0 = Float32Array.from([1, 2, 3, 1, 2, 3, 1, 2, 4]);
    const [a, b, c] = await imageHashes(x0, 3, 3);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
  });

  it('finds test images equal to training or validation images, and validation images equal to training images', () => {
    const ids = ['t0', 't1', 't2', 'v0', 'v1', 'v2', 'x0', 'x1', 'x2'];
    // t1 = v0 (a validation copy of a training image); v1 = v2 (two equal validation images: no leak);
    // x0 = t2 and x2 = v1 (test copies); x1 is new.
    const hashes = ['A', 'B', 'C', 'B', 'D', 'D', 'C', 'E', 'D'];
    const d = findDuplicates(ids, hashes, { train: 3, validation: 3, test: 3 });
    expect(d.validation).toEqual([{ id: 'v0', sameAs: 't1' }]);
    expect(d.test).toEqual([
      { id: 'x0', sameAs: 't2' },
      { id: 'x2', sameAs: 'v1' },
    ]);
    expect(duplicateProblems(d)).toEqual([
      '2 test images have the same pixels as training or validation images (e.g. x0 = t2, x2 = v1): the test accuracy would count images the probe has seen. Remove the duplicates or pick another split seed.',
      '1 validation image has the same pixels as training images (e.g. v0 = t1): choosing by validation accuracy would reward memorising them. Remove the duplicates or pick another split seed.',
    ]);
    expect(
      duplicateProblems(findDuplicates(['a', 'b'], ['A', 'B'], { train: 1, validation: 0, test: 1 })),
    ).toEqual([]);
  });
});
