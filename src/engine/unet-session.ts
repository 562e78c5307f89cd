/**
 * @file A U-Net behind its manifest: checks that the ONNX graph matches the manifest, then runs
 * (x_t, t) and returns the requested outputs (ε̂ and/or block maps) as plain typed arrays.
 */
import { DiffProbeError } from '../core/errors';
import type { Manifest } from '../core/manifest/types';
import type { OrtRuntime, OrtSession, OrtTensor, SessionOptions } from './ort-types';

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
    const { input, timestep, prediction } = this.manifest;
    const dims = [count, input.channels, input.height, input.width];
    const feeds: Record<string, OrtTensor> = {
      [input.name]: this.runtime.float32(xt, dims),
      [timestep.name]:
        timestep.dtype === 'int64'
          ? this.runtime.int64(BigInt64Array.from(Array.from(t, (v) => BigInt(Math.round(v)))), [count])
          : this.runtime.float32(Float32Array.from(t), [count]),
    };
    const byBlock = new Map(this.manifest.blocks.map((b) => [b.name, b]));
    const fetchNames = outputs.map((name) =>
      name === 'eps' ? prediction.output : (byBlock.get(name)?.output ?? name),
    );
    for (const [i, name] of fetchNames.entries()) {
      if (!this.session.outputNames.includes(name))
        throw new DiffProbeError('model-mismatch', `no output ${JSON.stringify(outputs[i])} in the model`);
    }
    const results = await this.session.run(feeds, fetchNames);
    const out: Record<string, OutputMap> = {};
    for (const [i, name] of outputs.entries()) {
      const tensor = results[fetchNames[i]];
      out[name] = { data: await tensorData(tensor), dims: tensor.dims.map(Number) };
      tensor.dispose?.();
    }
    if (!this.shapesChecked) {
      checkShapesAgainstManifest(out, this.manifest, count);
      this.shapesChecked = true;
    }
    return out;
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

function checkGraphAgainstManifest(session: OrtSession, manifest: Manifest): void {
  const problems: string[] = [];
  for (const name of [manifest.input.name, manifest.timestep.name]) {
    if (!session.inputNames.includes(name))
      problems.push(`input "${name}" is not in the model (it has ${session.inputNames.join(', ')})`);
  }
  const outputs = [manifest.prediction.output, ...manifest.blocks.map((b) => b.output)];
  const missing = outputs.filter((name) => !session.outputNames.includes(name));
  if (missing.length)
    problems.push(`outputs ${missing.map((m) => `"${m}"`).join(', ')} are not in the model`);
  const meta = session.inputMetadata?.find((m) => m.name === manifest.input.name);
  if (meta?.isTensor && meta.shape.length !== 4)
    problems.push(`input "${manifest.input.name}" has rank ${meta.shape.length}, expected 4 (NCHW)`);
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
  for (const block of manifest.blocks) {
    const o = out[block.name];
    if (!o) continue;
    const want = [count, block.channels, block.resolution[0], block.resolution[1]];
    if (o.dims.join() !== want.join())
      problems.push(`block "${block.name}" gives [${o.dims}], the manifest says [${want}]`);
  }
  const eps = out.eps;
  const { channels, height, width } = manifest.input;
  if (eps && eps.dims.join() !== [count, channels, height, width].join())
    problems.push(`ε output gives [${eps.dims}], expected [${[count, channels, height, width]}]`);
  if (problems.length)
    throw new DiffProbeError(
      'model-mismatch',
      `output shapes do not match the manifest: ${problems.join('; ')}`,
      {
        problems,
      },
    );
}
