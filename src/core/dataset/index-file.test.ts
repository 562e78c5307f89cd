import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type DatasetIndex, validateDatasetIndex, verifyDatasetFile } from './index-file';

const dir = new URL('../../../public/data/fashion-mnist/', import.meta.url);
const index = (): DatasetIndex =>
  validateDatasetIndex(JSON.parse(readFileSync(new URL('dataset.json', dir), 'utf8')));

describe('dataset.json sha256', () => {
  it('the bundled files match their digests; hashing all of them is cheap', async () => {
    const ix = index();
    const files = Object.keys(ix.sha256 ?? {});
    const parts = (split: string) => Array.from({ length: 10 }, (_, i) => `${split}-images-0${i}.png`);
    expect(files.sort()).toEqual([...parts('test'), 'test-labels.u8', ...parts('train'), 'train-labels.u8']);
    const bytes = files.map((f) => new Uint8Array(readFileSync(new URL(f, dir))));
    const started = performance.now();
    await Promise.all(files.map((f, i) => verifyDatasetFile(ix, f, bytes[i])));
    const ms = performance.now() - started;
    const mb = bytes.reduce((a, b) => a + b.length, 0) / 2 ** 20;
    console.info(`dataset sha256: ${mb.toFixed(1)} MB in ${ms.toFixed(1)} ms`);
  });

  it('one corrupted byte: dataset-invalid naming the file, the expected and the actual digest', async () => {
    const ix = index();
    const bytes = new Uint8Array(readFileSync(new URL('test-labels.u8', dir)));
    bytes[1234] ^= 1;
    const error = await verifyDatasetFile(ix, 'test-labels.u8', bytes).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'dataset-invalid' });
    const message = (error as Error).message;
    expect(message).toContain('test-labels.u8');
    expect(message).toContain(ix.sha256!['test-labels.u8']);
    expect(message).toMatch(/is [0-9a-f]{64}, expected [0-9a-f]{64}/);
  });

  it('a file the index gives no digest for passes; a malformed digest is rejected when the index is read', async () => {
    await expect(verifyDatasetFile(index(), 'other.u8', new Uint8Array(3))).resolves.toBeUndefined();
    const json = JSON.parse(readFileSync(new URL('dataset.json', dir), 'utf8'));
    json.sha256['test-labels.u8'] = 'abc';
    expect(() => validateDatasetIndex(json)).toThrow(expect.objectContaining({ code: 'dataset-invalid' }));
  });
});

describe('dataset.json versions', () => {
  const v1 = {
    format: 'diffprobe-dataset',
    version: 1,
    classes: ['a', 'b'],
    channels: 1,
    height: 2,
    width: 2,
    splits: { test: { count: 3, images: 'test-images.u8', labels: 'test-labels.u8' } },
  };

  it('version 1 (one raw file per split) reads as one part', () => {
    expect(validateDatasetIndex(v1).splits.test.parts).toEqual([
      { file: 'test-images.u8', count: 3, first: 0 },
    ]);
  });

  it('version 2 lists consecutive parts; their counts must add up to the split', () => {
    const v2 = {
      ...v1,
      version: 2,
      splits: {
        test: {
          count: 3,
          labels: 'l.u8',
          images: [
            { file: 'a.png', count: 2, bytes: 50 },
            { file: 'b.png', count: 1 },
          ],
        },
      },
    };
    expect(validateDatasetIndex(v2).splits.test.parts).toEqual([
      { file: 'a.png', count: 2, first: 0, bytes: 50 },
      { file: 'b.png', count: 1, first: 2 },
    ]);
    const short = structuredClone(v2);
    short.splits.test.images.pop();
    expect(() => validateDatasetIndex(short)).toThrow(/parts hold 2 images, but its "count" is 3/);
    expect(() => validateDatasetIndex({ ...v1, splits: { test: { ...v2.splits.test } } })).toThrow(
      /must name its images file/,
    );
    expect(() => validateDatasetIndex({ ...v2, version: 3 })).toThrow(/v1 or v2, got "diffprobe-dataset" v3/);
  });
});
