// The engine helper's wire layer in-process: the compute worker's EngineHelper talking to the
// helper's request handler (both real) over a stand-in Worker, with onnxruntime-node as the helper's
// ONNX Runtime. A sub-graph run through it gives the local session's numbers bit for bit; failures
// come back as errors; a helper that dies rejects what is pending and everything after; one that
// hangs is ended after its time limit and its batches go back to the main engine; one left idle
// ends itself, and the next use starts another.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNodeModel, type NodeModel } from '../../cli/load';
import { blockExtractionModel } from '../../core/onnx/pooling-head';
import { readModel } from '../../core/onnx/reader';
import { createRng, gaussian } from '../../core/rng';
import { BlockSession } from '../../engine/block-session';
import { extractFeatures } from '../../pipeline/extract';
import { inProcessHelper } from '../../testing/in-process-helper';
import { setHelperHost, helper as startedHelper } from './lifecycle';
import { EngineHelper } from './remote-runtime';
import { type CallLimits, limitMs, Pace } from './time-limits';

const MANIFEST = 'public/models/fashion-mnist-ddpm/manifest.json';
const bytes = new Uint8Array(readFileSync('public/models/fashion-mnist-ddpm/model.onnx'));

/** Short limits for the tests: 200 ms at least, 4× the pace, 400 ms before any is known. */
const TEST_LIMITS: CallLimits = { floorMs: 200, factor: 4, unknownMs: 400 };

let node: NodeModel;
beforeAll(async () => {
  node = await loadNodeModel(MANIFEST, 1);
});
afterAll(async () => {
  await node.unet.release();
});

describe('the engine helper over its wire', () => {
  it('runs a block sub-graph with the local session’s numbers, bit for bit', async () => {
    const helper = new EngineHelper(inProcessHelper().worker);
    await helper.call({ op: 'init', threads: 1 });
    const blocks = ['down1_1', 'mid', 'up1_0'];
    const pooling = { kind: 'adaptive', size: 2 } as const;
    const plan = blockExtractionModel(bytes, readModel(bytes), node.unet.manifest, blocks, pooling);
    const local = await BlockSession.open(node.unet, plan, blocks, pooling);
    const remote = await BlockSession.open(node.unet, plan, blocks, pooling, {}, helper.runtime());
    const count = 5;
    const xt = gaussian(createRng(4), count * 784);
    const t = new Float32Array(count).fill(100);
    const want = await local.run(xt, count, t);
    const got = await remote.run(xt, count, t);
    expect(got.dims).toEqual(want.dims);
    for (const b of blocks) expect(got.features[b]).toEqual(want.features[b]);
    await remote.release();
    await local.release();
    // A released session is gone in the helper: its runs fail with the helper's message.
    await expect(remote.run(xt, count, t)).rejects.toThrow(/engine helper: .*no session/);
  });

  it('a graph the helper cannot open fails with its message, and the helper keeps going', async () => {
    const helper = new EngineHelper(inProcessHelper().worker);
    await helper.call({ op: 'init', threads: 1 });
    await expect(helper.runtime().createSession(new Uint8Array([1, 2, 3]))).rejects.toThrow(
      /^engine helper: /,
    );
    const session = await helper.runtime().createSession(bytes);
    expect(session.inputNames).toEqual(['x_t', 't']);
  });

  it('a request before init is refused', async () => {
    const helper = new EngineHelper(inProcessHelper().worker);
    await expect(helper.runtime().createSession(bytes)).rejects.toThrow('not initialised');
  });

  it('a helper that dies rejects what is pending and every later call', async () => {
    const { worker, crash } = inProcessHelper();
    const helper = new EngineHelper(worker);
    await helper.call({ op: 'init', threads: 1 });
    const pending = helper.runtime().createSession(bytes);
    crash('out of memory');
    await expect(pending).rejects.toThrow('the engine helper stopped: out of memory');
    expect(helper.dead).not.toBeNull();
    await expect(helper.call({ op: 'init', threads: 1 })).rejects.toThrow('stopped');
  });
});

describe('a helper that hangs, or idles', () => {
  it('a run past its time limit ends the helper; its batches go back to the main engine, every row arrives', {
    timeout: 30_000,
  }, async () => {
    const wire = inProcessHelper();
    const helper = new EngineHelper(wire.worker, { limits: TEST_LIMITS });
    await helper.call({ op: 'init', threads: 1 });
    const blocks = ['mid'];
    const pooling = { kind: 'avg' } as const;
    const plan = blockExtractionModel(bytes, readModel(bytes), node.unet.manifest, blocks, pooling);
    const pace = new Pace();
    const local = await BlockSession.open(node.unet, plan, blocks, pooling);
    const remote = await BlockSession.open(node.unet, plan, blocks, pooling, {}, helper.runtime(pace));
    wire.hang = true;
    const count = 5;
    const x0 = gaussian(createRng(5), count * 784);
    const options = { t: 100, seed: 1, blocks, pooling, batchSize: 2, alphasCumprod: node.alphasCumprod };
    const rows = (into: Float32Array) => (b: { start: number; features: Record<string, Float32Array> }) =>
      into.set(b.features.mid, b.start * 64);
    const want = new Float32Array(count * 64);
    await extractFeatures(node.unet, x0, count, options, rows(want), undefined, (xt, n, t) =>
      local.run(xt, n, t),
    );
    const got = new Float32Array(count * 64);
    const main = async (xt: Float32Array, n: number, t: Float32Array) => {
      const started = Date.now();
      const pooled = await local.run(xt, n, t);
      pace.ran(Date.now() - started, n);
      return pooled;
    };
    const helped = (xt: Float32Array, n: number, t: Float32Array) => remote.run(xt, n, t);
    const warn = console.warn;
    console.warn = () => {};
    try {
      await extractFeatures(node.unet, x0, count, options, rows(got), undefined, [main, helped, helped]);
    } finally {
      console.warn = warn;
    }
    expect(got).toEqual(want);
    expect(helper.dead?.message).toMatch(/did not answer a run in \d+ s/);
    expect(wire.terminated).toBe(true);
    await expect(helper.call({ op: 'init', threads: 1 })).rejects.toThrow('did not answer');
    await local.release();
  });

  it('limits follow the measured pace: long on a slow machine, a floor on a fast one', () => {
    expect(limitMs(null, TEST_LIMITS)).toBe(400);
    const pace = new Pace();
    expect(pace.runLimitMs(32, TEST_LIMITS)).toBe(400);
    pace.ran(3200, 32); // 100 ms an image
    expect(pace.runLimitMs(32, TEST_LIMITS)).toBe(4 * 3200);
    pace.ran(10, 32); // a faster batch does not shorten it: the slowest seen counts
    expect(pace.runLimitMs(8, TEST_LIMITS)).toBe(4 * 800);
    expect(pace.runLimitMs(1, TEST_LIMITS)).toBe(400);
    pace.created(5000);
    expect(pace.createLimitMs(TEST_LIMITS)).toBe(20_000);
  });

  it('a helper left idle ends itself (its heap goes with it); the next use starts another', async () => {
    const spawned: ReturnType<typeof inProcessHelper>[] = [];
    setHelperHost({
      threads: () => 1,
      spawn: () => {
        spawned.push(inProcessHelper());
        return spawned.at(-1)!.worker;
      },
      limits: TEST_LIMITS,
      idleMs: 100,
    });
    try {
      const first = await startedHelper(1);
      expect(first).not.toBeNull();
      expect(await startedHelper(1)).toBe(first);
      await new Promise((r) => setTimeout(r, 300));
      expect(first!.stopped).toBe(true);
      expect(spawned[0].terminated).toBe(true);
      const second = await startedHelper(1);
      expect(second).not.toBe(first);
      expect(second!.closed).toBe(false);
      expect(spawned).toHaveLength(2);
    } finally {
      setHelperHost(null);
    }
    expect(spawned[1].terminated).toBe(true);
  });
});
