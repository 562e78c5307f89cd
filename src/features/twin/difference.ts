/**
 * @file "Trained − random" per cell: a sweep of the trained model and the same sweep of its
 * random-weights twin, compared cell by cell (points of validation accuracy) — as numbers, CSV,
 * a diverging heatmap's spec, and the finding in words. No React, no store: the app draws these.
 */
import type { MatrixSpec } from '../../ui/matrix-heatmap';
import { bestCell, type SweepGrid } from '../sweep/sweep-grid';

/** trained − random, in accuracy points, for every cell both sweeps computed (else null). */
export function sweepDifference(trained: SweepGrid, random: SweepGrid): (number | null)[][] {
  return trained.cells.map((row, b) =>
    row.map((cell, j) => {
      const r = random.cells[b]?.[j]?.validationAccuracy;
      const v = cell?.validationAccuracy;
      return v == null || r == null ? null : 100 * (v - r);
    }),
  );
}

/** The difference as CSV: block, t, both validation accuracies and trained − random (points). */
export function differenceCsv(trained: SweepGrid, random: SweepGrid): string {
  const diff = sweepDifference(trained, random);
  const lines = ['block,t,trained_validation_accuracy,random_validation_accuracy,difference_points'];
  trained.spec.blocks.forEach((block, b) => {
    trained.spec.timesteps.forEach((t, j) => {
      const a = trained.cells[b][j]?.validationAccuracy;
      const r = random.cells[b]?.[j]?.validationAccuracy;
      const d = diff[b][j];
      lines.push([block, t, a ?? '', r ?? '', d === null ? '' : d.toFixed(4)].join(','));
    });
  });
  return `${lines.join('\n')}\n`;
}

/** "trained − random" per cell as a diverging heatmap (points of validation accuracy). */
export function differenceFigure(trained: SweepGrid, random: SweepGrid): MatrixSpec {
  const diff = sweepDifference(trained, random);
  const values = diff.flat().filter((v): v is number => v !== null);
  const max = Math.max(1, ...values.map(Math.abs));
  const { blocks, timesteps } = trained.spec;
  const sign = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(1)}`;
  return {
    description: `Trained minus random-weights twin: validation accuracy difference in points per block and t${values.length ? `, from ${sign(Math.min(...values))} to ${sign(Math.max(...values))}` : ''}`,
    rows: blocks,
    cols: timesteps.map((t) => `t = ${t}`),
    values: diff,
    color: { kind: 'diverging', max },
    format: sign,
    cellTitle: (i, j) => {
      const a = trained.cells[i][j]?.validationAccuracy;
      const r = random.cells[i]?.[j]?.validationAccuracy;
      const d = diff[i][j];
      return d === null
        ? `${blocks[i]}, t = ${timesteps[j]}: not computed in both sweeps`
        : `${blocks[i]}, t = ${timesteps[j]}: trained ${(100 * a!).toFixed(1)}%, random ${(100 * r!).toFixed(1)}%, ${sign(d)} points`;
    },
    legend: 'points',
    rowAxis: 'block',
    colAxis: 'timestep',
  };
}

/** The finding in words: where training adds the most, and at the chosen cell. */
export function differenceText(trained: SweepGrid, random: SweepGrid): string | null {
  const diff = sweepDifference(trained, random);
  let best: { b: number; j: number; d: number } | null = null;
  diff.forEach((row, b) => {
    row.forEach((d, j) => {
      if (d !== null && (!best || d > best.d)) best = { b, j, d };
    });
  });
  if (!best) return null;
  const { b, j, d } = best as { b: number; j: number; d: number };
  const { blocks, timesteps } = trained.spec;
  const twinBest = bestCell(random);
  const chosen = trained.chosen;
  const atChosen = chosen ? diff[blocks.indexOf(chosen.block)]?.[timesteps.indexOf(chosen.t)] : null;
  return `Training adds the most at ${blocks[b]}, t = ${timesteps[j]}: ${d >= 0 ? '+' : ''}${d.toFixed(1)} points of validation accuracy over the same network with random weights${atChosen != null && chosen ? `; at the chosen cell (${chosen.block}, t = ${chosen.t}) ${atChosen >= 0 ? '+' : ''}${atChosen.toFixed(1)} points` : ''}.${twinBest ? ` The twin's best cell is ${twinBest.block} at t = ${twinBest.t} (${(100 * twinBest.accuracy).toFixed(1)}%).` : ''}`;
}
