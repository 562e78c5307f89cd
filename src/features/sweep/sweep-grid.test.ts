import { describe, expect, it } from 'vitest';
import { bestCell, emptyGrid, gridToCsv, gridToJson } from './sweep-grid';

describe('sweep grid', () => {
  const grid = emptyGrid(['mid', 'up1_0'], [0, 100], { nTrain: 10, nTest: 5, pooling: 'avg', seed: 0 });
  grid.accuracy[0][0] = 0.5;
  grid.accuracy[1][1] = 0.75;
  grid.trainAccuracy[1][1] = 0.9;

  it('finds the best computed cell and skips missing ones', () => {
    expect(bestCell(grid)).toEqual({ block: 'up1_0', t: 100, accuracy: 0.75 });
    expect(bestCell(emptyGrid(['a'], [1], { nTrain: 1, nTest: 1, pooling: 'avg', seed: 0 }))).toBeNull();
  });

  it('writes CSV rows for computed cells only', () => {
    expect(gridToCsv(grid)).toBe(
      'block,t,test_accuracy,train_accuracy\nmid,0,0.500000,\nup1_0,100,0.750000,0.900000\n',
    );
  });

  it('writes JSON with the best cell', () => {
    const json = JSON.parse(gridToJson(grid));
    expect(json.format).toBe('diffprobe-sweep');
    expect(json.best).toEqual({ block: 'up1_0', t: 100, accuracy: 0.75 });
    expect(json.accuracy).toEqual([
      [0.5, null],
      [null, 0.75],
    ]);
  });
});
