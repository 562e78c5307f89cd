/// <reference lib="webworker" />
/**
 * @file Entry of the engine helper: a second onnxruntime-web instance, started by the compute
 * worker for batch extraction on WASM (remote-runtime.ts). Two single-threaded ORT instances
 * extract about 1.9× as fast as one on two cores, where one instance with two threads gives about
 * 1.5× (docs/benchmarks.md), and ORT fixes its thread pool per instance, so the explorer's engine
 * keeps the thread count that its latency needs while batch jobs use the rest of the machine.
 *
 * Requests are handled one at a time, in order: ORT refuses overlapping runs of one session.
 */
import { configureWasm, webRuntime } from '../../engine/onnx-web';
import type { OrtRuntime, OrtSession, OrtTensor } from '../../engine/ort-types';
import type { CreatedSession, HelperReply, HelperRequest, WireTensor } from './protocol';

let runtime: Promise<OrtRuntime> | null = null;
const sessions = new Map<number, OrtSession>();
let nextSession = 1;

function tensorOf(rt: OrtRuntime, t: WireTensor): OrtTensor {
  if (t.type === 'float32') return rt.float32(t.data as Float32Array, t.dims);
  if (t.type === 'int64') return rt.int64(t.data as BigInt64Array, t.dims);
  return rt.int32(t.data as Int32Array, t.dims);
}

function sessionOf(id: number): OrtSession {
  const session = sessions.get(id);
  if (!session) throw new Error(`the engine helper has no session ${id}`);
  return session;
}

async function handle(request: HelperRequest): Promise<{ value: unknown; transfer?: Transferable[] }> {
  switch (request.op) {
    case 'init':
      configureWasm(globalThis.crossOriginIsolated === true, navigator.hardwareConcurrency, request.threads);
      runtime ??= webRuntime('wasm');
      await runtime;
      return { value: null };
    case 'create': {
      runtime ??= webRuntime('wasm');
      const session = await (await runtime).createSession(request.model, request.options);
      const id = nextSession++;
      sessions.set(id, session);
      const value: CreatedSession = {
        session: id,
        inputNames: [...session.inputNames],
        outputNames: [...session.outputNames],
      };
      return { value };
    }
    case 'run': {
      const rt = await runtime!;
      const feeds = Object.fromEntries(
        Object.entries(request.feeds).map(([name, t]) => [name, tensorOf(rt, t)]),
      );
      const results = await sessionOf(request.session).run(feeds, request.fetch);
      const value: Record<string, WireTensor> = {};
      const transfer: Transferable[] = [];
      for (const [name, tensor] of Object.entries(results)) {
        // An output that owns its ArrayBuffer is moved; anything else (a view, shared memory) is copied.
        let data = tensor.data as WireTensor['data'];
        const owns =
          data.buffer instanceof ArrayBuffer &&
          data.byteOffset === 0 &&
          data.byteLength === data.buffer.byteLength &&
          !transfer.includes(data.buffer);
        if (!owns) data = data.slice();
        transfer.push(data.buffer as ArrayBuffer);
        value[name] = { type: tensor.type as WireTensor['type'], data, dims: tensor.dims.map(Number) };
      }
      return { value, transfer };
    }
    case 'release':
      await sessions.get(request.session)?.release();
      sessions.delete(request.session);
      return { value: null };
  }
}

let queue: Promise<void> = Promise.resolve();
self.addEventListener('message', (event: MessageEvent<HelperRequest>) => {
  const request = event.data;
  queue = queue.then(async () => {
    let reply: HelperReply;
    let transfer: Transferable[] = [];
    try {
      const answer = await handle(request);
      reply = { id: request.id, ok: true, value: answer.value };
      transfer = answer.transfer ?? [];
    } catch (error) {
      reply = { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
    }
    (self as unknown as DedicatedWorkerGlobalScope).postMessage(reply, transfer);
  });
});
