/**
 * @file A U-Net behind its manifest: checks that the ONNX graph matches the manifest, then runs
 * (x_t, t) and returns the requested outputs (ε̂ and/or block maps) as plain typed arrays.
 */
import { DiffProbeError } from '../core/errors';
import { FLOAT16_MAX } from '../core/float16';
import { predictionShapeProblem, splitLearnedVariance } from '../core/manifest/prediction';
import type { Manifest } from '../core/manifest/types';
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

export class UNetSession {
  private shapesChecked = false;

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
  ) {
    this.imageDtype = tensorType(session, manifest.input.name) === 'float16' ? 'float16' : 'float32';
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
    return new UNetSession(runtime, session, manifest);
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
   */
  async run(
    xt: Float32Array,
    count: number,
    t: ArrayLike<number>,
    outputs: string[],
  ): Promise<Record<string, OutputMap>> {
    const { prediction } = this.manifest;
    if (outputs.includes(VARIANCE_KEY) && !prediction.variance)
      throw new DiffProbeError(
        'model-mismatch',
        'the model has no learned variance (prediction.variance is not set): its prediction output has C channels',
      );
    const feeds = this.feeds(xt, count, t);
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
      await this.session.run(feeds, fetchNames),
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
  feeds(xt: Float32Array, count: number, t: ArrayLike<number>): Record<string, OrtTensor> {
    const { input } = this.manifest;
    const dims = [count, input.channels, input.height, input.width];
    if (xt.length !== count * input.channels * input.height * input.width)
      throw new DiffProbeError(
        'internal',
        `x_t holds ${xt.length} values, expected ${count} × ${input.channels}×${input.height}×${input.width}`,
      );
    return {
      // A float16 model's image is cast at the boundary; its outputs are read back as float32.
      [input.name]: tensorOf(this.runtime, this.imageDtype, xt, dims),
      ...this.timestepFeed(t, count),
      ...this.extraFeeds(count),
    };
  }

  /** The timestep as the graph wants it: [N] or a scalar, float32, float16, int64 or int32. */
  private timestepFeed(t: ArrayLike<number>, count: number): Record<string, OrtTensor> {
    const { name, dtype, rank = 1 } = this.manifest.timestep;
    let values = Array.from(t);
    if (rank === 0) {
      // A scalar timestep serves the whole batch; the pipeline always runs one t per batch.
      if (values.some((v) => v !== values[0]))
        throw new DiffProbeError('internal', `this model takes one scalar timestep per batch, got ${values}`);
      values = values.slice(0, 1);
    } else if (values.length !== count) {
      throw new DiffProbeError('internal', `${values.length} timesteps for a batch of ${count}`);
    }
    const dims = rank === 0 ? [] : [values.length];
    return { [name]: tensorOf(this.runtime, dtype, values, dims) };
  }

  /** Extra inputs (class labels, conditioning…) as the manifest's constants, every run. */
  private extraFeeds(count: number): Record<string, OrtTensor> {
    const feeds: Record<string, OrtTensor> = {};
    for (const extra of this.manifest.extraInputs ?? []) {
      const dims = extra.batched ? [count, ...extra.shape] : [...extra.shape];
      const size = dims.reduce((a, b) => a * b, 1);
      feeds[extra.name] = tensorOf(this.runtime, extra.dtype, new Float64Array(size).fill(extra.value), dims);
    }
    return feeds;
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
  if (problems.length)
    throw new DiffProbeError(
      'model-mismatch',
      `the model does not match its manifest: ${problems.join('; ')}`,
      {
        problems,
      },
    );
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
