/**
 * @file Which labelled images a probe or a sweep fits on, chooses with, and tests on: seeded and
 * stratified by class, so the browser, the CLI and the tests pick the same images.
 *
 * - Bundled data: a stratified sample of `nTrain` rows of the data set's train split and `nTest`
 *   rows of its test split (class shares as in each split), then a validation part of the
 *   training sample held out per class.
 * - The user's labelled images: per class, a test share, then a validation share of the rest.
 *
 * The validation part is what the live curves, Stop and a sweep's choice of cell look at; the test
 * part is looked at once, for the configuration chosen. Pure, so the splits are unit-tested.
 */
import { MIN_TRAIN_PER_CLASS } from '../core/probe/checks';
import { fnv1a32 } from '../core/rng';
import { sampleIndices } from '../core/sample';

/** The share of the training images held out for validation (per class). */
export const VALIDATION_FRACTION = 0.2;

/** One part of a split: image ids and their class indices, in the same order. */
export interface SplitPart {
  ids: string[];
  labels: Int32Array;
}

export interface LabelledSplit {
  classes: string[];
  /** The images the probe is fitted on. */
  train: SplitPart;
  /** Held out of the training images: for the curves, Stop and choosing a sweep's cell. */
  validation: SplitPart;
  /** Looked at once, for the chosen configuration. */
  test: SplitPart;
}

/** A seed for one use (`parts`: which split, which class…) derived from a user's seed: FNV-1a of the words, little-endian. */
export function subSeed(seed: number, ...parts: number[]): number {
  const words = Uint32Array.from([seed >>> 0, ...parts.map((p) => p >>> 0)]);
  return fnv1a32(new Uint8Array(words.buffer));
}

/**
 * Per-class counts summing to `count`, proportional to `sizes` (largest remainder; ties go to the
 * lower class index). No class gets more than it has.
 */
export function proportionalCounts(sizes: readonly number[], count: number): number[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (count > total || count < 0 || !Number.isInteger(count))
    throw new RangeError(`cannot take ${count} of ${total} items`);
  if (total === 0) return sizes.map(() => 0);
  const exact = sizes.map((s) => (count * s) / total);
  const out = exact.map(Math.floor);
  let left = count - out.reduce((a, b) => a + b, 0);
  const order = sizes.map((_, c) => c).sort((a, b) => exact[b] - out[b] - (exact[a] - out[a]) || a - b);
  for (const c of order) {
    if (left === 0) break;
    if (out[c] < sizes[c]) {
      out[c]++;
      left--;
    }
  }
  return out;
}

/** Row indices of each class 0…k−1 (labels outside that range are left out). */
function rowsByClass(labels: ArrayLike<number>, k: number): number[][] {
  const by: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (c >= 0 && c < k) by[c].push(i);
  }
  return by;
}

/**
 * `count` rows of a labelled split, each class contributing in proportion to its size, each
 * class's rows sampled with its own seed. Returned in ascending row order.
 */
export function stratifiedSample(
  labels: ArrayLike<number>,
  k: number,
  count: number,
  seed: number,
): number[] {
  const by = rowsByClass(labels, k);
  const counts = proportionalCounts(
    by.map((rows) => rows.length),
    count,
  );
  const out: number[] = [];
  for (const [c, rows] of by.entries())
    for (const i of sampleIndices(rows.length, counts[c], subSeed(seed, c))) out.push(rows[i]);
  return out.sort((a, b) => a - b);
}

/**
 * Holds out round(fraction · n_c) positions of every class c, keeping at least
 * MIN_TRAIN_PER_CLASS of each class to fit on. Positions index `labels`; both lists ascend.
 */
export function holdOut(
  labels: ArrayLike<number>,
  k: number,
  fraction: number,
  seed: number,
): { keep: number[]; held: number[] } {
  const keep: number[] = [];
  const held: number[] = [];
  for (const [c, rows] of rowsByClass(labels, k).entries()) {
    const n = Math.min(Math.round(rows.length * fraction), Math.max(0, rows.length - MIN_TRAIN_PER_CLASS));
    const order = sampleIndices(rows.length, rows.length, subSeed(seed, 0x7661, c));
    for (const [rank, i] of order.entries()) (rank < n ? held : keep).push(rows[i]);
  }
  return { keep: keep.sort((a, b) => a - b), held: held.sort((a, b) => a - b) };
}

function part(ids: readonly string[], labels: ArrayLike<number>, positions: readonly number[]): SplitPart {
  return { ids: positions.map((p) => ids[p]), labels: Int32Array.from(positions, (p) => labels[p]) };
}

/** The training images split into what the probe fits on and the validation part. */
function withValidation(
  classes: string[],
  train: SplitPart,
  test: SplitPart,
  validationFraction: number,
  seed: number,
): LabelledSplit {
  const { keep, held } = holdOut(train.labels, classes.length, validationFraction, seed);
  return {
    classes,
    train: part(train.ids, train.labels, keep),
    validation: part(train.ids, train.labels, held),
    test,
  };
}

export interface BundledSplitOptions {
  /** Training images in all (the validation part is taken out of them). */
  nTrain: number;
  nTest: number;
  splitSeed: number;
  validationFraction: number;
}

/** The bundled data set's split: ids "train:<row>" and "test:<row>". */
export function bundledSplit(
  data: { classes: readonly string[]; train: ArrayLike<number>; test: ArrayLike<number> },
  options: BundledSplitOptions,
): LabelledSplit {
  const k = data.classes.length;
  const pick = (split: 'train' | 'test', labels: ArrayLike<number>, n: number, seed: number): SplitPart => {
    const rows = stratifiedSample(labels, k, n, seed);
    return { ids: rows.map((r) => `${split}:${r}`), labels: Int32Array.from(rows, (r) => labels[r]) };
  };
  const { splitSeed } = options;
  return withValidation(
    [...data.classes],
    pick('train', data.train, options.nTrain, subSeed(splitSeed, 1)),
    pick('test', data.test, options.nTest, subSeed(splitSeed, 2)),
    options.validationFraction,
    splitSeed,
  );
}

/**
 * Splits labelled items per class: round(testFraction·n) of each class go to test (at least one
 * when the class has two or more), then `validationFraction` of the rest to validation (see
 * holdOut). Classes are sorted by name.
 */
export function splitLabelled(
  items: readonly { id: string; label: string }[],
  testFraction: number,
  validationFraction: number,
  seed: number,
): LabelledSplit {
  const classes = [...new Set(items.map((i) => i.label))].sort();
  const train = { ids: [] as string[], labels: [] as number[] };
  const test = { ids: [] as string[], labels: [] as number[] };
  for (const [c, name] of classes.entries()) {
    const members = items.filter((i) => i.label === name);
    const order = sampleIndices(members.length, members.length, seed + c);
    const nTest = members.length >= 2 ? Math.max(1, Math.round(members.length * testFraction)) : 0;
    for (const [rank, idx] of order.entries()) {
      const side = rank < nTest ? test : train;
      side.ids.push(members[idx].id);
      side.labels.push(c);
    }
  }
  return withValidation(
    classes,
    { ids: train.ids, labels: Int32Array.from(train.labels) },
    { ids: test.ids, labels: Int32Array.from(test.labels) },
    validationFraction,
    seed,
  );
}

/** All ids of a split in the order the pipeline extracts them: train, validation, test. */
export function splitIds(split: LabelledSplit): string[] {
  return [...split.train.ids, ...split.validation.ids, ...split.test.ids];
}
