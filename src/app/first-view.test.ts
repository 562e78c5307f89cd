import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// A store of one field: the first pass's result, and who listens for it.
const store = { forward: null as unknown, listeners: new Set<() => void>() };
vi.mock('../state/store', () => ({
  getState: () => store,
  subscribe: (listener: () => void) => {
    store.listeners.add(listener);
    return () => store.listeners.delete(listener);
  },
}));
const { FIRST_VIEW_MARK, whenFirstViewReady } = await import('./first-view');

const settled = async (p: Promise<void>) => {
  let done = false;
  void p.then(() => {
    done = true;
  });
  await vi.advanceTimersByTimeAsync(50);
  return done;
};

describe('whenFirstViewReady', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    vi.stubGlobal('requestAnimationFrame', (callback: () => void) => setTimeout(callback, 16));
    store.forward = null;
    store.listeners.clear();
    performance.clearMarks(FIRST_VIEW_MARK);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('waits for the first pass, then two frames, and leaves a mark', async () => {
    const ready = whenFirstViewReady(true);
    expect(await settled(ready)).toBe(false);
    store.forward = { key: 'k' };
    for (const listener of [...store.listeners]) listener();
    expect(await settled(ready)).toBe(true);
    expect(performance.getEntriesByName(FIRST_VIEW_MARK)).toHaveLength(1);
    expect(store.listeners.size).toBe(0);
  });

  it('does not wait when the model did not load, and leaves no mark', async () => {
    expect(await settled(whenFirstViewReady(false))).toBe(true);
    expect(performance.getEntriesByName(FIRST_VIEW_MARK)).toHaveLength(0);
  });

  it('gives up after a while when no first pass comes, so offline use still starts', async () => {
    const ready = whenFirstViewReady(true);
    expect(await settled(ready)).toBe(false);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(await settled(ready)).toBe(true);
    expect(store.listeners.size).toBe(0);
    expect(performance.getEntriesByName(FIRST_VIEW_MARK)).toHaveLength(0);
  });
});
