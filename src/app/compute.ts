/**
 * @file Starts the compute worker once and hands out its client. Vite bundles worker.ts as its own
 * module chunk (`new URL(..., import.meta.url)` is the pattern it recognises).
 */
import { WorkerClient } from '../worker/client';

let client: WorkerClient | null = null;

export function compute(): WorkerClient {
  if (!client) {
    const worker = new Worker(new URL('../worker/worker.ts', import.meta.url), {
      type: 'module',
      name: 'compute',
    });
    client = new WorkerClient(worker);
  }
  return client;
}
