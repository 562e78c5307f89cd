/**
 * @file What the engine helper does with each request (helper-worker.ts is only its message loop):
 * create sessions from graph bytes, run them on wire tensors, release them. `open` gives the
 * runtime for a thread count (onnxruntime-web in the helper; onnxruntime-node in the tests).
 */
import type { OrtRuntime, OrtSession, OrtTensor } from '../../engine/ort-types';
import type { CreatedSession, HelperReply, HelperRequest, WireTensor } from './protocol';

function tensorOf(rt: OrtRuntime, t: WireTensor): OrtTensor {
  if (t.type === 'float32') return rt.float32(t.data as Float32Array, t.dims);
  if (t.type === 'int64') return rt.int64(t.data as BigInt64Array, t.dims);
  if (t.type === 'float16') return rt.float16(t.data as Uint16Array, t.dims);
  return rt.int32(t.data as Int32Array, t.dims);
}

/** A reply and the buffers it moves. */
export interface Answer {
  reply: HelperReply;
  transfer: Transferable[];
}

/**
 * The helper's request handler. Requests must be handled one at a time, in order (the caller
 * chains them): ORT refuses overlapping runs of one session.
 */
export function createHelperHandler(open: (threads: number) => Promise<OrtRuntime>) {
  let runtime: Promise<OrtRuntime> | null = null;
  const sessions = new Map<number, OrtSession>();
  let nextSession = 1;
  const rt = () => {
    if (!runtime) throw new Error('the engine helper was not initialised');
    return runtime;
  };
  const sessionOf = (id: number) => {
    const session = sessions.get(id);
    if (!session) throw new Error(`the engine helper has no session ${id}`);
    return session;
  };

  async function handle(request: HelperRequest): Promise<{ value: unknown; transfer?: Transferable[] }> {
    switch (request.op) {
      case 'init':
        runtime ??= open(request.threads);
        await runtime;
        return { value: null };
      case 'create': {
        const session = await (await rt()).createSession(request.model, request.options);
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
        const r = await rt();
        const session = sessionOf(request.session);
        const feeds = Object.fromEntries(
          Object.entries(request.feeds).map(([name, t]) => [name, tensorOf(r, t)]),
        );
        const results = await session.run(feeds, request.fetch);
        const value: Record<string, WireTensor> = {};
        const transfer: ArrayBuffer[] = [];
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

  /** Handles one request; a failure becomes an error reply (the helper itself keeps going). */
  return async (request: HelperRequest): Promise<Answer> => {
    try {
      const answer = await handle(request);
      return { reply: { id: request.id, ok: true, value: answer.value }, transfer: answer.transfer ?? [] };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { reply: { id: request.id, ok: false, message }, transfer: [] };
    }
  };
}
