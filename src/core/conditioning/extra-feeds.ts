/**
 * @file What each extra input is fed for one batch: its constant, a class per image (a fixed class,
 * the null class, or each image's own label, as an index or a one-hot vector), or the tensor of a
 * .npy (a text embedding). The engine turns the values into tensors (engine/unet-session.ts).
 */
import { DiffProbeError } from '../errors';
import type { ManifestExtraInput } from '../manifest/types';

export interface ExtraFeed {
  /** float32 inputs: a Float32Array; integer inputs: integers. */
  readonly values: Float32Array | Int32Array;
  readonly dims: number[];
}

function problem(message: string, detail?: Record<string, unknown>): DiffProbeError {
  return new DiffProbeError('model-input', message, detail);
}

/** "class 3" / "the null class" / "zeros", for messages. */
function classValue(extra: ManifestExtraInput, v: number): string {
  if (extra.class?.nullValue === v) return `the null class (${v})`;
  return `class ${v}`;
}

/** The class fed to each image (index), checked against the classes the model takes. */
function classesOf(extra: ManifestExtraInput, count: number, labels?: ArrayLike<number>): Int32Array {
  const cls = extra.class!;
  if (cls.feed === 'constant') return new Int32Array(count).fill(extra.value);
  if (!labels)
    throw problem(
      `"${extra.name}" is set to each image's own label, but these images have none (sampling, or unlabelled images): choose a fixed class or the null class`,
      { input: extra.name },
    );
  if (labels.length !== count)
    throw new DiffProbeError('internal', `${labels.length} labels for a batch of ${count} (${extra.name})`);
  const out = Int32Array.from(labels);
  const bad = out.findIndex((l) => !(l >= 0 && l < cls.count) || l === cls.nullValue);
  if (bad >= 0) {
    const except = cls.nullValue !== undefined ? `, except ${cls.nullValue}, its null class` : '';
    throw problem(
      `an image's label ${out[bad]} is not a class "${extra.name}" takes (0…${cls.count - 1}${except}): feed a fixed class, or images labelled within the model's classes`,
      { input: extra.name, label: out[bad] },
    );
  }
  return out;
}

/**
 * The feed of `extra` for `count` images. `labels` are the images' class indices (needed when a
 * class input is fed each image's own label); `data` the float32 values of `extra.data` (the
 * input's per-image shape, repeated for every image, or its whole shape when not batched).
 *
 * @throws DiffProbeError('model-input') for a class outside the model's classes, a label feed
 *   without labels, or data of the wrong size.
 */
export function extraFeed(
  extra: ManifestExtraInput,
  count: number,
  labels?: ArrayLike<number>,
  data?: Float32Array,
): ExtraFeed {
  const dims = extra.batched ? [count, ...extra.shape] : [...extra.shape];
  const per = extra.shape.reduce((a, b) => a * b, 1);
  const size = extra.batched ? count * per : per;
  const cls = extra.class;
  if (cls) {
    const classes = classesOf(extra, count, labels);
    const nulls = cls.encoding === 'one-hot' ? [-1] : [];
    for (const c of classes)
      if (!(c >= 0 && c < cls.count) && !nulls.includes(c) && c !== cls.nullValue)
        throw problem(
          `"${extra.name}" is fed ${classValue(extra, c)}, outside the ${cls.count} classes the model takes (0…${cls.count - 1})`,
          { input: extra.name, value: c },
        );
    if (cls.encoding === 'index') return { values: classes, dims };
    const oneHot = new Float32Array(count * cls.count);
    for (const [i, c] of classes.entries()) if (c >= 0) oneHot[i * cls.count + c] = 1;
    return { values: oneHot, dims };
  }
  if (extra.data) {
    if (!data)
      throw problem(
        `"${extra.name}" is fed from ${extra.data.file}, which is not loaded: pick it with the model`,
        {
          input: extra.name,
        },
      );
    if (data.length !== per)
      throw problem(
        `${extra.data.file} holds ${data.length} values; "${extra.name}" takes ${per} (shape [${extra.shape.join(', ')}]${extra.batched ? ' per image' : ''})`,
        { input: extra.name },
      );
    if (!extra.batched) return { values: data, dims };
    const values = new Float32Array(size);
    for (let i = 0; i < count; i++) values.set(data, i * per);
    return { values, dims };
  }
  const values = extra.dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
  values.fill(extra.value);
  return { values, dims };
}

/** The tensors fed to extra inputs as the people reading a page or a log would say it. */
export function describeExtraFeed(extra: ManifestExtraInput, classNames?: readonly string[]): string {
  const cls = extra.class;
  if (cls) {
    if (cls.feed === 'label') return `${extra.name}: each image's own label`;
    if (extra.value === cls.nullValue || (cls.encoding === 'one-hot' && extra.value === -1))
      return `${extra.name}: the null class (unconditional)${cls.encoding === 'one-hot' ? ', all zeros' : ` ${extra.value}`}`;
    const name = classNames?.[extra.value];
    return `${extra.name}: class ${extra.value}${name ? ` “${name}”` : ''} for every image`;
  }
  const shape = `[${extra.batched ? ['N', ...extra.shape].join(', ') : extra.shape.join(', ')}]`;
  if (extra.data) return `${extra.name} ${shape}: the constant from ${extra.data.file}`;
  return `${extra.name} ${shape}: ${extra.value === 0 ? 'zeros' : `${extra.value} everywhere`}`;
}

/**
 * The warning wherever a class input is fed each image's own label (the probe, the sweep, the
 * CLI's probe and sweep), or null. `where` says where to change it ("under Model…", "with --condition").
 */
export function labelLeakText(
  extras: readonly ManifestExtraInput[] | undefined,
  where: string,
): string | null {
  const leaking = (extras ?? []).filter((e) => e.class?.feed === 'label').map((e) => `“${e.name}”`);
  if (!leaking.length) return null;
  return `The class input ${leaking.join(', ')} is fed each image’s own label, so the label leaks into the features: a probe can read the class from the conditioning instead of from what the U-Net saw. For the paper’s measurement, feed a fixed class or the null class (${where}).`;
}

/**
 * Why sampling cannot run, or null: a class input fed each image's own label has no image (and so
 * no label) to take it from. `where` says where to change it.
 */
export function samplingLabelProblem(
  extras: readonly ManifestExtraInput[] | undefined,
  where: string,
): string | null {
  const names = (extras ?? []).filter((e) => e.class?.feed === 'label').map((e) => `“${e.name}”`);
  if (!names.length) return null;
  return `The class input ${names.join(', ')} is fed each image’s own label, and samples have none: choose a fixed class or the null class (${where}).`;
}
