/**
 * @file A session over part of a U-Net: only the nodes some blocks need, with their pooling done in
 * ONNX (core/onnx/subgraph.ts, core/onnx/pooling-head.ts). Feature extraction runs it instead of
 * the whole U-Net with every block map fetched: an encoder block costs a fraction of the U-Net's
 * FLOPs, and only the pooled features leave ONNX Runtime (on WebGPU, with
 * `preferredOutputLocation: 'gpu-buffer'`, the maps never leave the GPU).
 *
 * The feeds are the U-Net's (UNetSession.feeds), so the numbers are the same up to the pooling's
 * float32 rounding (≤ 2.2e-6 on the default model, onnxruntime-node) and bit for bit for 'raw'.
 */
import { DiffProbeError } from '../core/errors';
import { type BlockExtractionPlan, blockExtractionModel } from '../core/onnx/pooling-head';
import type { OnnxModelInfo } from '../core/onnx/reader';
import type { Pooling } from '../core/pooling';
import type { OrtSession, SessionOptions } from './ort-types';
import { readOutputs } from './read-outputs';
import { nonFiniteError, type UNetSession } from './unet-session';

/** One batch's pooled features: a [count, dim] row-major matrix per block. */
export interface PooledBatch {
  features: Record<string, Float32Array>;
  dims: Record<string, number>;
}

export class BlockSession {
  private shapesChecked = false;

  private constructor(
    readonly unet: UNetSession,
    readonly session: OrtSession,
    readonly plan: BlockExtractionPlan,
    readonly blocks: readonly string[],
    readonly pooling: Pooling,
  ) {}

  /**
   * Builds the sub-graph for `blocks` pooled as `pooling` from `bytes` (the U-Net's session bytes,
   * `info` their structure) and opens it on the U-Net's runtime.
   */
  static async create(
    unet: UNetSession,
    bytes: Uint8Array,
    info: OnnxModelInfo,
    blocks: readonly string[],
    pooling: Pooling,
    options?: SessionOptions,
  ): Promise<BlockSession> {
    const plan = blockExtractionModel(bytes, info, unet.manifest, blocks, pooling);
    return BlockSession.open(unet, plan, blocks, pooling, options);
  }

  /**
   * Opens a plan built once (blockExtractionModel) on `runtime`: the U-Net's own, or another
   * instance's (the worker's engine helper) that runs the same sub-graph on other cores.
   */
  static async open(
    unet: UNetSession,
    plan: BlockExtractionPlan,
    blocks: readonly string[],
    pooling: Pooling,
    options?: SessionOptions,
    runtime = unet.runtime,
  ): Promise<BlockSession> {
    const session = await runtime.createSession(plan.bytes, options);
    return new BlockSession(unet, session, plan, [...blocks], pooling);
  }

  /** Runs one batch: `xt` is [count, C, H, W], `t` one timestep per image. */
  async run(xt: Float32Array, count: number, t: ArrayLike<number>): Promise<PooledBatch> {
    const { outputs, guards, dims, shapes } = this.plan;
    const fetch = [...new Set([...Object.values(outputs), ...Object.values(guards)])];
    const read = await readOutputs(await this.session.run(this.unet.feeds(xt, count, t), fetch), fetch);
    const data: Record<string, Float32Array> = {};
    const tensorDims: Record<string, number[]> = {};
    for (const name of fetch) {
      data[name] = read[name].data;
      tensorDims[name] = read[name].dims;
    }
    if (!this.shapesChecked) {
      const problems = this.blocks.flatMap((b) => {
        const want = [count, ...shapes[b]];
        const got = tensorDims[outputs[b]];
        return got.join() === want.join() ? [] : [`block "${b}" gives [${got}], expected [${want}]`];
      });
      if (problems.length)
        throw new DiffProbeError(
          'model-mismatch',
          `pooled outputs do not match the manifest: ${problems.join('; ')}`,
        );
      this.shapesChecked = true;
    }
    const bad = this.blocks.filter((b) => !allFinite(data[guards[b] ?? outputs[b]]));
    if (bad.length) {
      const kind = data[guards[bad[0]] ?? outputs[bad[0]]].some(Number.isNaN) ? 'NaN' : 'Inf';
      throw nonFiniteError(
        bad.map((b) => `block "${b}"`),
        bad,
        kind,
        t[0],
        this.unet.float16,
      );
    }
    const features: Record<string, Float32Array> = {};
    for (const b of this.blocks) {
      const values = data[outputs[b]];
      // Two blocks on one tensor share a buffer: each caller gets its own.
      features[b] = this.blocks.filter((o) => outputs[o] === outputs[b]).length > 1 ? values.slice() : values;
    }
    return { features, dims: { ...dims } };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function allFinite(data: Float32Array): boolean {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) return false;
  }
  return true;
}
