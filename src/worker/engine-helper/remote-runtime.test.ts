// The engine helper's wire layer in-process: the compute worker's EngineHelper talking to the
// helper's request handler (both real) over a stand-in Worker, with onnxruntime-node as the helper's
// ONNX Runtime. A sub-graph run through it gives the local session's numbers bit for bit; failures
// come back as errors; a helper that dies rejects what is pending and everything after.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNodeModel, type NodeModel } from '../../cli/load';
import { blockExtractionModel } from '../../core/onnx/pooling-head';
import { readModel } from '../../core/onnx/reader';
import { createRng, gaussian } from '../../core/rng';
import { BlockSession } from '../../engine/block-session';
import { nodeRuntime } from '../../engine/onnx-node';
import { createHelperHandler } from './handler';
import type { HelperReply, HelperRequest } from './protocol';
import { EngineHelper, type WorkerLike } from './remote-runtime';

const MANIFEST = 'public/models/fashion-mnist-ddpm/manifest.json';
const bytes = new Uint8Array(readFileSync('public/models/fashion-mnist-ddpm/model.onnx'));

/** A Worker whose other side is the helper's handler, with structured clones as postMessage makes. */
function inProcessWorker() {
  const handle = createHelperHandler(async (threads) => nodeRuntime(threads));
  const onMessage: ((event: MessageEvent<HelperReply>) => void)[] = [];
  const onError: ((event: ErrorEvent) => void)[] = [];
  let queue = Promise.resolve();
  let terminated = false;
  const worker: WorkerLike = {
    postMessage(message: HelperRequest) {
      const copy = structuredClone(message);
      queue = queue.then(async () => {
        const { reply } = await handle(copy);
        if (!terminated)
          for (const l of onMessage) l({ data: structuredClone(reply) } as MessageEvent<HelperReply>);
      });
    },
    addEventListener(type: string, listener: (event: never) => void) {
      if (type === 'message') onMessage.push(listener as (event: MessageEvent<HelperReply>) => void);
      if (type === 'error') onError.push(listener as (event: ErrorEvent) => void);
    },
    terminate() {
      terminated = true;
    },
  };
  const crash = (message: string) => {
    for (const l of onError) l({ message, preventDefault() {} } as ErrorEvent);
  };
  return { worker, crash };
}

let node: NodeModel;
beforeAll(async () => {
  node = await loadNodeModel(MANIFEST, 1);
});
afterAll(async () => {
  await node.unet.release();
});

describe('the engine helper over its wire', () => {
  it('runs a block sub-graph with the local session’s numbers, bit for bit', async () => {
    const helper = new EngineHelper(inProcessWorker().worker);
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
    const helper = new EngineHelper(inProcessWorker().worker);
    await helper.call({ op: 'init', threads: 1 });
    await expect(helper.runtime().createSession(new Uint8Array([1, 2, 3]))).rejects.toThrow(
      /^engine helper: /,
    );
    const session = await helper.runtime().createSession(bytes);
    expect(session.inputNames).toEqual(['x_t', 't']);
  });

  it('a request before init is refused', async () => {
    const helper = new EngineHelper(inProcessWorker().worker);
    await expect(helper.runtime().createSession(bytes)).rejects.toThrow('not initialised');
  });

  it('a helper that dies rejects what is pending and every later call', async () => {
    const { worker, crash } = inProcessWorker();
    const helper = new EngineHelper(worker);
    await helper.call({ op: 'init', threads: 1 });
    const pending = helper.runtime().createSession(bytes);
    crash('out of memory');
    await expect(pending).rejects.toThrow('the engine helper stopped: out of memory');
    expect(helper.dead).not.toBeNull();
    await expect(helper.call({ op: 'init', threads: 1 })).rejects.toThrow('stopped');
  });
});
