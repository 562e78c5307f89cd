import { describe, expect, it } from 'vitest';
import { channelOrder, channelRanges, gridColumns, summarise, unit } from './tiles';

// Three 2×2 channels: constant 1, ramp 0..3, constant −2.
const data = new Float32Array([1, 1, 1, 1, 0, 1, 2, 3, -2, -2, -2, -2]);

describe('feature-map tiles', () => {
  it('summarises channels', () => {
    const s = summarise(data, 3, 4);
    expect(Array.from(s.mean)).toEqual([1, 1.5, -2]);
    expect(Array.from(s.variance)).toEqual([0, 1.25, 0]);
    expect(Array.from(s.min)).toEqual([1, 0, -2]);
    expect(Array.from(s.max)).toEqual([1, 3, -2]);
  });

  it('orders channels by index, mean or variance', () => {
    const s = summarise(data, 3, 4);
    expect(channelOrder(s, 'index')).toEqual([0, 1, 2]);
    expect(channelOrder(s, 'mean')).toEqual([1, 0, 2]);
    expect(channelOrder(s, 'variance')).toEqual([1, 0, 2]);
  });

  it('normalises shared across channels or per channel', () => {
    const s = summarise(data, 3, 4);
    expect(channelRanges(s, 'shared')).toEqual([
      [-2, 3],
      [-2, 3],
      [-2, 3],
    ]);
    expect(channelRanges(s, 'channel')[1]).toEqual([0, 3]);
    expect(unit(1.5, 0, 3)).toBe(0.5);
    expect(unit(7, 0, 3)).toBe(1);
    expect(unit(-1, 0, 3)).toBe(0);
    expect(unit(4, 4, 4)).toBe(0.5); // constant channel
  });

  it('lays out a wide grid', () => {
    expect(gridColumns(1)).toBe(2);
    expect(gridColumns(32)).toBe(7);
    expect(gridColumns(64)).toBe(10);
  });
});
