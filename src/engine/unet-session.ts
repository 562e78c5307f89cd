/**
 * @file A U-Net behind its manifest: checks that the ONNX graph matches the manifest, then runs
 * (x_t, t) and returns the requested outputs (ε̂ and/or block maps) as plain typed arrays.
 */

import { extraFeed } from '../core/conditioning/extra-feeds';
import { DiffProbeError } from '../core/errors';
import { toFloat16Array } from '../core/float16';
import type { Manifest, TimestepDtype } from '../core/manifest/types';
import { scheduleFromManifest } from '../core/schedule';
import {
  type BatchTimestepFeed,
  batchTimestepFeed,
  mapPrediction,
  scaleImages,
} from '../core/timestep/batch-feed';
import type { TimestepConvention } from '../core/timestep/convention';
import type { OrtRuntime, OrtSession, OrtTensor, SessionOptions } from './ort-types';

export interface OutputMap {
  data: Float32Array;
  /** [N, C, H, W] */
  dims: number[];
}

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

  private constructor(
    readonly runtime: OrtRuntime,
    readonly session: OrtSession,
    readonly manifest: Manifest,
    /** The values of extra inputs fed from a .npy (`extraInputs[].data`), by input name. */
    readonly constants: Readonly<Record<string, Float32Array>> = {},
  ) {
    this.alphasCumprod = scheduleFromManifest(manifest.schedule).alphasCumprod;
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
   * Runs one batch. `xt` is [count, C, H, W]; `t` holds one timestep per image (integer steps of
   * the schedule). `outputs` are block names and/or 'eps'. Returns a map from those names to
   * tensors; 'eps' is the prediction as the manifest's `prediction.type` reads it (for the `sigma`
   * convention, after EDM's c_skip/c_out). `options.convention` runs the graph under another
   * timestep convention than the manifest's (the denoising check tries each).
   */
  async run(
    xt: Float32Array,
    count: number,
    t: ArrayLike<number>,
    outputs: string[],
    options: RunOptions = {},
  ): Promise<Record<string, OutputMap>> {
    const { prediction } = this.manifest;
    const timestep = batchTimestepFeed(
      this.manifest.timestep,
      t,
      count,
      this.alphasCumprod,
      options.convention,
    );
    const feeds = this.feedsFor(xt, count, timestep, options.labels);
    const byBlock = new Map(this.manifest.blocks.map((b) => [b.name, b]));
    const fetchNames = outputs.map((name) =>
      name === 'eps' ? prediction.output : (byBlock.get(name)?.output ?? name),
    );
    for (const [i, name] of fetchNames.entries()) {
      if (!this.session.outputNames.includes(name))
        throw new DiffProbeError('model-mismatch', `no output ${JSON.stringify(outputs[i])} in the model`);
    }
    const results = await this.session.run(feeds, fetchNames).catch((error) => {
      throw this.explainRunError(error);
    });
    const out: Record<string, OutputMap> = {};
    for (const [i, name] of outputs.entries()) {
      const tensor = results[fetchNames[i]];
      out[name] = { data: await tensorData(tensor), dims: tensor.dims.map(Number) };
      tensor.dispose?.();
    }
    checkFinite(out, t);
    if (!this.shapesChecked) {
      checkShapesAgainstManifest(out, this.manifest, count);
      this.shapesChecked = true;
    }
    const { scales } = timestep;
    if (scales && out.eps) {
      // A block fetched under the prediction's tensor name shares its buffer: map a copy.
      if (fetchNames.filter((n) => n === prediction.output).length > 1)
        out.eps = { ...out.eps, data: out.eps.data.slice() };
      mapPrediction(out.eps.data, xt, count, scales.outputSkip, scales.outputScale);
    }
    return out;
  }

  /**
   * The inputs of one batch as the graph wants them: x_t ([count, C, H, W], scaled for the `sigma`
   * convention), the timestep as the manifest's convention, dtype and rank say, and the manifest's
   * extra inputs. Also feeds sessions made from parts of this graph (core/onnx/subgraph.ts).
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
      [input.name]: this.runtime.float32(image, dims),
      [name]: this.tensorOf(dtype, timestep.values, timestep.dims),
      ...this.extraFeeds(count, labels),
    };
  }

  /** Extra inputs (class labels, conditioning…): constants, classes or .npy data (core/conditioning). */
  private extraFeeds(count: number, labels?: ArrayLike<number>): Record<string, OrtTensor> {
    const feeds: Record<string, OrtTensor> = {};
    for (const extra of this.manifest.extraInputs ?? []) {
      const { values, dims } = extraFeed(extra, count, labels, this.constants[extra.name]);
      if (values instanceof Float32Array) feeds[extra.name] = this.runtime.float32(values, dims);
      else if (extra.dtype === 'int32') feeds[extra.name] = this.runtime.int32(values, dims);
      else
        feeds[extra.name] = this.runtime.int64(
          BigInt64Array.from(values, (v) => BigInt(v)),
          dims,
        );
    }
    return feeds;
  }

  /**
   * ONNX Runtime's complaint about an embedding lookup out of range ("indices element out of data
   * bounds") is about a value DiffProbe fed: name the integer extra inputs and their values.
   */
  private explainRunError(error: unknown): unknown {
    const message = error instanceof Error ? error.message : String(error);
    const ints = (this.manifest.extraInputs ?? []).filter((e) => e.dtype !== 'float32');
    if (!ints.length || !/out of (data )?bounds|indices/i.test(message)) return error;
    const fed = ints.map((e) => `${e.name} = ${e.class?.feed === 'label' ? "each image's label" : e.value}`);
    return new DiffProbeError(
      'model-input',
      `the model refused an integer input (${fed.join(', ')}): ONNX Runtime says "${message.split('\n')[0]}" — a class outside the model's classes?`,
      { inputs: ints.map((e) => e.name) },
    );
  }

  private tensorOf(dtype: TimestepDtype, values: readonly number[], dims: readonly number[]): OrtTensor {
    if (dtype === 'float32') return this.runtime.float32(Float32Array.from(values), dims);
    if (dtype === 'float16') return this.runtime.float16(toFloat16Array(values), dims);
    if (dtype === 'int32')
      return this.runtime.int32(
        Int32Array.from(values, (v) => Math.round(v)),
        dims,
      );
    return this.runtime.int64(
      BigInt64Array.from(values, (v) => BigInt(Math.round(v))),
      dims,
    );
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

async function tensorData(tensor: OrtTensor): Promise<Float32Array> {
  // GPU-resident outputs must be downloaded; CPU ones are read directly.
  const data = tensor.location && tensor.location !== 'cpu' ? await tensor.getData(true) : tensor.data;
  if (!(data instanceof Float32Array))
    throw new DiffProbeError('model-mismatch', `output has type ${tensor.type}, expected float32`);
  return data;
}

/**
 * NaN or Inf in an output poisons every pooled feature, probe and plot built on it, silently. A
 * linear scan is cheap next to the convolutions that produced the values. Every affected output
 * is named, blocks first: the earliest block that goes bad says where to look.
 */
function checkFinite(out: Record<string, OutputMap>, t: ArrayLike<number>): void {
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
    ...bad.filter((n) => n !== 'eps').map((n) => `block "${n}"`),
    ...(bad.includes('eps') ? ['the prediction output'] : []),
  ];
  throw new DiffProbeError(
    'model-nonfinite',
    `${names.join(', ')} ${bad.length > 1 ? 'hold' : 'holds'} ${kind} at t = ${t[0]}`,
    {
      outputs: bad,
      t: t[0],
    },
  );
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
  const eps = out.eps;
  const { channels, height, width } = manifest.input;
  if (eps && eps.dims.join() !== [count, channels, height, width].join())
    problems.push(
      `prediction.output: gives [${eps.dims}], expected the input's shape [${[count, channels, height, width]}]`,
    );
  if (problems.length)
    throw new DiffProbeError(
      'model-mismatch',
      `output shapes do not match the manifest: ${problems.join('; ')}`,
      {
        problems,
      },
    );
}
