import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Manifest } from '../core/manifest/types';
import {
  bundledModelInput,
  bundledPixels,
  loadImagePart,
  missingParts,
  missingSplitParts,
  openBundledDataset,
  withPartLoaded,
} from './bundled';
import { type DownloadIo, download } from './download';

const root = new URL('../../public/', import.meta.url);
const manifestUrl = 'http://localhost/models/default/manifest.json';
const manifest = {
  dataset: '../../data/fashion-mnist/dataset.json',
  input: { channels: 1, height: 28, width: 28 },
  preprocessing: { mean: [0.5], std: [0.5] },
} as unknown as Manifest;

/** public/ over fake I/O (no cache), with `corrupt` flipping one byte of one file. */
function io(corrupt?: string, log: string[] = []): DownloadIo {
  return {
    fetch: async (url) => {
      const path = new URL(url).pathname.slice(1);
      log.push(path.split('/').pop()!);
      const bytes = new Uint8Array(readFileSync(new URL(path, root)));
      if (corrupt && path.endsWith(corrupt)) bytes[100] ^= 0x80;
      return new Response(bytes);
    },
    cached: async () => null,
    store: async () => {},
    evict: async () => {},
  };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the bundled data set in parts', () => {
  it('opens with labels only, then loads the parts asked for; unloaded images are never served', async () => {
    const log: string[] = [];
    vi.stubGlobal('fetch', (url: string) => io(undefined, log).fetch(url, {}));
    const fetchFile = (r: Parameters<typeof download>[0]) => download(r, io(undefined, log));
    const ds = await openBundledDataset(manifest, manifestUrl, (r) =>
      fetchFile({ ...r, mismatch: 'dataset-invalid', missing: 'dataset-invalid' }),
    );
    expect(log.sort()).toEqual(['dataset.json', 'test-labels.u8', 'train-labels.u8']);
    expect(ds!.splits.test.count).toBe(10000);
    expect(bundledPixels(ds!, 'test:5')).toBeNull();
    expect(() => bundledModelInput(ds!, ['test:5'], manifest)).toThrow(/not loaded yet/);
    expect(missingParts(ds!, ['test:5', 'test:999', 'test:1000', 'train:9999', 'upload:x'])).toEqual([
      { split: 'test', part: 0 },
      { split: 'test', part: 1 },
      { split: 'train', part: 9 },
    ]);

    log.length = 0;
    await loadImagePart(
      ds!,
      { split: 'test', part: 1 },
      {
        fetchFile: (r) => fetchFile({ ...r, mismatch: 'dataset-invalid', missing: 'dataset-invalid' }),
      },
    );
    expect(log).toEqual(['test-images-01.png']);
    const next = withPartLoaded(ds!, { split: 'test', part: 1 });
    const raw = (row: number) => next.splits.test.images.subarray(row * 784, (row + 1) * 784);
    expect(bundledPixels(next, 'test:1000')!.bytes).toEqual(raw(1000));
    expect(bundledPixels(next, 'test:999')).toBeNull();
    expect(missingSplitParts(next, ['test'])).toHaveLength(9);
    // Image 1000 is no longer all zeros, and converts like any loaded image.
    expect(raw(1000).some((v) => v > 0)).toBe(true);
    expect(bundledModelInput(next, ['test:1000'], manifest)).toHaveLength(784);
  });

  it('a part that does not match its digest fails naming it (dataset-invalid), fetched twice first', async () => {
    vi.stubGlobal('fetch', (url: string) => io().fetch(url, {}));
    const ds = await openBundledDataset(manifest, manifestUrl, (r) =>
      download({ ...r, mismatch: 'dataset-invalid', missing: 'dataset-invalid' }, io()),
    );
    const log: string[] = [];
    const outcome = await loadImagePart(
      ds!,
      { split: 'train', part: 3 },
      {
        fetchFile: (r) =>
          download(
            { ...r, mismatch: 'dataset-invalid', missing: 'dataset-invalid' },
            io('train-images-03.png', log),
          ),
      },
    ).then(
      () => 'loaded',
      (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`,
    );
    expect(outcome).toMatch(/^dataset-invalid: .*train-images-03\.png.*does not match its digest/);
    expect(log).toEqual(['train-images-03.png', 'train-images-03.png']);
  });
});
