/**
 * @file The model manifest (format `diffprobe-manifest`, version 1) as TypeScript types.
 *
 * Mirrors docs/manifest.md key for key. Only `validateManifest` should produce a `Manifest`
 * from untrusted JSON; everything downstream may rely on the rules it enforces.
 */

/** Where the ONNX file is and how to verify it. `file` is relative to the manifest. */
export interface ManifestModel {
  readonly file: string;
  /** Size of the ONNX file in bytes. */
  readonly bytes: number;
  /** Hex SHA-256 of the ONNX file (64 characters, either case). */
  readonly sha256: string;
}

/** The ONNX input holding the noisy image x_t, NCHW float32 with dynamic N. */
export interface ManifestInput {
  readonly name: string;
  readonly channels: 1 | 3;
  readonly height: number;
  readonly width: number;
  /** Value range [low, high] of a clean, preprocessed image x_0. */
  readonly range: readonly [number, number];
}

/** The ONNX input holding the timestep, shape [N]. */
export interface ManifestTimestep {
  readonly name: string;
  readonly dtype: 'float32' | 'int64';
}

/** How arbitrary images become model input; see docs/images.md. */
export interface ManifestPreprocessing {
  readonly resize: 'shorter-side-center-crop';
  readonly color: 'grayscale' | 'rgb';
  /** x = (pixel/255 − mean[c]) / std[c]; one entry per channel. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** True when the data set is light-on-dark but photos are dark-on-light. */
  readonly invert: boolean;
}

/** The graph output holding the model's prediction (ε̂), same shape as x_t. */
export interface ManifestPrediction {
  readonly type: 'epsilon';
  readonly output: string;
}

export interface LinearSchedule {
  readonly type: 'linear';
  readonly betaStart: number;
  readonly betaEnd: number;
  readonly steps: number;
}

export interface AlphasCumprodSchedule {
  readonly type: 'alphasCumprod';
  /** ᾱ_t for t = 0…T−1, each in (0, 1], non-increasing. */
  readonly alphasCumprod: readonly number[];
}

export type ManifestSchedule = LinearSchedule | AlphasCumprodSchedule;

export type BlockStage = 'down' | 'mid' | 'up';

/** One probed U-Net block; `blocks` lists them in forward order. */
export interface ManifestBlock {
  readonly name: string;
  /** Graph output name of the block's feature map, NCHW. */
  readonly output: string;
  readonly stage: BlockStage;
  /** U-Net depth: 0 = full resolution. */
  readonly level: number;
  /** [height, width] of the feature map. */
  readonly resolution: readonly [number, number];
  readonly channels: number;
}

/** A skip connection between two blocks (by name), used for drawing. */
export interface ManifestSkip {
  readonly from: string;
  readonly to: string;
}

export interface Manifest {
  readonly format: 'diffprobe-manifest';
  readonly version: 1;
  readonly name: string;
  readonly description?: string;
  readonly model: ManifestModel;
  readonly input: ManifestInput;
  readonly timestep: ManifestTimestep;
  readonly preprocessing: ManifestPreprocessing;
  readonly prediction: ManifestPrediction;
  readonly schedule: ManifestSchedule;
  /** Class names of the bundled data set, index = label. */
  readonly classes?: readonly string[];
  /** Bundled data set, relative to the manifest. */
  readonly dataset?: string;
  readonly blocks: readonly ManifestBlock[];
  readonly skips?: readonly ManifestSkip[];
}
