import { describe, expect, it } from 'vitest';
import type { AutoDecision } from '../worker/jobs';
import { BACKEND_MEMORY_KEY, MAX_DECISIONS, rememberDecision, rememberedDecisions } from './backend-memory';

function memory(): Pick<Storage, 'getItem' | 'setItem'> & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

const decision = (model: string, over: Partial<AutoDecision> = {}): AutoDecision => ({
  model,
  adapter: 'nvidia ampere',
  threads: 1,
  backend: 'webgpu',
  wasmMsPerImage: 38,
  webgpuMsPerImage: 2.1,
  batch: 8,
  ...over,
});

describe('backend memory', () => {
  it('keeps one decision per model, adapter and thread count, newest first', () => {
    const s = memory();
    rememberDecision(s, decision('a'));
    rememberDecision(s, decision('b'));
    rememberDecision(s, decision('a', { backend: 'wasm', webgpuMsPerImage: 90 }));
    rememberDecision(s, decision('a', { threads: 2 }));
    rememberDecision(s, decision('a', { adapter: 'intel xe' }));
    const all = rememberedDecisions(s);
    expect(all.map((d) => [d.model, d.adapter, d.threads, d.backend])).toEqual([
      ['a', 'intel xe', 1, 'webgpu'],
      ['a', 'nvidia ampere', 2, 'webgpu'],
      ['a', 'nvidia ampere', 1, 'wasm'],
      ['b', 'nvidia ampere', 1, 'webgpu'],
    ]);
  });

  it(`drops the oldest beyond ${MAX_DECISIONS}, and survives junk in storage`, () => {
    const s = memory();
    for (let i = 0; i < MAX_DECISIONS + 3; i++) rememberDecision(s, decision(`m${i}`));
    const all = rememberedDecisions(s);
    expect(all).toHaveLength(MAX_DECISIONS);
    expect(all[0].model).toBe(`m${MAX_DECISIONS + 2}`);
    s.data.set(BACKEND_MEMORY_KEY, '{not json');
    expect(rememberedDecisions(s)).toEqual([]);
    s.data.set(BACKEND_MEMORY_KEY, JSON.stringify([decision('x'), { model: 'y', backend: 'cuda' }, 7]));
    expect(rememberedDecisions(s).map((d) => d.model)).toEqual(['x']);
    expect(rememberedDecisions(undefined)).toEqual([]);
    const full = {
      getItem: () => null,
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(() => rememberDecision(full, decision('z'))).not.toThrow();
  });
});
