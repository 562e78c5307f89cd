import { describe, expect, it } from 'vitest';
import { splitLabelled } from './labelled-set';

const items = [
  ...Array.from({ length: 10 }, (_, i) => ({ id: `a${i}`, label: 'cats' })),
  ...Array.from({ length: 4 }, (_, i) => ({ id: `b${i}`, label: 'birds' })),
  { id: 'c0', label: 'lonely' },
];

describe('splitLabelled', () => {
  it('splits per class with sorted class names, seeded', () => {
    const s = splitLabelled(items, 0.3, 1);
    expect(s.classes).toEqual(['birds', 'cats', 'lonely']);
    expect(s.testIds.filter((id) => id.startsWith('a'))).toHaveLength(3);
    expect(s.testIds.filter((id) => id.startsWith('b'))).toHaveLength(1);
    // A class with a single image cannot be tested; it stays in train (and the probe checks flag it).
    expect(s.trainIds).toContain('c0');
    expect(new Set([...s.trainIds, ...s.testIds]).size).toBe(items.length);
    expect(splitLabelled(items, 0.3, 1)).toEqual(s);
    expect(Array.from(s.testLabels).every((l) => l === 0 || l === 1)).toBe(true);
  });
});
