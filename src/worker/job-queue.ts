/**
 * @file The compute worker's one queue: jobs run one after another, and so does anything else that
 * touches the loaded model's sessions (a device-loss recovery). ORT sessions (WASM and WebGPU) fail
 * when two runs or creations overlap, and a model switched by a recovery in the middle of a load
 * or a job would be relabelled or replaced under it.
 */

let tail: Promise<unknown> = Promise.resolve();

/** Runs `task` after everything queued before it; a failure does not stop the queue. */
export function enqueue<T>(task: () => Promise<T>): Promise<T> {
  const run = tail.then(task, task);
  tail = run.catch(() => {});
  return run;
}
