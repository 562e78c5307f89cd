/**
 * @file The result grid of a sweep (blocks × timesteps → a probe's validation accuracy), the cell
 * it chooses, and its CSV/JSON forms. Pure data; cells not run yet (or stopped) are null.
 *
 * Honest model selection: every cell is judged on the validation images (held out of the training
 * images), the best cell is chosen by that, and only the chosen cell is evaluated on the test
 * images, once (sweep-run.ts). The test accuracy of every cell is never computed, so the choice
 * cannot have looked at it.
 */
import { describeHead, type NeuralHead } from '../core/heads/spec';
import { APP_VERSION, type FeatureSpec } from './feature-spec';
import type { Provenance } from './provenance';

export interface SweepCell {
  /** On the validation images; null when the split has none. */
  validationAccuracy: number | null;
  trainAccuracy: number;
  /** ModelInfo.id of the model whose features this cell was computed from. */
  model: string;
}

/** The chosen cell and its test accuracy, computed once after the choice. */
export interface SweepChoice {
  block: string;
  t: number;
  validationAccuracy: number;
  /** null until it is computed (at the end of the sweep, or when it is stopped). */
  testAccuracy: number | null;
  /**
   * A sweep of a neural head: the linear probe on the chosen cell's block and t (the grid's
   * `linearPooling`), fitted on the same training images and tested once on the same test images —
   * what the head adds is testAccuracy − this. Absent for the linear probe's sweep; null until computed.
   */
  linearTestAccuracy?: number | null;
}

export interface SweepGrid {
  /** spec.blocks × spec.timesteps are the grid's rows and columns; each cell is one block at one t. */
  spec: FeatureSpec;
  C: number;
  maxIter: number;
  /** The head every cell trained (null: the linear probe, C and maxIter). */
  head?: NeuralHead | null;
  /** A head's sweep: the pooling of the linear probe it is compared with at the chosen cell. */
  linearPooling?: FeatureSpec['pooling'];
  /** cells[b][j] for spec.blocks[b] at spec.timesteps[j]; null until computed. */
  cells: (SweepCell | null)[][];
  chosen: SweepChoice | null;
  /** Where and from what exactly it was computed (absent until the images are read, or without an origin). */
  provenance?: Provenance | null;
}

export function emptyGrid(
  spec: FeatureSpec,
  settings: { C: number; maxIter: number; head?: NeuralHead | null; linearPooling?: FeatureSpec['pooling'] },
): SweepGrid {
  return {
    spec,
    C: settings.C,
    maxIter: settings.maxIter,
    ...(settings.head
      ? { head: settings.head, linearPooling: settings.linearPooling ?? { kind: 'avg' } }
      : {}),
    cells: spec.blocks.map(() => spec.timesteps.map(() => null)),
    chosen: null,
  };
}

/** The grid with one more cell (a new object: the store compares references). */
export function withCell(grid: SweepGrid, b: number, j: number, cell: SweepCell): SweepGrid {
  const cells = grid.cells.map((row) => [...row]);
  cells[b][j] = cell;
  return { ...grid, cells };
}

/**
 * The cell with the highest validation accuracy, in the order the sweep computes them (t, then
 * block): on a tie the first computed wins. Null while no cell has a validation accuracy.
 */
export function bestCell(
  grid: SweepGrid,
): { block: string; t: number; b: number; j: number; accuracy: number } | null {
  let best: { block: string; t: number; b: number; j: number; accuracy: number } | null = null;
  for (const [j, t] of grid.spec.timesteps.entries())
    for (const [b, block] of grid.spec.blocks.entries()) {
      const acc = grid.cells[b][j]?.validationAccuracy;
      if (acc !== null && acc !== undefined && (!best || acc > best.accuracy))
        best = { block, t, b, j, accuracy: acc };
    }
  return best;
}

/** The number of computed cells. */
export function computedCells(grid: SweepGrid): number {
  return grid.cells.reduce((s, row) => s + row.filter((c) => c !== null).length, 0);
}

/** Cells computed of the grid's blocks × timesteps; complete when every one is. */
export function gridCompletion(grid: SweepGrid): { complete: boolean; computed: number; total: number } {
  const total = grid.spec.blocks.length * grid.spec.timesteps.length;
  const computed = computedCells(grid);
  return { complete: computed === total, computed, total };
}

const fixed = (v: number | null | undefined) => (v === null || v === undefined ? '' : v.toFixed(6));

/**
 * One row per computed cell. `test_accuracy_of_chosen` is filled on the chosen cell's row only:
 * it is the one test evaluation the sweep makes.
 */
export function gridToCsv(grid: SweepGrid): string {
  const lines = ['block,t,validation_accuracy,train_accuracy,model,chosen,test_accuracy_of_chosen'];
  const { chosen } = grid;
  grid.spec.blocks.forEach((block, b) => {
    grid.spec.timesteps.forEach((t, j) => {
      const cell = grid.cells[b][j];
      if (!cell) return;
      const isChosen = chosen !== null && chosen.block === block && chosen.t === t;
      lines.push(
        [
          block,
          t,
          fixed(cell.validationAccuracy),
          fixed(cell.trainAccuracy),
          cell.model,
          isChosen ? 'yes' : '',
          isChosen ? fixed(chosen.testAccuracy) : '',
        ].join(','),
      );
    });
  });
  return `${lines.join('\n')}\n`;
}

export function gridToJson(grid: SweepGrid): string {
  const matrix = (pick: (c: SweepCell) => number | string | null) =>
    grid.cells.map((row) => row.map((c) => (c ? pick(c) : null)));
  const { complete, computed, total } = gridCompletion(grid);
  return `${JSON.stringify(
    {
      format: 'diffprobe-sweep',
      version: 2,
      appVersion: APP_VERSION,
      // A stopped sweep's choice is among the cells computed only.
      complete,
      cells: { computed, total },
      spec: grid.spec,
      provenance: grid.provenance ?? null,
      C: grid.C,
      maxIter: grid.maxIter,
      head: grid.head ?? null,
      headDescription: describeHead(grid.head ?? null),
      ...(grid.head ? { linearPooling: grid.linearPooling } : {}),
      splitSeed: grid.spec.data.splitSeed,
      blocks: grid.spec.blocks,
      timesteps: grid.spec.timesteps,
      validationAccuracy: matrix((c) => c.validationAccuracy),
      trainAccuracy: matrix((c) => c.trainAccuracy),
      model: matrix((c) => c.model),
      chosen: grid.chosen,
      chosenNote:
        'the cell with the highest validation accuracy; its testAccuracy is the only evaluation on the test images (spec.data.ids.test); for a head, linearTestAccuracy is the linear probe on that cell, on the same images',
    },
    null,
    2,
  )}\n`;
}
