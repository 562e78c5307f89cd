import { describe, expect, it } from 'vitest';
import { DiffProbeError } from '../errors';
import type { ManifestExtraInput } from '../manifest/types';
import { writeNpy } from '../npy';
import { sha256Hex } from '../sha256';
import { describeExtraFeed, extraFeed, samplingLabelProblem } from './extra-feeds';
import { inputDataFromNpy } from './input-data';

const y = (patch: Partial<ManifestExtraInput> = {}): ManifestExtraInput => ({
  name: 'y',
  dtype: 'int64',
  shape: [],
  batched: true,
  value: 3,
  class: { encoding: 'index', count: 10, feed: 'constant' },
  ...patch,
});

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DiffProbeError);
    return `${(e as DiffProbeError).code}: ${(e as Error).message}`;
  }
  throw new Error('no error');
}

describe('extraFeed', () => {
  it('feeds a fixed class, the null class, or each image its own label', () => {
    expect(Array.from(extraFeed(y(), 3).values)).toEqual([3, 3, 3]);
    const dit = y({ value: 10, class: { encoding: 'index', count: 11, feed: 'constant', nullValue: 10 } });
    expect(Array.from(extraFeed(dit, 2).values)).toEqual([10, 10]);
    const own = y({ class: { encoding: 'index', count: 10, feed: 'label' } });
    expect(Array.from(extraFeed(own, 3, [4, 0, 9]).values)).toEqual([4, 0, 9]);
    expect(describeExtraFeed(own)).toBe("y: each image's own label");
    expect(describeExtraFeed(y(), ['a', 'b', 'c', 'Dress'])).toBe('y: class 3 “Dress” for every image');
    expect(describeExtraFeed(dit)).toBe('y: the null class (unconditional) 10');
  });

  it('sampling with a class fed each image’s own label: there is no image to take it from', () => {
    const own = y({ class: { encoding: 'index', count: 10, feed: 'label' } });
    expect(samplingLabelProblem([own], 'under Model…')).toBe(
      'The class input “y” is fed each image’s own label, and samples have none: choose a fixed class or the null class (under Model…).',
    );
    expect(samplingLabelProblem([y()], 'under Model…')).toBeNull();
    expect(samplingLabelProblem(undefined, 'under Model…')).toBeNull();
  });

  it('one-hot: the class as a vector, −1 as all zeros', () => {
    const c = y({
      name: 'c',
      dtype: 'float32',
      shape: [4],
      value: -1,
      class: { encoding: 'one-hot', count: 4, feed: 'label', nullValue: -1 },
    });
    expect(Array.from(extraFeed(c, 2, [1, 3]).values)).toEqual([0, 1, 0, 0, 0, 0, 0, 1]);
    const zeros = { ...c, class: { ...c.class!, feed: 'constant' as const } };
    expect(Array.from(extraFeed(zeros, 1).values)).toEqual([0, 0, 0, 0]);
    expect(extraFeed(zeros, 1).dims).toEqual([1, 4]);
  });

  it('says which class is out of range, and when labels are missing', () => {
    expect(code(() => extraFeed(y({ value: 12 }), 1))).toBe(
      'model-input: "y" is fed class 12, outside the 10 classes the model takes (0…9)',
    );
    const own = y({ class: { encoding: 'index', count: 10, feed: 'label' } });
    expect(code(() => extraFeed(own, 2, [1, 12]))).toMatch(
      /^model-input: an image's label 12 is not a class "y" takes \(0…9\)/,
    );
    expect(code(() => extraFeed(own, 1))).toMatch(
      /^model-input: "y" is set to each image's own label, but these images have none/,
    );
  });

  it('repeats a .npy embedding for every image, and checks its file', async () => {
    const e: ManifestExtraInput = {
      name: 'encoder_hidden_states',
      dtype: 'float32',
      shape: [2, 3],
      batched: true,
      value: 0,
    };
    const values = Float32Array.from({ length: 6 }, (_, i) => i / 2);
    const bytes = writeNpy(values, [1, 2, 3]);
    const sha256 = await sha256Hex(bytes);
    const withData = { ...e, data: { file: 'prompt.npy', sha256 } };
    const data = await inputDataFromNpy(withData, bytes);
    expect(Array.from(extraFeed(withData, 2, undefined, data).values)).toEqual([...values, ...values]);
    expect(describeExtraFeed(withData)).toBe('encoder_hidden_states [N, 2, 3]: the constant from prompt.npy');
    expect(describeExtraFeed(e)).toBe('encoder_hidden_states [N, 2, 3]: zeros');
    await expect(inputDataFromNpy({ ...e, shape: [3, 3] }, bytes)).rejects.toThrow(
      /has shape \(1, 2, 3\); the input takes \[3, 3\]/,
    );
    await expect(
      inputDataFromNpy({ ...withData, data: { file: 'prompt.npy', sha256: '0'.repeat(64) } }, bytes),
    ).rejects.toThrow(/the manifest expects 000000000000…/);
  });
});
