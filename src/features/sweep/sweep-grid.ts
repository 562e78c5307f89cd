/**
 * @file The result grid of a sweep (blocks × timesteps → test accuracy), its best cell, and its
 * CSV/JSON forms. Pure data; cells not run yet (or cancelled) are null.
 */

export interface SweepGrid {
  blocks: string[];
  timesteps: number[];
  /** accuracy[b][t], null until computed. */
  accuracy: (number | null)[][];
  trainAccuracy: (number | null)[][];
  nTrain: number;
  nTest: number;
  pooling: string;
  seed: number;
}

export function emptyGrid(
  blocks: string[],
  timesteps: number[],
  meta: Omit<SweepGrid, 'blocks' | 'timesteps' | 'accuracy' | 'trainAccuracy'>,
): SweepGrid {
  const nulls = () => blocks.map(() => timesteps.map(() => null));
  return { blocks, timesteps, accuracy: nulls(), trainAccuracy: nulls(), ...meta };
}

export function bestCell(grid: SweepGrid): { block: string; t: number; accuracy: number } | null {
  let best: { block: string; t: number; accuracy: number } | null = null;
  grid.accuracy.forEach((row, b) => {
    row.forEach((acc, j) => {
      if (acc !== null && (!best || acc > best.accuracy))
        best = { block: grid.blocks[b], t: grid.timesteps[j], accuracy: acc };
    });
  });
  return best;
}

export function gridToCsv(grid: SweepGrid): string {
  const lines = ['block,t,test_accuracy,train_accuracy'];
  grid.blocks.forEach((block, b) => {
    grid.timesteps.forEach((t, j) => {
      const acc = grid.accuracy[b][j];
      const tr = grid.trainAccuracy[b][j];
      if (acc !== null) lines.push(`${block},${t},${acc.toFixed(6)},${tr === null ? '' : tr.toFixed(6)}`);
    });
  });
  return `${lines.join('\n')}\n`;
}

export function gridToJson(grid: SweepGrid): string {
  const best = bestCell(grid);
  return `${JSON.stringify({ format: 'diffprobe-sweep', version: 1, ...grid, best }, null, 2)}\n`;
}
