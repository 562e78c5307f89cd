import { describe, expect, it } from 'vitest';
import {
  bundledSplit,
  holdOut,
  proportionalCounts,
  splitIds,
  splitLabelled,
  stratifiedSample,
} from './split';

const items = [
  ...Array.from({ length: 10 }, (_, i) => ({ id: `a${i}`, label: 'cats' })),
  ...Array.from({ length: 4 }, (_, i) => ({ id: `b${i}`, label: 'birds' })),
  { id: 'c0', label: 'lonely' },
];

const count = (labels: ArrayLike<number>, k: number) => {
  const out = new Array(k).fill(0);
  for (let i = 0; i < labels.length; i++) out[labels[i]]++;
  return out;
};

describe('splitLabelled', () => {
  it('splits per class with sorted class names, seeded, into train, validation and test', () => {
    const s = splitLabelled(items, 0.3, 0.2, 1);
    expect(s.classes).toEqual(['birds', 'cats', 'lonely']);
    expect(s.test.ids.filter((id) => id.startsWith('a'))).toHaveLength(3);
    expect(s.test.ids.filter((id) => id.startsWith('b'))).toHaveLength(1);
    // cats: 7 left after the test share, round(0.2 · 7) = 1 held out for validation.
    expect(s.validation.ids.filter((id) => id.startsWith('a'))).toHaveLength(1);
    // birds: 3 left; holding one out would leave 2 — the minimum — so one is held out.
    expect(s.validation.ids.filter((id) => id.startsWith('b'))).toHaveLength(1);
    // A class with a single image cannot be tested or validated; it stays in train (and the probe checks flag it).
    expect(s.train.ids).toContain('c0');
    expect(new Set(splitIds(s)).size).toBe(items.length);
    expect(splitLabelled(items, 0.3, 0.2, 1)).toEqual(s);
    expect(Array.from(s.test.labels).every((l) => l === 0 || l === 1)).toBe(true);
    expect(s.validation.labels).toEqual(
      Int32Array.from(s.validation.ids, (id) => (id.startsWith('a') ? 1 : 0)),
    );
  });
});

describe('stratified sampling', () => {
  it('proportional counts sum to the request and follow the class sizes', () => {
    expect(proportionalCounts([50, 30, 20], 10)).toEqual([5, 3, 2]);
    expect(proportionalCounts([1, 1, 1], 2)).toEqual([1, 1, 0]);
    expect(proportionalCounts([5, 0], 5)).toEqual([5, 0]);
    expect(() => proportionalCounts([2, 2], 5)).toThrow();
  });

  it('a sample has the split’s class shares, is seeded and has no repeats', () => {
    // 1,000 rows: class c has 100·(c+1)/… — uneven shares, as in a real split.
    const labels = Int32Array.from({ length: 1000 }, (_, i) => (i < 100 ? 0 : i < 400 ? 1 : 2));
    const rows = stratifiedSample(labels, 3, 200, 7);
    expect(new Set(rows).size).toBe(200);
    expect(
      count(
        Int32Array.from(rows, (r) => labels[r]),
        3,
      ),
    ).toEqual([20, 60, 120]);
    expect(stratifiedSample(labels, 3, 200, 7)).toEqual(rows);
    expect(stratifiedSample(labels, 3, 200, 8)).not.toEqual(rows);
  });

  it('holds out a validation share of every class, keeping at least two of each to fit on', () => {
    const labels = Int32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2]);
    const { keep, held } = holdOut(labels, 3, 0.2, 3);
    expect(
      count(
        Int32Array.from(held, (i) => labels[i]),
        3,
      ),
    ).toEqual([2, 1, 0]);
    expect([...keep, ...held].sort((a, b) => a - b)).toEqual(Array.from(labels, (_, i) => i));
  });

  it('the bundled split is stratified in train, validation and test, and disjoint', () => {
    // A skewed data set: an unstratified sample of 100 would miss class 3's share by chance.
    const train = Int32Array.from({ length: 5000 }, (_, i) => (i % 50 === 0 ? 3 : i % 3));
    const test = Int32Array.from({ length: 2000 }, (_, i) => (i % 50 === 0 ? 3 : i % 3));
    const s = bundledSplit(
      { classes: ['a', 'b', 'c', 'd'], train, test },
      { nTrain: 500, nTest: 200, splitSeed: 0, validationFraction: 0.2 },
    );
    expect(s.train.ids.length + s.validation.ids.length).toBe(500);
    expect(s.test.ids).toHaveLength(200);
    // Class sizes: test [653, 654, 653, 40], train [1633, 1634, 1633, 100]; largest remainders.
    expect(count(s.test.labels, 4)).toEqual([65, 66, 65, 4]);
    // Of the training sample [163, 164, 163, 10], 20% of each class is held out.
    expect(count(s.validation.labels, 4)).toEqual([33, 33, 33, 2]);
    expect(count(s.train.labels, 4)).toEqual([130, 131, 130, 8]);
    expect(s.train.ids.every((id) => id.startsWith('train:'))).toBe(true);
    expect(s.validation.ids.every((id) => id.startsWith('train:'))).toBe(true);
    expect(new Set([...s.train.ids, ...s.validation.ids]).size).toBe(500);
    for (const [i, id] of s.test.ids.entries()) expect(test[Number(id.slice(5))]).toBe(s.test.labels[i]);
  });
});
