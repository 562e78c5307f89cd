import { describe, expect, it } from 'vitest';
import {
  addCompanion,
  currentModel,
  findModel,
  isLoaded,
  type LoadedModel,
  MAX_COMPANIONS,
  removeCompanion,
  setCurrentModel,
} from './model-state';

const model = (id: string) => ({ info: { id } }) as unknown as LoadedModel;

describe('the current model and its companions', () => {
  it('jobs find the current model or a companion by id; at most two companions, the least recently used goes', () => {
    const trained = model('trained');
    setCurrentModel(trained);
    const twin = model('twin');
    const other = model('other');
    expect(addCompanion(twin)).toEqual([]);
    expect(addCompanion(other)).toEqual([]);
    expect(findModel('trained')).toBe(trained);
    expect(findModel('twin')).toBe(twin); // twin is now the most recently used
    expect(MAX_COMPANIONS).toBe(2);
    const third = model('third');
    expect(addCompanion(third)).toEqual([other]);
    expect(findModel('other')).toBeNull();
    expect(isLoaded(other)).toBe(false);
    expect(isLoaded(twin)).toBe(true);
    expect(currentModel()).toBe(trained);
  });

  it('a companion made current leaves the list; the previous current model can become one', () => {
    const a = model('a');
    const b = model('b');
    setCurrentModel(a);
    addCompanion(b);
    removeCompanion('b');
    expect(setCurrentModel(b)).toBe(a);
    addCompanion(a);
    expect(findModel('a')).toBe(a);
    expect(findModel('b')).toBe(b);
    expect(isLoaded(a) && isLoaded(b)).toBe(true);
  });
});
