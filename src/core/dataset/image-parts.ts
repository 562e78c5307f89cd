/**
 * @file A data set's image parts (docs/data-format.md): each part file holds consecutive images of
 * one split, either as raw bytes (`.u8`) or as a lossless PNG "strip" (`.png`: W × (count·H)
 * pixels, 8-bit grayscale or RGB, whose rows are the images top to bottom). A strip's pixels are
 * exactly the raw bytes in the same order, so both decode to the same Uint8Array. One decoder
 * (fast-png, pure TypeScript over fflate) serves the browser, the worker and the CLI alike.
 */
import { decode } from 'fast-png';
import { DiffProbeError } from '../errors';
import { sha256Hex } from '../sha256';
import type { DatasetImagePart, DatasetIndex, DatasetSplitFiles } from './index-file';

type Shape = Pick<DatasetIndex, 'channels' | 'height' | 'width'>;

function fail(message: string, detail?: Record<string, unknown>): never {
  throw new DiffProbeError('dataset-invalid', message, detail);
}

/** The image bytes of one part (count × H × W × C, HWC), checked against the index's shape. */
export function decodeImagePart(index: Shape, part: DatasetImagePart, bytes: Uint8Array): Uint8Array {
  const { channels, height, width } = index;
  const expected = part.count * height * width * channels;
  if (!/\.png$/i.test(part.file)) {
    if (bytes.length !== expected)
      fail(
        `"${part.file}" has ${bytes.length} bytes, expected ${part.count} × ${height}×${width}×${channels} = ${expected}`,
      );
    return bytes;
  }
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes);
  } catch (error) {
    fail(`"${part.file}" is not a readable PNG: ${(error as Error).message}`);
  }
  const kind = png.palette ? 'a palette' : `${png.channels} channel${png.channels === 1 ? '' : 's'}`;
  if (png.palette || png.depth !== 8 || png.channels !== channels)
    fail(
      `"${part.file}" is a ${png.depth}-bit PNG with ${kind}; the data set's parts are 8-bit ${channels === 1 ? 'grayscale' : 'RGB'} without alpha`,
    );
  if (png.width !== width || png.height !== part.count * height)
    fail(
      `"${part.file}" is ${png.width}×${png.height} pixels; ${part.count} images of ${width}×${height} stacked make ${width}×${part.count * height}`,
    );
  const data = png.data;
  return data instanceof Uint8Array && data.length === expected
    ? data
    : fail(`"${part.file}" decoded to ${data.length} values, expected ${expected}`);
}

/** The part that holds row `row` of a split (parts are consecutive, in row order). */
export function partOfRow(split: Pick<DatasetSplitFiles, 'parts'>, row: number): number {
  const { parts } = split;
  let lo = 0;
  let hi = parts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (parts[mid].first <= row) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Checks a whole split's decoded images against the digest the index gives for them (none given:
 * passes). A decoder that changed a single pixel would fail here rather than feed the model.
 */
export async function verifySplitImages(
  splitName: string,
  split: Pick<DatasetSplitFiles, 'imagesSha256'>,
  images: Uint8Array,
): Promise<void> {
  if (!split.imagesSha256) return;
  const actual = await sha256Hex(images);
  if (actual !== split.imagesSha256)
    fail(
      `the images of split "${splitName}" decode to SHA-256 ${actual}, expected ${split.imagesSha256} (dataset.json's imagesSha256)`,
      { split: splitName, expected: split.imagesSha256, actual },
    );
}
