/// <reference lib="webworker" />
/**
 * @file Entry of the engine helper: a second onnxruntime-web instance, started by the compute
 * worker for batch extraction on WASM (remote-runtime.ts). Two single-threaded ORT instances
 * extract about 1.8× as fast as one on two cores, where one instance with two threads gives about
 * 1.5× (docs/benchmarks.md), and ORT fixes its thread pool per instance, so the explorer's engine
 * keeps the thread count that its latency needs while batch jobs use the rest of the machine.
 */
import { configureWasm, webRuntime } from '../../engine/onnx-web';
import { createHelperHandler } from './handler';
import type { HelperRequest } from './protocol';

const handle = createHelperHandler(async (threads) => {
  configureWasm(globalThis.crossOriginIsolated === true, navigator.hardwareConcurrency, threads);
  return webRuntime('wasm');
});

// One request at a time, in order: ORT refuses overlapping runs of one session.
let queue: Promise<void> = Promise.resolve();
self.addEventListener('message', (event: MessageEvent<HelperRequest>) => {
  const request = event.data;
  queue = queue.then(async () => {
    const { reply, transfer } = await handle(request);
    (self as unknown as DedicatedWorkerGlobalScope).postMessage(reply, transfer);
  });
});
