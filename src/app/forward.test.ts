import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import type { Manifest } from '../core/manifest/types';

// forwardKey is pure; the modules around the explorer's pump are not needed for it.
vi.mock('../state/store', () => ({}));
vi.mock('../data/model-input', () => ({}));
vi.mock('./compute', () => ({}));
vi.mock('./messages', () => ({}));
const { forwardKey } = await import('./forward');

const manifest = (): Manifest =>
  JSON.parse(
    readFileSync(new URL('../../public/models/fashion-mnist-ddpm/manifest.json', import.meta.url), 'utf8'),
  );

describe('forwardKey', () => {
  it('includes the manifest numbers: a new betaEnd re-runs the pass, a new description does not', () => {
    const model = { hash: 'h', backend: 'wasm', manifest: manifest() };
    const base = forwardKey(model, 'test:0', 10, 0);
    const edited = manifest() as Manifest & { schedule: { betaEnd: number } };
    edited.schedule.betaEnd = 0.03;
    expect(forwardKey({ ...model, manifest: edited }, 'test:0', 10, 0)).not.toBe(base);
    expect(forwardKey({ ...model, manifest: { ...manifest(), description: 'x' } }, 'test:0', 10, 0)).toBe(
      base,
    );
    expect(forwardKey(model, 'test:0', 11, 0)).not.toBe(base);
    expect(forwardKey({ ...model, backend: 'webgpu' }, 'test:0', 10, 0)).not.toBe(base);
  });
});
