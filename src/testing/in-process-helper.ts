/**
 * @file For tests: an engine helper in this process, i.e. a WorkerLike whose other side is the
 * helper's real request handler (worker/engine-helper/handler.ts) on onnxruntime-node, with
 * structured clones as postMessage makes them. Switches let a test make it hang (never answer a
 * run), fail session creation, or crash; it counts the sessions created and whether it was
 * terminated. Node-only.
 */
import { nodeRuntime } from '../engine/onnx-node';
import { createHelperHandler } from '../worker/engine-helper/handler';
import type { HelperReply, HelperRequest } from '../worker/engine-helper/protocol';
import type { WorkerLike } from '../worker/engine-helper/remote-runtime';

export interface InProcessHelper {
  worker: WorkerLike;
  /** Fires the worker's error event (as an uncaught error in the helper would). */
  crash(message: string): void;
  /** Never answer 'run' requests from now on (a wedged helper). */
  hang: boolean;
  failCreate: boolean;
  created: number;
  terminated: boolean;
}

export function inProcessHelper(): InProcessHelper {
  const handle = createHelperHandler(async (threads) => {
    const rt = nodeRuntime(threads);
    return {
      ...rt,
      createSession: async (model, options) => {
        if (state.failCreate) throw new Error('out of memory in the helper');
        state.created++;
        return rt.createSession(model, options);
      },
    };
  });
  const onMessage: ((event: MessageEvent<HelperReply>) => void)[] = [];
  const onError: ((event: ErrorEvent) => void)[] = [];
  let queue = Promise.resolve();
  const state: InProcessHelper = {
    worker: {
      postMessage(message: HelperRequest) {
        const copy = structuredClone(message);
        // The helper answers one request at a time, in order, as helper-worker.ts does.
        queue = queue.then(async () => {
          if (state.terminated) return;
          if (state.hang && copy.op === 'run') await new Promise(() => {});
          const { reply } = await handle(copy);
          if (!state.terminated)
            for (const l of onMessage) l({ data: structuredClone(reply) } as MessageEvent<HelperReply>);
        });
      },
      addEventListener(type: string, listener: (event: never) => void) {
        if (type === 'message') onMessage.push(listener as (event: MessageEvent<HelperReply>) => void);
        if (type === 'error') onError.push(listener as (event: ErrorEvent) => void);
      },
      terminate() {
        state.terminated = true;
      },
    },
    crash(message) {
      for (const l of onError) l({ message, preventDefault() {} } as ErrorEvent);
    },
    hang: false,
    failCreate: false,
    created: 0,
    terminated: false,
  };
  return state;
}
