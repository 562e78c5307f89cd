/**
 * @file A U-Net behind its manifest: checks that the ONNX graph matches the manifest, then runs
 * (x_t, t) and returns the requested outputs (ε̂ and/or block maps) as plain typed arrays.
 */
import { DiffProbeError } from '../core/errors';
import type { Manifest, TensorDtype } from '../core/manifest/types';
import type { OrtRuntime, OrtSession, OrtTensor, SessionOptions } from './ort-types';
import { readOutputs } from './read-outputs';

export interface OutputMap {
  data: Float32Array;
  /** [N, C, H, W] */
  dims: number[];
}

export class UNetSession {
  private shapesChecked = false;

  private constructor(
    readonly runtime: OrtRuntime,
    readonly session: OrtSession,
    readonly manifest: Manifest,
  ) {}

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
   * Runs one batch. `xt` is [count, C, H, W]; `t` holds one timestep per image.
   * `outputs` are block names and/or 'eps'. Returns a map from those names to tensors.
   */
  async run(
    xt: Float32Array,
    count: number,
    t: ArrayLike<number>,
    outputs: string[],
  ): Promise<Record<string, OutputMap>> {
    const { prediction } = this.manifest;
    const feeds = this.feeds(xt, count, t);
    const byBlock = new Map(this.manifest.blocks.map((b) => [b.name, b]));
    const fetchNames = outputs.map((name) =>
      name === 'eps' ? prediction.output : (byBlock.get(name)?.output ?? name),
    );
    for (const [i, name] of fetchNames.entries()) {
      if (!this.session.outputNames.includes(name))
        throw new DiffProbeError('model-mismatch', `no output ${JSON.stringify(outputs[i])} in the model`);
    }
    const read = await readOutputs(await this.session.run(feeds, fetchNames), fetchNames);
    const out: Record<string, OutputMap> = {};
    for (const [i, name] of outputs.entries()) out[name] = read[fetchNames[i]];
    checkFinite(out, t);
    if (!this.shapesChecked) {
      checkShapesAgainstManifest(out, this.manifest, count);
      this.shapesChecked = true;
    }
    return out;
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
      [input.name]: this.runtime.float32(xt, dims),
      ...this.timestepFeed(t, count),
      ...this.extraFeeds(count),
    };
  }

  /** The timestep as the graph wants it: [N] or a scalar, float32, int64 or int32. */
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
    return { [name]: this.tensorOf(dtype, values, dims) };
  }

  /** Extra inputs (class labels, conditioning…) as the manifest's constants, every run. */
  private extraFeeds(count: number): Record<string, OrtTensor> {
    const feeds: Record<string, OrtTensor> = {};
    for (const extra of this.manifest.extraInputs ?? []) {
      const dims = extra.batched ? [count, ...extra.shape] : [...extra.shape];
      const size = dims.reduce((a, b) => a * b, 1);
      feeds[extra.name] = this.tensorOf(extra.dtype, new Array<number>(size).fill(extra.value), dims);
    }
    return feeds;
  }

  private tensorOf(dtype: TensorDtype, values: number[], dims: number[]): OrtTensor {
    if (dtype === 'float32') return this.runtime.float32(Float32Array.from(values), dims);
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
