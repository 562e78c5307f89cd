/**
 * @file The labelled images of a probe or a sweep, split as the app splits them (pipeline/split.ts):
 * - two labelled sets, train and test (default: the bundled data's train and test splits):
 *   `bundledSplit`, a stratified seeded sample of --n-train and --n-test images, the validation
 *   part held out of the training sample. With --split-seed S the CLI picks exactly the images the
 *   browser picks for the same sizes and seed.
 * - one labelled ImageFolder with --test-fraction: `splitLabelled`, as the app splits the user's
 *   labelled images.
 * The images' x_0 are made once, up front, so the pipeline's (synchronous) ImageInput only copies.
 */
import { DiffProbeError } from '../core/errors';
import type { Pooling } from '../core/pooling';
import { dataSpec, type FeatureSpec } from '../pipeline/feature-spec';
import type { ImageInput } from '../pipeline/probe-run';
import type { Provenance } from '../pipeline/provenance';
import {
  bundledSplit,
  type LabelledSplit,
  splitIds,
  splitLabelled,
  VALIDATION_FRACTION,
} from '../pipeline/split';
import { int, num, type OptionSpec, type ParsedArgs, str, UsageError } from './args';
import { digest } from './context';
import {
  decisionsOf,
  type IdPolarity,
  type ImageSet,
  INVERT_OPTION,
  invertOf,
  openImageSet,
  polarityRecord,
} from './images';
import type { ModelFile } from './load';
import { cliModelId } from './runtime';

type Flags = ParsedArgs['flags'];

export const LABELLED_OPTIONS: OptionSpec[] = [
  {
    name: 'train',
    value: '<images>',
    help: 'training images: bundled:<split>, IDX, a .npy (with --train-labels) or a folder',
    default: 'bundled:train',
  },
  { name: 'test', value: '<images>', help: 'test images, the same kinds', default: 'bundled:test' },
  {
    name: 'train-labels',
    value: '<file>',
    help: 'labels of --train (.npy or IDX; IDX labels beside the images are found by themselves)',
  },
  { name: 'test-labels', value: '<file>', help: 'labels of --test' },
  {
    name: 'n-train',
    value: 'N',
    help: 'training images, a stratified sample (20% of each class held out for validation)',
    default: '2000',
  },
  { name: 'n-test', value: 'N', help: 'test images, a stratified sample', default: '1000' },
  { name: 'split-seed', value: 'S', help: 'seed of the samples (the browser’s Split seed)', default: '0' },
  {
    name: 'data',
    value: '<folder>',
    help: 'instead of --train/--test: one labelled ImageFolder, split per class like the app’s own images',
  },
  {
    name: 'test-fraction',
    value: 'F',
    help: 'with --data: share of each class held out for testing',
    default: '0.25',
  },
  INVERT_OPTION,
];

/** --invert names a mode for the user's images: refused when every set is the bundled data (never inverted). */
export function checkInvertApplies(flags: Flags, sets: readonly ImageSet[]): void {
  if (flags.invert !== undefined && sets.every((s) => s.source.kind === 'bundled'))
    throw new UsageError(
      '--invert applies to your images (IDX, .npy, a folder); the bundled data set is the model’s own and is never inverted',
    );
}

export interface LabelledSplitData {
  split: LabelledSplit;
  /** The set and row behind an id of the split. */
  resolve: (id: string) => { set: ImageSet; row: number };
  /** For dataSpec: where the images came from, in the app's terms. */
  source: { source: 'bundled'; dataset: string } | { source: 'uploads'; testFraction: number };
  splitSeed: number;
  /** run.json: the sources as read. */
  record: Record<string, unknown>;
  /** run.json's identity part for the images. */
  identity: Record<string, unknown>;
  /** What to tell the user about the sets (a folder's skipped files…), one line each. */
  notes: string[];
}

export interface LabelledData extends LabelledSplitData {
  input: ImageInput;
  /** Each image's polarity decision (null when every image is the bundled data, never inverted). */
  polarity: IdPolarity[] | null;
}

/** Makes x_0 of `ids` once; the returned ImageInput copies rows out of it. */
async function preparedInput(
  ids: readonly string[],
  resolve: (id: string) => { set: ImageSet; row: number },
  model: ModelFile,
): Promise<ImageInput> {
  const { channels, height, width } = model.manifest.input;
  const pixels = channels * height * width;
  const all = new Float32Array(ids.length * pixels);
  const position = new Map<string, number>();
  // Grouped by set so each set converts its rows in one call (a folder decodes its files once).
  const bySet = new Map<ImageSet, { rows: number[]; at: number[] }>();
  for (const [i, id] of ids.entries()) {
    if (position.has(id)) throw new DiffProbeError('internal', `image ${id} is twice in the split`);
    position.set(id, i);
    const { set, row } = resolve(id);
    const g = bySet.get(set) ?? { rows: [], at: [] };
    bySet.set(set, g);
    g.rows.push(row);
    g.at.push(i);
  }
  for (const [set, g] of bySet) {
    const x0 = await set.modelInput(g.rows, model.manifest);
    for (const [j, i] of g.at.entries()) all.set(x0.subarray(j * pixels, (j + 1) * pixels), i * pixels);
  }
  return (wanted) => {
    const out = new Float32Array(wanted.length * pixels);
    for (const [i, id] of wanted.entries()) {
      const p = position.get(id);
      if (p === undefined)
        throw new DiffProbeError('internal', `image ${JSON.stringify(id)} is not in the split`);
      out.set(all.subarray(p * pixels, (p + 1) * pixels), i * pixels);
    }
    return out;
  };
}

function requireLabels(set: ImageSet, what: string): Int32Array {
  if (!set.labels)
    throw new DiffProbeError(
      'dataset-invalid',
      `${what} has no labels (give --${what}-labels, or IDX labels beside the images)`,
    );
  return set.labels;
}

/** The split and its images from the command line (see the file comment), x_0 made up front. */
export async function labelledData(flags: Flags, model: ModelFile): Promise<LabelledData> {
  const data = await labelledSplitOf(flags, model);
  const ids = splitIds(data.split);
  const input = await preparedInput(ids, data.resolve, model);
  // Decided while x_0 was made: recorded with the sources (run.json) and in the feature spec.
  const decided: IdPolarity[] = [];
  for (const id of ids) {
    const { set, row } = data.resolve(id);
    const d = decisionsOf(set, [row]);
    if (d) decided.push(...d);
  }
  const polarity = decided.length ? decided : null;
  const record = polarity ? { ...data.record, polarity: polarityRecord(polarity) } : data.record;
  return { ...data, record, input, polarity };
}

/** The split from the command line (see the file comment), without converting any image. */
export async function labelledSplitOf(flags: Flags, model: ModelFile): Promise<LabelledSplitData> {
  const splitSeed = int(flags, 'split-seed', 0, 0, 2 ** 31);
  const folder = str(flags, 'data');
  if (folder !== undefined) {
    if (flags.train !== undefined || flags.test !== undefined)
      throw new UsageError('give --data <folder> or --train/--test, not both');
    if (flags['n-train'] !== undefined || flags['n-test'] !== undefined)
      throw new UsageError(
        '--n-train/--n-test sample --train/--test; with --data every image is used (see --test-fraction)',
      );
    const testFraction = num(flags, 'test-fraction', 0.25, 0, 0.9);
    const set = await openImageSet(
      folder,
      null,
      model.manifest,
      model.manifestPath,
      invertOf(flags, model.manifest),
    );
    if (set.source.kind !== 'folder' || !set.labels || !set.classes)
      throw new UsageError(
        '--data must be a labelled ImageFolder (one subfolder per class); use --train/--test for other images',
      );
    const items = Array.from({ length: set.count }, (_, r) => ({
      id: set.id(r),
      label: set.classes![set.labels![r]],
    }));
    const rowOf = new Map(items.map((it, r) => [it.id, r]));
    const split = splitLabelled(items, testFraction, VALIDATION_FRACTION, splitSeed);
    const all = Array.from({ length: set.count }, (_, r) => r);
    return {
      split,
      notes: [...(set.notes ?? [])],
      resolve: (id) => ({ set, row: rowOf.get(id)! }),
      source: { source: 'uploads', testFraction },
      splitSeed,
      record: {
        kind: 'folder',
        folder: set.source.folder,
        classes: set.classes,
        files: await set.fileHashes!(all),
      },
      identity: { kind: 'folder', files: await digest(await set.fileHashes!(all)), testFraction, splitSeed },
    };
  }
  if (flags['test-fraction'] !== undefined)
    throw new UsageError('--test-fraction applies to --data <folder>');
  const trainSpec = str(flags, 'train', 'bundled:train')!;
  const testSpec = str(flags, 'test', 'bundled:test')!;
  const invert = invertOf(flags, model.manifest);
  const train = await openImageSet(
    trainSpec,
    str(flags, 'train-labels') ?? null,
    model.manifest,
    model.manifestPath,
    invert,
  );
  const test = await openImageSet(
    testSpec,
    str(flags, 'test-labels') ?? null,
    model.manifest,
    model.manifestPath,
    invert,
  );
  checkInvertApplies(flags, [train, test]);
  const trainLabels = requireLabels(train, 'train');
  const testLabels = requireLabels(test, 'test');
  const classes = train.classes ?? test.classes!;
  if (train.classes && test.classes && train.classes.join('\n') !== test.classes.join('\n'))
    throw new DiffProbeError(
      'dataset-invalid',
      `--train and --test name different classes (${train.classes.join(', ')} / ${test.classes.join(', ')})`,
    );
  const nTrain = int(flags, 'n-train', Math.min(2000, train.count), 1, train.count);
  const nTest = int(flags, 'n-test', Math.min(1000, test.count), 1, test.count);
  const split = bundledSplit(
    { classes, train: trainLabels, test: testLabels },
    { nTrain, nTest, splitSeed, validationFraction: VALIDATION_FRACTION },
  );
  const resolve = (id: string) => {
    const m = /^(train|test):(\d+)$/.exec(id);
    if (!m) throw new DiffProbeError('internal', `unexpected image id ${JSON.stringify(id)}`);
    return { set: m[1] === 'train' ? train : test, row: Number(m[2]) };
  };
  // The files of every part by content: two folders that differ in one test or validation image
  // are two runs, whatever their names (a folder's source names no file).
  const partFiles = async (set: ImageSet, ids: readonly string[]) =>
    set.fileHashes ? digest(await set.fileHashes(ids.map((id) => resolve(id).row))) : undefined;
  const files = {
    train: await partFiles(train, split.train.ids),
    validation: await partFiles(train, split.validation.ids),
    test: await partFiles(test, split.test.ids),
  };
  const bundled = train.source.kind === 'bundled' && test.source.kind === 'bundled';
  const strip = (s: ImageSet) => {
    const { index: _i, folder: _f, name: _n, ...rest } = s.source as Record<string, unknown>;
    return JSON.parse(JSON.stringify(rest, (k, v) => (k === 'file' ? undefined : v)));
  };
  return {
    split,
    notes: [...(train.notes ?? []), ...(test.notes ?? [])],
    resolve,
    source: {
      source: 'bundled',
      dataset: bundled ? String(train.source.name) : `${train.source.name} / ${test.source.name}`,
    },
    splitSeed,
    record: {
      train: train.source,
      test: test.source,
      nTrain,
      nTest,
      splitSeed,
      validationFraction: VALIDATION_FRACTION,
    },
    identity: {
      train: strip(train),
      test: strip(test),
      nTrain,
      nTest,
      splitSeed,
      ...(Object.values(files).some(Boolean) ? { files } : {}),
    },
  };
}

/** A provenance record with the full SHA-256 of each image's file, where the images are files (a folder). */
export async function withImageFiles(p: Provenance | null | undefined, data: LabelledSplitData) {
  if (!p) return p ?? null;
  const files: (string | null)[] = [];
  for (const id of p.images.ids) {
    const { set, row } = data.resolve(id);
    files.push(set.fileHashes ? ((await set.fileHashes([row]))[0]?.sha256 ?? null) : null);
  }
  return files.some((f) => f !== null) ? { ...p, images: { ...p.images, files } } : p;
}

/** The app's FeatureSpec for these settings and this split. */
export function featureSpec(
  model: ModelFile,
  data: LabelledData,
  settings: { blocks: string[]; timesteps: number[]; seed: number; pooling: Pooling },
): FeatureSpec {
  const inverted = new Set(data.polarity?.filter((d) => d.polarity.inverted).map((d) => d.id));
  return {
    model: cliModelId(model),
    modelName: model.manifest.name,
    blocks: [...settings.blocks],
    timesteps: [...settings.timesteps],
    seed: settings.seed,
    pooling: settings.pooling,
    data: dataSpec(
      data.split,
      data.source,
      data.splitSeed,
      VALIDATION_FRACTION,
      data.polarity ? (id) => inverted.has(id) : undefined,
    ),
  };
}
