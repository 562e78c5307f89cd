import { describe, expect, it } from 'vitest';
import { POOLING_KINDS, type PoolingName, poolingChoices, poolingName } from './pooling-kinds';

describe('the pooling registry', () => {
  it('names every registered pooling back to its name, and no other', () => {
    for (const name of Object.keys(POOLING_KINDS) as PoolingName[])
      expect(poolingName(POOLING_KINDS[name].pooling)).toBe(name);
    expect(poolingName({ kind: 'adaptive', size: 1 })).toBeNull();
  });

  it('gives the CLI its choices and the app its menu from the same list', () => {
    expect(poolingChoices()).toBe('avg|max|avg2|avg4|grid4|grid8|grid16');
    const inApp = (Object.keys(POOLING_KINDS) as PoolingName[]).filter((n) => POOLING_KINDS[n].inApp);
    expect(inApp).toEqual(['avg', 'max', 'avg2', 'avg4', 'grid8', 'raw']);
  });
});
