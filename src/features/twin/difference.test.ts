import { describe, expect, it } from 'vitest';
import { dataSpec, type FeatureSpec } from '../../pipeline/feature-spec';
import { splitLabelled } from '../../pipeline/split';
import { matrixLayout } from '../../ui/matrix-heatmap';
import { emptyGrid, type SweepGrid, withCell } from '../sweep/sweep-grid';
import { differenceCsv, differenceFigure, differenceText, sweepDifference } from './difference';

const items = Array.from({ length: 20 }, (_, i) => ({ id: `train:${i}`, label: i % 2 ? 'b' : 'a' }));
const spec: FeatureSpec = {
  model: 'trained',
  modelName: 'T',
  blocks: ['mid', 'up1_0'],
  timesteps: [0, 10],
  seed: 0,
  pooling: { kind: 'avg' },
  data: dataSpec(splitLabelled(items, 0.3, 0.2, 0), { source: 'bundled', dataset: 'Fashion-MNIST' }, 0, 0.2),
};

function sweep(model: string, accuracies: (number | null)[][]): SweepGrid {
  let g = emptyGrid({ ...spec, model }, { C: 1, maxIter: 100 });
  accuracies.forEach((row, b) => {
    row.forEach((a, j) => {
      if (a !== null) g = withCell(g, b, j, { validationAccuracy: a, trainAccuracy: 1, model });
    });
  });
  return g;
}

// mid: trained 0.80/0.85, twin 0.78/0.75; up1_0: trained 0.90/—, twin 0.70/0.71 (the trained sweep stopped).
const trained = {
  ...sweep('trained', [
    [0.8, 0.85],
    [0.9, null],
  ]),
  chosen: { block: 'up1_0', t: 0, validationAccuracy: 0.9, testAccuracy: 0.88 },
};
const twin = sweep('twin', [
  [0.78, 0.75],
  [0.7, 0.71],
]);

describe('trained − random per cell', () => {
  it('points of validation accuracy where both sweeps have the cell, null elsewhere', () => {
    const d = sweepDifference(trained, twin);
    expect(d[0][0]).toBeCloseTo(2, 10);
    expect(d[0][1]).toBeCloseTo(10, 10);
    expect(d[1][0]).toBeCloseTo(20, 10);
    expect(d[1][1]).toBeNull();
    // A twin's sweep stopped early: its missing cells are null too.
    expect(
      sweepDifference(
        trained,
        sweep('twin', [
          [0.5, null],
          [null, null],
        ]),
      )[1][0],
    ).toBeNull();
  });

  it('CSV: block, t, both accuracies and the difference; a cell missing in one sweep leaves it empty', () => {
    expect(differenceCsv(trained, twin).trim().split('\n')).toEqual([
      'block,t,trained_validation_accuracy,random_validation_accuracy,difference_points',
      'mid,0,0.8,0.78,2.0000',
      'mid,10,0.85,0.75,10.0000',
      'up1_0,0,0.9,0.7,20.0000',
      'up1_0,10,,0.71,',
    ]);
  });

  it('a diverging heatmap around 0 with both accuracies in every tooltip', () => {
    const fig = differenceFigure(trained, twin);
    expect(fig.color.kind).toBe('diverging');
    expect(fig.color.kind === 'diverging' && fig.color.max).toBeCloseTo(20, 10);
    expect(fig.description).toMatch(/from \+2\.0 to \+20\.0$/);
    expect(fig.cellTitle(1, 0)).toBe('up1_0, t = 0: trained 90.0%, random 70.0%, +20.0 points');
    expect(fig.cellTitle(1, 1)).toBe('up1_0, t = 10: not computed in both sweeps');
    const cells = matrixLayout(fig).cells;
    expect(cells.map((c) => c.label?.text)).toEqual(['+2.0', '+10.0', '+20.0', '—']);
    // Positive (training helped) is red, the largest difference the end colour.
    const [r, , b] = cells[2].fill.startsWith('#')
      ? [1, 3, 5].map((k) => Number.parseInt(cells[2].fill.slice(k, k + 2), 16))
      : cells[2].fill.match(/\d+/g)!.map(Number);
    expect(r).toBeGreaterThan(b);
  });

  it('in words: where training adds the most, at the chosen cell, and the twin’s best cell', () => {
    expect(differenceText(trained, twin)).toBe(
      "Training adds the most at up1_0, t = 0: +20.0 points of validation accuracy over the same network with random weights; at the chosen cell (up1_0, t = 0) +20.0 points. The twin's best cell is mid at t = 0 (78.0%).",
    );
    expect(
      differenceText(
        trained,
        sweep('twin', [
          [null, null],
          [null, null],
        ]),
      ),
    ).toBeNull();
  });
});
