/**
 * The bundled images are the Fashion-MNIST IDX files' images, byte for byte, as the app decodes
 * them (the PNG parts through core/dataset/image-parts.ts, the decoder the browser runs too).
 * Anchored twice: to digests of the IDX images written down here (from the raw IDX bytes, before
 * the data was stored as PNG), and, where Debian's dataset-fashion-mnist is installed (or
 * FASHION_MNIST_DIR names the IDX files), to the IDX files themselves.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readDatasetSplit } from '../../cli/load';

const INDEX = new URL('../../../public/data/fashion-mnist/dataset.json', import.meta.url).pathname;

/** SHA-256 of the IDX images and labels the bundle holds: the first 10,000 of train, all of t10k. */
const IDX_DIGESTS = {
  train: {
    idx: 'train',
    images: '2929ae1c7b89e0ee6587bbe4911fd5f0a5dafe21ae6ed9b737173cbfe20c12c9',
    labels: '1022e4632874e71bb84d924c475e6a3428a2deeb8c5a0f612a015c97e4fce7f0',
  },
  test: {
    idx: 't10k',
    images: 'c867c93ff95360594e8ec3287995350b824dd110b11595c0e13d5423f621867a',
    labels: '3d0e6c6ea990b53b6f8f500a41cac93881d981b315f84578b7d915342ade01e9',
  },
};

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const idxDir = [process.env.FASHION_MNIST_DIR, '/usr/share/datasets/fashion-mnist'].find(
  (d) => d && existsSync(join(d, 't10k-images-idx3-ubyte.gz')),
);

function readIdx(name: string, header: number, count: number, size: number): Uint8Array {
  const bytes = new Uint8Array(gunzipSync(readFileSync(join(idxDir!, name))));
  return bytes.subarray(header, header + count * size);
}

describe('the bundled images equal the IDX source', () => {
  for (const split of ['test', 'train'] as const) {
    it(`${split}: every pixel and label, as the app decodes them`, async () => {
      const { split: data } = await readDatasetSplit(INDEX, split);
      expect(data.count).toBe(10000);
      expect(sha(data.images)).toBe(IDX_DIGESTS[split].images);
      expect(sha(data.labels)).toBe(IDX_DIGESTS[split].labels);
      if (!idxDir) {
        console.info(`no IDX files here (dataset-fashion-mnist): ${split} checked against the digests only`);
        return;
      }
      const { idx } = IDX_DIGESTS[split];
      const images = readIdx(`${idx}-images-idx3-ubyte.gz`, 16, 10000, 784);
      const labels = readIdx(`${idx}-labels-idx1-ubyte.gz`, 8, 10000, 1);
      expect(sha(images)).toBe(IDX_DIGESTS[split].images);
      // Byte for byte (a digest match says the same; this names the first differing image if not).
      const first = images.findIndex((v, i) => v !== data.images[i]);
      expect(first === -1 ? -1 : Math.floor(first / 784)).toBe(-1);
      expect(Buffer.compare(Buffer.from(labels), Buffer.from(data.labels))).toBe(0);
    });
  }
});
