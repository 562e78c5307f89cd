/**
 * @file The feature spec: everything that decides which numbers a probe or a sweep was computed
 * from — the model (ModelInfo.id), the blocks, the timesteps, the noise seed, the pooling, and the
 * data (source, split seed, sizes, the very ids). A probe result and a sweep grid each keep one,
 * and everything later (Try it, the exports, the labels on screen) reads it instead of the current
 * view, which may have moved on.
 */
import { version } from '../../package.json';
import type { Pooling } from '../core/pooling';
import { describePooling } from '../core/pooling-kinds';
import type { LabelledSplit } from './split';

/** The app's version (package.json), written into every export. */
export const APP_VERSION: string = version;

export interface DataSpec {
  /** 'bundled': the data set the model's manifest names (or the user chose); 'uploads': the user's images. */
  source: 'bundled' | 'uploads';
  /** The bundled data set's name; null for uploads. */
  dataset: string | null;
  splitSeed: number;
  /** Uploads: the share of each class held out for testing; null for the bundled data (own test split). */
  testFraction: number | null;
  /** The share of the training images held out for validation (per class). */
  validationFraction: number;
  /** What the split came to. */
  sizes: { train: number; validation: number; test: number };
  /** The images themselves: "train:12" / "test:3" for the bundled data, "upload:…" (sha256 of the file) else. */
  ids: { train: string[]; validation: string[]; test: string[] };
  /**
   * The user's images (uploads; in the CLI also IDX, .npy and folders): the ids of those inverted
   * before they reached the model (each image's polarity, core/image/polarity.ts), sorted; part
   * of what the numbers were computed from. Absent for the bundled data, which is never inverted.
   */
  inverted?: string[];
  /**
   * The user's images that this browser decoded with its own decoder (WebP, GIF…: not PNG or
   * JPEG), sorted: their pixels may differ in another browser and the CLI cannot reproduce them.
   * Absent when there are none.
   */
  browserDecoded?: string[];
}

export interface FeatureSpec {
  /** ModelInfo.id: the ONNX bytes and the manifest's numbers. */
  model: string;
  /** The model's name, for people (the id is what counts). */
  modelName: string;
  blocks: string[];
  /** Features of every block at each t, concatenated in this order: [t0: b0 | b1 …, t1: …]. */
  timesteps: number[];
  /** Noise seed (ε is drawn from it and the image's content). */
  seed: number;
  pooling: Pooling;
  data: DataSpec;
}

/** The data part of a spec for a split made by split.ts. */
export function dataSpec(
  split: LabelledSplit,
  source: { source: 'bundled'; dataset: string } | { source: 'uploads'; testFraction: number },
  splitSeed: number,
  validationFraction: number,
  /** For the user's images: is this id inverted? (see DataSpec.inverted) */
  isInverted?: (id: string) => boolean,
  /** For the user's images: did the browser decode this id? (see DataSpec.browserDecoded) */
  isBrowserDecoded?: (id: string) => boolean,
): DataSpec {
  const browser = isBrowserDecoded
    ? [...split.train.ids, ...split.validation.ids, ...split.test.ids].filter(isBrowserDecoded)
    : [];
  const all = [...split.train.ids, ...split.validation.ids, ...split.test.ids];
  return {
    source: source.source,
    dataset: source.source === 'bundled' ? source.dataset : null,
    splitSeed,
    testFraction: source.source === 'uploads' ? source.testFraction : null,
    validationFraction,
    sizes: {
      train: split.train.ids.length,
      validation: split.validation.ids.length,
      test: split.test.ids.length,
    },
    ids: { train: [...split.train.ids], validation: [...split.validation.ids], test: [...split.test.ids] },
    ...(isInverted ? { inverted: all.filter(isInverted).sort() } : {}),
    ...(browser.length ? { browserDecoded: browser.sort() } : {}),
  };
}

/** The spec in one line, for result headings: "up1_0 at t = 25 · global average · noise seed 0 · 1,600 + 400 + 1,000 images". */
export function describeSpec(spec: FeatureSpec): string {
  const { sizes } = spec.data;
  return `${spec.blocks.join(' + ')} at t = ${spec.timesteps.join(', ')} · ${describePooling(spec.pooling)} pooling · noise seed ${spec.seed} · ${sizes.train} training + ${sizes.validation} validation + ${sizes.test} test images (${spec.data.source === 'bundled' ? `${spec.data.dataset}, split seed ${spec.data.splitSeed}` : `your images, split seed ${spec.data.splitSeed}`})`;
}
