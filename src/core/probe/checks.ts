/**
 * @file Problems with probe data, found before training (so the user sees "class 3 has no test
 * images" instead of a meaningless accuracy). All problems share the error code 'probe-data'.
 */

import { DiffProbeError } from '../errors';
import type { Features } from './standardize';

/** What is wrong; `app/` may map kinds to its own wording, `message` is a plain fallback. */
export type ProbeProblemKind =
  | 'too-few-rows'
  | 'bad-row-index'
  | 'bad-label'
  | 'one-class'
  | 'class-missing-in-train'
  | 'class-missing-in-test'
  | 'too-few-per-class'
  | 'train-test-overlap'
  | 'non-finite';

export interface ProbeProblem {
  readonly code: 'probe-data';
  readonly kind: ProbeProblemKind;
  readonly message: string;
  readonly detail: Record<string, unknown>;
}

export interface ProbeData {
  /** Row-major n×d features. */
  readonly X: Features;
  /** n labels in [0, k). */
  readonly y: ArrayLike<number>;
  readonly n: number;
  readonly d: number;
  readonly k: number;
  readonly trainRows: ArrayLike<number>;
  readonly testRows: ArrayLike<number>;
}

/** Minimum training images per class (one cannot tell a class from noise with a single example). */
export const MIN_TRAIN_PER_CLASS = 2;
/** Minimum rows in total. */
export const MIN_ROWS = 4;
const LIST = 5; // how many offending rows/classes a message names

function problem(
  kind: ProbeProblemKind,
  message: string,
  detail: Record<string, unknown> = {},
): ProbeProblem {
  return { code: 'probe-data', kind, message, detail };
}

function listed(values: number[], noun: string): string {
  const head = values.slice(0, LIST).join(', ');
  return values.length > LIST ? `${noun} ${head} and ${values.length - LIST} more` : `${noun} ${head}`;
}

function countClasses(
  rows: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  k: number,
  bad: { rows: number[]; labels: number[] },
): Int32Array {
  const counts = new Int32Array(k);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      bad.rows.push(i);
      continue;
    }
    const c = y[i];
    if (Number.isInteger(c) && c >= 0 && c < k) counts[c]++;
    else bad.labels.push(i);
  }
  return counts;
}

function labelProblems(data: Omit<ProbeData, 'X' | 'd'>): ProbeProblem[] {
  const { y, n, k, trainRows, testRows } = data;
  const out: ProbeProblem[] = [];
  if (n < MIN_ROWS) {
    out.push(problem('too-few-rows', `only ${n} images; a probe needs at least ${MIN_ROWS}`, { n }));
  }
  const bad = { rows: [] as number[], labels: [] as number[] };
  const train = countClasses(trainRows, y, n, k, bad);
  const test = countClasses(testRows, y, n, k, bad);
  if (bad.rows.length) {
    out.push(
      problem('bad-row-index', `${listed(bad.rows, 'row indices')} are not in [0, ${n})`, {
        rows: bad.rows.slice(0, LIST),
      }),
    );
  }
  if (bad.labels.length) {
    const labels = bad.labels.slice(0, LIST).map((i) => y[i]);
    out.push(
      problem('bad-label', `${listed(bad.labels, 'rows')} have labels outside [0, ${k})`, {
        rows: bad.labels.slice(0, LIST),
        labels,
      }),
    );
  }

  const trainClasses: number[] = [];
  const missingInTrain: number[] = [];
  const missingInTest: number[] = [];
  const fewInTrain: number[] = [];
  for (let c = 0; c < k; c++) {
    if (train[c] > 0) trainClasses.push(c);
    if (train[c] === 0 && test[c] > 0) missingInTrain.push(c);
    if (train[c] > 0 && test[c] === 0) missingInTest.push(c);
    if (train[c] > 0 && train[c] < MIN_TRAIN_PER_CLASS) fewInTrain.push(c);
  }
  if (trainClasses.length < 2) {
    out.push(
      problem(
        'one-class',
        trainClasses.length === 0
          ? 'the training set is empty'
          : `the training set has only class ${trainClasses[0]}; a probe needs two or more`,
        { classes: trainClasses },
      ),
    );
  }
  if (missingInTrain.length) {
    out.push(
      problem(
        'class-missing-in-train',
        `${listed(missingInTrain, 'classes')} appear in the test set but not in training`,
        {
          classes: missingInTrain,
        },
      ),
    );
  }
  if (missingInTest.length && testRows.length > 0) {
    out.push(
      problem('class-missing-in-test', `${listed(missingInTest, 'classes')} have no test images`, {
        classes: missingInTest,
      }),
    );
  }
  if (fewInTrain.length) {
    out.push(
      problem(
        'too-few-per-class',
        `${listed(fewInTrain, 'classes')} have fewer than ${MIN_TRAIN_PER_CLASS} training images`,
        { classes: fewInTrain, counts: fewInTrain.map((c) => train[c]) },
      ),
    );
  }

  const inTrain = new Uint8Array(n);
  for (let r = 0; r < trainRows.length; r++)
    if (trainRows[r] >= 0 && trainRows[r] < n) inTrain[trainRows[r]] = 1;
  const overlap: number[] = [];
  for (let r = 0; r < testRows.length; r++) if (inTrain[testRows[r]] === 1) overlap.push(testRows[r]);
  if (overlap.length) {
    out.push(
      problem('train-test-overlap', `${listed(overlap, 'rows')} are in both the training and the test set`, {
        rows: overlap.slice(0, LIST),
        count: overlap.length,
      }),
    );
  }
  return out;
}

/** One matrix of feature rows, numbered from `firstRow` in messages. */
interface RowBlock {
  readonly X: Features;
  readonly n: number;
  readonly firstRow: number;
}

/** NaN or ±Infinity anywhere in the blocks: one problem naming the first few cells, or none. */
function nonFiniteProblem(blocks: readonly RowBlock[], d: number): ProbeProblem[] {
  const cells: { row: number; col: number; value: number }[] = [];
  let nonFinite = 0;
  const rowsWith = new Set<number>();
  for (const { X, n, firstRow } of blocks) {
    const m = Math.min(n, Math.floor(X.length / d));
    for (let i = 0; i < m; i++) {
      const o = i * d;
      for (let j = 0; j < d; j++) {
        const v = X[o + j];
        if (v - v !== 0) {
          // v − v is NaN exactly for NaN and ±Infinity: one comparison in the common case.
          nonFinite++;
          rowsWith.add(firstRow + i);
          if (cells.length < LIST) cells.push({ row: firstRow + i, col: j, value: v });
        }
      }
    }
  }
  if (!nonFinite) return [];
  const where = cells.map((c) => `row ${c.row} column ${c.col} (${c.value})`).join(', ');
  return [
    problem(
      'non-finite',
      `${nonFinite} feature values in ${rowsWith.size} rows are NaN or infinite, e.g. ${where}`,
      {
        count: nonFinite,
        rows: rowsWith.size,
        first: cells,
      },
    ),
  ];
}

/**
 * Everything that would make a probe fail or mislead, as a list (empty when the data is fine).
 *
 * @example
 * const problems = checkProbeData({ X, y, n, d, k, trainRows, testRows });
 * if (problems.length) showProblems(problems); else train();
 */
export function checkProbeData(data: ProbeData): ProbeProblem[] {
  return [...labelProblems(data), ...nonFiniteProblem([{ X: data.X, n: data.n, firstRow: 0 }], data.d)];
}

/** Labelled rows of one side of a split. */
export interface LabelledRows {
  readonly X: Features;
  readonly y: ArrayLike<number>;
}

/**
 * {@link checkProbeData} for a split held as two matrices (as the worker receives it), without
 * copying them into one: test rows are numbered after the training rows in messages.
 *
 * @param trainFinite the caller already knows that the training rows hold no NaN or infinity,
 *   e.g. because a standardiser fitted on them came out finite (see isFiniteStandardizer); they
 *   are then not scanned again.
 */
export function checkSplitProbeData(
  train: LabelledRows,
  test: LabelledRows,
  d: number,
  k: number,
  trainFinite = false,
): ProbeProblem[] {
  const nTrain = train.y.length;
  const nTest = test.y.length;
  const y = new Int32Array(nTrain + nTest);
  for (let i = 0; i < nTrain; i++) y[i] = train.y[i];
  for (let i = 0; i < nTest; i++) y[nTrain + i] = test.y[i];
  const trainRows = Int32Array.from({ length: nTrain }, (_, i) => i);
  const testRows = Int32Array.from({ length: nTest }, (_, i) => nTrain + i);
  return [
    ...labelProblems({ y, n: nTrain + nTest, k, trainRows, testRows }),
    ...nonFiniteProblem(
      [
        { X: train.X, n: trainFinite ? 0 : nTrain, firstRow: 0 },
        { X: test.X, n: nTest, firstRow: nTrain },
      ],
      d,
    ),
  ];
}

/**
 * Throws DiffProbeError('probe-data') listing every problem (in `detail.problems`), if any.
 */
export function assertProbeData(data: ProbeData): void {
  const problems = checkProbeData(data);
  if (problems.length) {
    throw new DiffProbeError('probe-data', problems.map((p) => p.message).join('; '), { problems });
  }
}
