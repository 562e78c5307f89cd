/** The worker's single outlet to the UI thread. */
import type { WorkerResponse } from './protocol';

export function post(message: WorkerResponse, transfer: Transferable[] = []): void {
  (globalThis as unknown as DedicatedWorkerGlobalScope).postMessage(message, transfer);
}
