/**
 * @file A U-Net behind its manifest: checks that the ONNX graph matches the manifest, then runs
 * (x_t, t) and returns the requested outputs (ε̂ and/or block maps) as plain typed arrays. The
 * timestep is fed as the manifest's convention says (core/timestep/), which for EDM's σ also scales
 * the image and reads the output through c_skip/c_out; extra inputs get their constants, classes
 * or .npy values (core/conditioning/).
 */
import { extraFeed } from '../core/conditioning/extra-feeds';
import { DiffProbeError } from '../core/errors';
import { FLOAT16_MAX } from '../core/float16';
import { predictionShapeProblem, splitLearnedVariance } from '../core/manifest/prediction';
import type { Manifest } from '../core/manifest/types';
import { scheduleFromManifest } from '../core/schedule';
import {
  type BatchTimestepFeed,
  batchTimestepFeed,
  mapPrediction,
  scaleImages,
} from '../core/timestep/batch-feed';
import type { TimestepConvention } from '../core/timestep/convention';
import type { OrtRuntime, OrtSession, OrtTensor, SessionOptions } from './ort-types';
import { readOutputs } from './read-outputs';
import { tensorOf } from './tensor-data';

export interface OutputMap {
  data: Float32Array;
  /** [N, C, H, W] */
  dims: number[];
}

/** {@link UNetSession.run}'s key for the prediction (the first C channels of the prediction output). */
export const PREDICTION_KEY = 'eps';
/** {@link UNetSession.run}'s key for a learned-variance model's variance values (the last C channels). */
export const VARIANCE_KEY = 'variance';

export interface RunOptions {
  /** Feed the timestep under this convention instead of the manifest's. */
  readonly convention?: TimestepConvention;
  /** Each image's class index, for a class input fed each image's own label. */
  readonly labels?: ArrayLike<number>;
}

export class UNetSession {
  private shapesChecked = false;
  /** ᾱ_t of the manifest's schedule: the `sigma` convention feeds σ_t and scales by it. */
  readonly alphasCumprod: Float64Array;

  /**
   * The image input's element type. A float16 model (a diffusers/optimum `--fp16` export) is fed
   * float16 and its float16 outputs are read back as float32: cast at the boundary, so everything
   * above the engine sees float32.
   */
  readonly imageDtype: 'float32' | 'float16';

  private constructor(
    readonly runtime: OrtRuntime,
    readonly session: OrtSession,
    readonly manifest: Manifest,
    /** The values of extra inputs fed from a .npy (`extraInputs[].data`), by input name. */
    readonly constants: Readonly<Record<string, Float32Array>> = {},
  ) {
    this.imageDtype = tensorType(session, manifest.input.name) === 'float16' ? 'float16' : 'float32';
    this.alphasCumprod = scheduleFromManifest(manifest.schedule).alphasCumprod;
  }

  /** Whether the model computes in float16 (its image input or its prediction is float16). */
  get float16(): boolean {
    return (
      this.imageDtype === 'float16' ||
      tensorType(this.session, this.manifest.prediction.output, 'output') === 'float16'
    );
  }

  static async create(
    runtime: OrtRuntime,
    model: Uint8Array,
    manifest: Manifest,
    options?: SessionOptions,
    constants: Readonly<Record<string, Float32Array>> = {},
  ): Promise<UNetSession> {
    let session: OrtSession;
    try {
      session = await runtime.createSession(model, options);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/out of memory|allocation/i.test(message)) throw error;
      throw new DiffProbeError('model-corrupt', `the ONNX file could not be loaded: ${message}`, {
        bytes: model.byteLength,
      });
    }
    checkGraphAgainstManifest(session, manifest);
    return new UNetSession(runtime, session, manifest, constants);
  }

  /** Block output names in forward order. */
  get blockNames(): string[] {
    return this.manifest.blocks.map((b) => b.name);
  }

  /**
   * Runs one batch. `xt` is [count, C, H, W]; `t` holds one timestep per image. `outputs` are block
   * names and/or the prediction's keys: {@link PREDICTION_KEY} ('eps', whatever the model
   * predicts: always the first C channels of the prediction output) and, for a learned-variance
   * model, {@link VARIANCE_KEY} (its last C channels). Returns a map from those names to tensors.
   * `t` are integer steps of the schedule; under the `sigma` convention the prediction is EDM's
   * c_skip·x + c_out·F (x̂_0). `options.convention` runs the graph under another timestep
   * convention than the manifest's (the denoising check tries each); `options.labels` are the
   * images' classes for a class input fed each image's own label.
   */
  async run(
    xt: Float32Array,
    count: number,
    t: ArrayLike<number>,
    outputs: string[],
    options: RunOptions = {},
  ): Promise<Record<string, OutputMap>> {
    const { prediction } = this.manifest;
    if (outputs.includes(VARIANCE_KEY) && !prediction.variance)
      throw new DiffProbeError(
        'model-mismatch',
        'the model has no learned variance (prediction.variance is not set): its prediction output has C channels',
      );
    const timestep = batchTimestepFeed(
      this.manifest.timestep,
      t,
      count,
      this.alphasCumprod,
      options.convention,
    );
    const feeds = this.feedsFor(xt, count, timestep, options.labels);
    const byBlock = new Map(this.manifest.blocks.map((b) => [b.name, b]));
    const tensorName = (name: string) =>
      name === PREDICTION_KEY || name === VARIANCE_KEY
        ? prediction.output
        : (byBlock.get(name)?.output ?? name);
    const fetchNames = [...new Set(outputs.map(tensorName))];
    for (const name of outputs) {
      if (!this.session.outputNames.includes(tensorName(name)))
        throw new DiffProbeError('model-mismatch', `no output ${JSON.stringify(name)} in the model`);
    }
    // Every tensor of the run is disposed, also when a read-back throws (engine/read-outputs.ts).
    const raw: Record<string, OutputMap> = await readOutputs(
      await this.session.run(feeds, fetchNames).catch((error) => {
        throw this.explainRunError(error);
      }),
      fetchNames,
    );
    const out: Record<string, OutputMap> = {};
    const wantsPrediction = outputs.includes(PREDICTION_KEY) || outputs.includes(VARIANCE_KEY);
    const parts = wantsPrediction ? this.predictionParts(raw[prediction.output], count) : undefined;
    for (const name of outputs) {
      if (name === PREDICTION_KEY) out[name] = parts!.prediction;
      else if (name === VARIANCE_KEY) out[name] = parts!.variance!;
      else out[name] = raw[tensorName(name)];
    }
    checkFinite(out, t, this.float16);
    if (!this.shapesChecked) {
      checkShapesAgainstManifest(out, this.manifest, count);
      this.shapesChecked = true;
    }
    const { scales } = timestep;
    const predicted = out[PREDICTION_KEY];
    if (scales && predicted) {
      // The raw output may be another key's buffer (no split): map a copy.
      const data = prediction.variance ? predicted.data : predicted.data.slice();
      mapPrediction(data, xt, count, scales.outputSkip, scales.outputScale);
      out[PREDICTION_KEY] = { ...predicted, data };
    }
    return out;
  }

  /**
   * The prediction output as [prediction | variance]: checked against the input's shape on every
   * run (the split depends on it), then split when the manifest says the variance is learned.
   */
  private predictionParts(raw: OutputMap, count: number): { prediction: OutputMap; variance?: OutputMap } {
    const { input, prediction } = this.manifest;
    const { channels, height, width } = input;
    const problem = predictionShapeProblem(raw.dims, [count, channels, height, width], prediction.variance);
    if (problem)
      throw new DiffProbeError(
        'model-mismatch',
        `output shapes do not match the manifest: prediction.output: ${problem}`,
        {
          problems: [`prediction.output: ${problem}`],
        },
      );
    if (!prediction.variance) return { prediction: raw };
    const dims = [count, channels, height, width];
    const split = splitLearnedVariance(raw.data, count, channels, height * width);
    return {
      prediction: { data: split.prediction, dims },
      variance: { data: split.variance, dims: [...dims] },
    };
  }

  /**
   * The inputs of one batch as the graph wants them: x_t ([count, C, H, W]), the timestep and the
   * manifest's extra inputs. Also feeds sessions made from parts of this graph (core/onnx/subgraph.ts).
   */
  feeds(
    xt: Float32Array,
    count: number,
    t: ArrayLike<number>,
    labels?: ArrayLike<number>,
  ): Record<string, OrtTensor> {
    return this.feedsFor(
      xt,
      count,
      batchTimestepFeed(this.manifest.timestep, t, count, this.alphasCumprod),
      labels,
    );
  }

  /**
   * x_t (scaled by c_in/√ᾱ under `sigma`), the timestep as the convention, dtype and rank say
   * ([], [N], [N, 1] or [N, 1, 1, 1]) and the extra inputs.
   */
  private feedsFor(
    xt: Float32Array,
    count: number,
    timestep: BatchTimestepFeed,
    labels?: ArrayLike<number>,
  ): Record<string, OrtTensor> {
    const { input } = this.manifest;
    const dims = [count, input.channels, input.height, input.width];
    if (xt.length !== count * input.channels * input.height * input.width)
      throw new DiffProbeError(
        'internal',
        `x_t holds ${xt.length} values, expected ${count} × ${input.channels}×${input.height}×${input.width}`,
      );
    const image = timestep.scales ? scaleImages(xt, count, timestep.scales.input) : xt;
    const { name, dtype } = this.manifest.timestep;
    return {
      // A float16 model's image is cast at the boundary; its outputs are read back as float32.
      [input.name]: tensorOf(this.runtime, this.imageDtype, image, dims),
      [name]: tensorOf(this.runtime, dtype, timestep.values, timestep.dims),
      ...this.extraFeeds(count, labels),
    };
  }

  /** Extra inputs (class labels, conditioning…): constants, classes or .npy data (core/conditioning). */
  private extraFeeds(count: number, labels?: ArrayLike<number>): Record<string, OrtTensor> {
    const feeds: Record<string, OrtTensor> = {};
    for (const extra of this.manifest.extraInputs ?? []) {
      const { values, dims } = extraFeed(extra, count, labels, this.constants[extra.name]);
      feeds[extra.name] = tensorOf(this.runtime, extra.dtype, values, dims);
    }
    return feeds;
  }

  /**
   * ONNX Runtime's complaint about an embedding lookup out of range ("indices element out of data
   * bounds") is about a value DiffProbe fed: name the integer extra inputs and their values.
   */
  private explainRunError(error: unknown): unknown {
    const message = error instanceof Error ? error.message : String(error);
    const ints = (this.manifest.extraInputs ?? []).filter((e) => e.dtype.startsWith('int'));
    if (!ints.length || !/out of (data )?bounds|indices/i.test(message)) return error;
    const fed = ints.map((e) => `${e.name} = ${e.class?.feed === 'label' ? "each image's label" : e.value}`);
    return new DiffProbeError(
      'model-input',
      `the model refused an integer input (${fed.join(', ')}): ONNX Runtime says "${message.split('\n')[0]}" — a class outside the model's classes?`,
      { inputs: ints.map((e) => e.name) },
    );
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/**
 * NaN or Inf in an output poisons every pooled feature, probe and plot built on it, silently. A
 * linear scan is cheap next to the convolutions that produced the values. Every affected output
 * is named, blocks first: the earliest block that goes bad says where to look.
 */
function checkFinite(out: Record<string, OutputMap>, t: ArrayLike<number>, float16: boolean): void {
  const bad: string[] = [];
  let kind = 'NaN';
  for (const [name, { data }] of Object.entries(out)) {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v - v !== 0) {
        if (!Number.isNaN(v)) kind = bad.length ? kind : 'Inf';
        bad.push(name);
        break;
      }
    }
  }
  if (!bad.length) return;
  const names = [
    ...bad.filter((n) => n !== PREDICTION_KEY && n !== VARIANCE_KEY).map((n) => `block "${n}"`),
    ...(bad.includes(PREDICTION_KEY) ? ['the prediction output'] : []),
    ...(bad.includes(VARIANCE_KEY) ? ['the learned variance'] : []),
  ];
  throw nonFiniteError(names, bad, kind, t[0], float16);
}

/**
 * The error for NaN/Inf in outputs `names` at timestep `t`. A float16 model gets the likely cause:
 * float16 ends at 65504, and activations that grow with the noise level overflow it at high t.
 */
export function nonFiniteError(
  names: readonly string[],
  outputs: readonly string[],
  kind: string,
  t: number,
  float16: boolean,
): DiffProbeError {
  const cause = float16
    ? `; this is a float16 model, whose values end at ±${FLOAT16_MAX}: an activation overflowed at t = ${t}. Use a lower t, or a float32 export of the model (tools/export/export_unet.py)`
    : '';
  return new DiffProbeError(
    'model-nonfinite',
    `${names.join(', ')} ${names.length > 1 ? 'hold' : 'holds'} ${kind} at t = ${t}${cause}`,
    { outputs: [...outputs], t, ...(float16 && { float16 }) },
  );
}

/** An input's (or output's) element type as the session declares it, if it says. */
function tensorType(
  session: OrtSession,
  name: string,
  kind: 'input' | 'output' = 'input',
): string | undefined {
  const list = kind === 'input' ? session.inputMetadata : session.outputMetadata;
  const meta = list?.find((m) => m.name === name);
  return meta?.isTensor ? meta.type : undefined;
}

function checkGraphAgainstManifest(session: OrtSession, manifest: Manifest): void {
  const problems: string[] = [];
  const inputs = session.inputNames.join(', ');
  const fields: [string, string][] = [
    ['input.name', manifest.input.name],
    ['timestep.name', manifest.timestep.name],
    ...(manifest.extraInputs ?? []).map((e, i): [string, string] => [`extraInputs[${i}].name`, e.name]),
  ];
  for (const [field, name] of fields) {
    if (!session.inputNames.includes(name))
      problems.push(`${field}: "${name}" is not an input of the model (its inputs: ${inputs})`);
  }
  const fed = new Set(fields.map(([, name]) => name));
  const unfed = session.inputNames.filter((name) => !fed.has(name));
  if (unfed.length)
    problems.push(
      `extraInputs: the model also takes ${unfed.map((n) => `"${n}"`).join(', ')}, which the manifest does not feed`,
    );
  if (!session.outputNames.includes(manifest.prediction.output))
    problems.push(
      `prediction.output: "${manifest.prediction.output}" is not an output of the model (its outputs: ${session.outputNames.slice(0, 8).join(', ')}${session.outputNames.length > 8 ? ', …' : ''})`,
    );
  manifest.blocks.forEach((b, i) => {
    if (!session.outputNames.includes(b.output))
      problems.push(`blocks[${i}].output: "${b.output}" (block "${b.name}") is not a tensor of the model`);
  });
  const meta = session.inputMetadata?.find((m) => m.name === manifest.input.name);
  if (meta?.isTensor && meta.shape.length !== 4)
    problems.push(`input.name: "${manifest.input.name}" has rank ${meta.shape.length}, expected 4 (NCHW)`);
  problems.push(...timestepProblems(session, manifest));
  if (problems.length)
    throw new DiffProbeError(
      'model-mismatch',
      `the model does not match its manifest: ${problems.join('; ')}`,
      {
        problems,
      },
    );
}

/** The graph's timestep input against the manifest's rank and dtype (where the graph declares them). */
function timestepProblems(session: OrtSession, manifest: Manifest): string[] {
  const { name, dtype, rank = 1 } = manifest.timestep;
  const meta = session.inputMetadata?.find((m) => m.name === name);
  // A graph input without a declared shape reads as [] here: nothing to check then.
  if (!meta?.isTensor || (meta.shape.length === 0 && rank !== 0)) return [];
  const problems: string[] = [];
  const shape = `[${meta.shape.map((d) => (typeof d === 'number' ? d : 'N')).join(', ')}]`;
  if (meta.shape.length !== rank)
    problems.push(
      [0, 1, 2, 4].includes(meta.shape.length)
        ? `timestep.rank: "${name}" is ${shape} (rank ${meta.shape.length}), the manifest says rank ${rank}`
        : `timestep.name: "${name}" is ${shape}, rank ${meta.shape.length}; DiffProbe feeds a timestep shaped [], [N], [N, 1] or [N, 1, 1, 1]: re-export the model with one of those`,
    );
  if (meta.type !== dtype && ['float32', 'float16', 'int32', 'int64'].includes(meta.type))
    problems.push(`timestep.dtype: "${name}" is ${meta.type}, the manifest says ${dtype}`);
  return problems;
}

function checkShapesAgainstManifest(out: Record<string, OutputMap>, manifest: Manifest, count: number): void {
  const problems: string[] = [];
  manifest.blocks.forEach((block, i) => {
    const o = out[block.name];
    if (!o) return;
    const want = [count, block.channels, block.resolution[0], block.resolution[1]];
    if (o.dims.join() !== want.join())
      problems.push(
        `blocks[${i}]: block "${block.name}" gives [${o.dims}], the manifest says [${want}] (channels, resolution)`,
      );
  });
  if (problems.length)
    throw new DiffProbeError(
      'model-mismatch',
      `output shapes do not match the manifest: ${problems.join('; ')}`,
      {
        problems,
      },
    );
}
