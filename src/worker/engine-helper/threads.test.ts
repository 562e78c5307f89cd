import { describe, expect, it } from 'vitest';
import { configureWasm } from '../../engine/onnx-web';
import { helperThreads } from './threads';

describe('the engine helper’s threads', () => {
  it('takes the cores the main engine leaves, up to 4', () => {
    expect(helperThreads(true, 2, 1)).toBe(1);
    expect(helperThreads(true, 4, 3)).toBe(1);
    expect(helperThreads(true, 8, 4)).toBe(4);
    expect(helperThreads(true, 16, 4)).toBe(4);
  });

  it('is not started when no core is free', () => {
    expect(helperThreads(true, 1, 1)).toBe(0);
    expect(helperThreads(true, 2, 2)).toBe(0);
    expect(helperThreads(true, 0, 1)).toBe(0);
  });

  it('runs one thread without cross-origin isolation (no SharedArrayBuffer)', () => {
    expect(helperThreads(false, 8, 1)).toBe(1);
    expect(helperThreads(false, 1, 1)).toBe(0);
  });

  it('on two cores with the automatic count, both engines get one thread', () => {
    expect(helperThreads(true, 2, configureWasm(true, 2))).toBe(1);
  });
});
