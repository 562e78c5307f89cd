/**
 * @file The model manifest (format `diffprobe-manifest`, version 1) as TypeScript types.
 *
 * Mirrors docs/manifest.md key for key. Only `validateManifest` should produce a `Manifest`
 * from untrusted JSON; everything downstream may rely on the rules it enforces.
 */
import type { TimestepConvention } from '../timestep/convention';

export type { TimestepConvention };

import type { InvertMode } from '../image/polarity';

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

export type TensorDtype = 'float32' | 'int64' | 'int32' | 'float16';

/** A timestep input may also be float16 (fp16 exports keep it so); DiffProbe casts at the boundary. */
export type TimestepDtype = TensorDtype | 'float16';

/**
 * The timestep input's rank: 1 (default) [N], one timestep per image; 0 a scalar for the whole
 * batch; 2 [N, 1]; 4 [N, 1, 1, 1] (models that broadcast t against the image themselves).
 */
export type TimestepRank = 0 | 1 | 2 | 4;

/** The ONNX input holding the timestep, and what its number means (core/timestep/convention.ts). */
export interface ManifestTimestep {
  readonly name: string;
  readonly dtype: TimestepDtype;
  readonly rank?: TimestepRank;
  /**
   * What the graph takes for step t of the schedule: `index` (default) t itself, `fraction` t/T,
   * `scaled` t·1000/T, `sigma` EDM's preconditioned network (c_noise = ¼·ln σ_t, with the input and
   * output scaled by c_in, c_skip and c_out; `prediction.type` is then "sample").
   */
  readonly convention?: TimestepConvention;
  /** EDM's σ_data for `sigma` (default 0.5, EDM's). */
  readonly sigmaData?: number;
}

/**
 * Any further ONNX input (class labels, encoder hidden states…), fed on every run as a constant
 * tensor filled with `value`. `shape` is the per-image shape without the batch dimension when
 * `batched` is true (the tensor fed is [N, ...shape]), else the whole shape. A class-label input
 * says so in `class` (then `value` is the class fed, see ManifestClassInput); a conditioning
 * embedding may be given as a .npy in `data` instead of one value everywhere.
 */
export interface ManifestExtraInput {
  readonly name: string;
  readonly dtype: TensorDtype;
  readonly shape: readonly number[];
  readonly batched: boolean;
  readonly value: number;
  readonly class?: ManifestClassInput;
  readonly data?: ManifestInputData;
}

/**
 * A class-label input: ADM's `y` and diffusers' `class_labels` (`encoding: "index"`, an integer per
 * image, shape []), or a one-hot vector (`"one-hot"`, float32, shape [count]).
 *
 * `feed: "constant"` gives every image the class `value` (for one-hot: the hot index, or −1 for all
 * zeros); `feed: "label"` gives each image its own label (its class index in the data set), which
 * then leaks into the features.
 */
export interface ManifestClassInput {
  readonly encoding: 'index' | 'one-hot';
  /** Classes the model takes: its label embedding's rows, or the one-hot width (a null row included). */
  readonly count: number;
  readonly feed: 'constant' | 'label';
  /**
   * The value that means "no class" (unconditional), where the model was trained with one: an index
   * (DiT's null class is the last row), or −1 for one-hot (all zeros, EDM's label dropout).
   */
  readonly nullValue?: number;
}

/**
 * A constant tensor for an extra input, from a .npy file beside the manifest (float32, the input's
 * per-image shape, or its whole shape when not batched): a text encoder's output for a prompt.
 */
export interface ManifestInputData {
  readonly file: string;
  /** Hex SHA-256 of the .npy file: part of the numbers key, checked when it is read. */
  readonly sha256: string;
}

/** How arbitrary images become model input; see docs/images.md. */
export interface ManifestPreprocessing {
  readonly resize: 'shorter-side-center-crop';
  readonly color: 'grayscale' | 'rgb';
  /** x = (pixel/255 − mean[c]) / std[c]; one entry per channel. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /**
   * Whether images from outside the data set are inverted (v → 255 − v): 'auto' decides per image
   * from its background (a light background is inverted), 'always' and 'never' as they say. For a
   * model trained on light-on-dark images, 'auto' (see core/image/polarity.ts).
   */
  readonly invert: InvertMode;
}

/**
 * What the network predicts: ε (`epsilon`), the clean image x_0 (`sample`) or
 * v = √ᾱ·ε − √(1−ᾱ)·x_0 (`v_prediction`), as diffusers names them.
 */
export type PredictionType = 'epsilon' | 'sample' | 'v_prediction';

/**
 * A learned variance stacked after the prediction on the channel axis (improved DDPM, ADM, DiT):
 * - `learned_range`: values v in [−1, 1] interpolating the log variance between log β_t and
 *   log β̃_t, log σ² = ((v + 1)/2)·log β_t + ((1 − v)/2)·log β̃_t (guided-diffusion's `learn_sigma`);
 * - `learned`: log σ² itself.
 */
export type PredictionVariance = 'learned_range' | 'learned';

/**
 * The graph output holding the model's prediction: x_t's shape [N, C, H, W] when `variance` is
 * absent (fixed variance), else [N, 2·C, H, W] read as [prediction | variance].
 */
export interface ManifestPrediction {
  readonly type: PredictionType;
  readonly output: string;
  readonly variance?: PredictionVariance;
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

/** Stable Diffusion's: betas linear in √β from √betaStart to √betaEnd (diffusers' "scaled_linear"). */
export interface ScaledLinearSchedule {
  readonly type: 'scaled_linear';
  readonly betaStart: number;
  readonly betaEnd: number;
  readonly steps: number;
}

/**
 * Improved DDPM's cosine schedule (Nichol & Dhariwal 2021): ᾱ(t) = f(t)/f(0),
 * f(t) = cos²(((t/T + s)/(1 + s))·π/2), betas clipped to `maxBeta` (0.999); `s` defaults to 0.008.
 */
export interface CosineSchedule {
  readonly type: 'cosine';
  readonly steps: number;
  readonly s?: number;
}

export type ManifestSchedule = LinearSchedule | ScaledLinearSchedule | CosineSchedule | AlphasCumprodSchedule;

export type BlockStage = 'down' | 'mid' | 'up';

/** One probed U-Net block; `blocks` lists them in forward order. */
export interface ManifestBlock {
  readonly name: string;
  /**
   * Name of the tensor holding the block's feature map, NCHW: a graph output, or any tensor inside
   * the graph (the loader then adds it to the graph's outputs before creating the session).
   */
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
  /** Further ONNX inputs and the constants fed to them (absent: the model has only x_t and t). */
  readonly extraInputs?: readonly ManifestExtraInput[];
  readonly blocks: readonly ManifestBlock[];
  readonly skips?: readonly ManifestSkip[];
}
