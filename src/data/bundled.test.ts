import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Manifest } from '../core/manifest/types';
import { loadBundledDataset } from './bundled';

const root = new URL('../../public/', import.meta.url);
const manifestUrl = 'http://localhost/models/default/manifest.json';
const manifest = { dataset: '../../data/fashion-mnist/dataset.json' } as Manifest;

/** Serves public/ over a fake fetch, with `corrupt` flipping one byte of one file. */
function serve(corrupt?: string) {
  vi.stubGlobal('fetch', async (url: string) => {
    const path = new URL(url).pathname.slice(1);
    const bytes = new Uint8Array(readFileSync(new URL(path, root)));
    if (corrupt && path.endsWith(corrupt)) bytes[100] ^= 0x80;
    return new Response(bytes);
  });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('loadBundledDataset', () => {
  it('checks the sha256 of every file dataset.json lists', async () => {
    serve();
    const ds = await loadBundledDataset(manifest, manifestUrl);
    expect(ds!.splits.test.count).toBe(10000);
    serve('train-images.u8');
    // (The outcome, not the promise, is matched: a failure message would print 16 MB of bytes.)
    const outcome = await loadBundledDataset(manifest, manifestUrl).then(
      () => 'loaded',
      (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`,
    );
    expect(outcome).toMatch(/^dataset-invalid: .*train-images\.u8/);
  });
});
