import { describe, expect, it } from 'vitest';
import { chunkWithin, outputBytesBounds } from './dry-run-chunks';

describe('outputBytesBounds', () => {
  const image = [1, 3, 256, 256] as const;
  it('takes the known dims, the image’s height and width where unknown, and the widest channels for the rest', () => {
    const bounds = outputBytesBounds(
      [
        { name: 'full', type: 'float32', shape: ['N', 256, 256, 256] },
        { name: 'hw?', type: 'float32', shape: ['', 512, '', ''] },
        { name: 'c?', type: 'float16', shape: ['N', 'c', 32, 32] },
        { name: 'seq', type: 'float32', shape: ['N', 1024, 'x'] },
        { name: 'none', type: 'float32' },
      ],
      image,
    );
    expect(Object.fromEntries(bounds)).toEqual({
      full: 4 * 256 * 256 * 256,
      'hw?': 4 * 512 * 256 * 256,
      'c?': 2 * 512 * 32 * 32,
      seq: 4 * 1024 * 512,
      none: 4 * 512 * 256 * 256,
    });
  });
});

describe('chunkWithin', () => {
  const bounds = new Map([
    ['a', 60],
    ['b', 60],
    ['c', 10],
    ['d', 200],
    ['e', 10],
  ]);
  it('keeps the order and each run within the bytes and the count; a name over the budget runs alone', () => {
    expect(chunkWithin(['a', 'b', 'c', 'd', 'e'], bounds, 100, 64)).toEqual([
      ['a'],
      ['b', 'c'],
      ['d'],
      ['e'],
    ]);
    expect(chunkWithin(['a', 'b', 'c', 'd', 'e'], bounds, 1000, 2)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(chunkWithin(['x', 'y'], bounds, 1, 64)).toEqual([['x', 'y']]);
  });
});
