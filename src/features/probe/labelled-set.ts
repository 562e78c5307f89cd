/**
 * @file Which labelled images a probe trains and tests on: a seeded subset of the bundled data's
 * own train/test splits, or the user's labelled images (folder names or class buckets) split per
 * class with a seeded shuffle. Pure, so the split is unit-tested.
 */
import { sampleIndices } from '../../core/sample';

export interface LabelledSplit {
  classes: string[];
  trainIds: string[];
  testIds: string[];
  trainLabels: Int32Array;
  testLabels: Int32Array;
}

/**
 * Splits labelled items per class: round(testFraction·n) of each class go to test (at least one
 * when the class has two or more), the rest to train. Classes are sorted by name.
 */
export function splitLabelled(
  items: readonly { id: string; label: string }[],
  testFraction: number,
  seed: number,
): LabelledSplit {
  const classes = [...new Set(items.map((i) => i.label))].sort();
  const trainIds: string[] = [];
  const testIds: string[] = [];
  const trainLabels: number[] = [];
  const testLabels: number[] = [];
  for (const [c, name] of classes.entries()) {
    const members = items.filter((i) => i.label === name);
    const order = sampleIndices(members.length, members.length, seed + c);
    const nTest = members.length >= 2 ? Math.max(1, Math.round(members.length * testFraction)) : 0;
    for (const [rank, idx] of order.entries()) {
      if (rank < nTest) {
        testIds.push(members[idx].id);
        testLabels.push(c);
      } else {
        trainIds.push(members[idx].id);
        trainLabels.push(c);
      }
    }
  }
  return {
    classes,
    trainIds,
    testIds,
    trainLabels: Int32Array.from(trainLabels),
    testLabels: Int32Array.from(testLabels),
  };
}
