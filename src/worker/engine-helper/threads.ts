/**
 * @file How many ONNX Runtime threads the engine helper gets: the cores the compute worker's own
 * engine leaves free, at most 4 (ORT's WASM scaling flattens beyond that), or none when there are
 * none left. Without cross-origin isolation there is no SharedArrayBuffer, so each instance runs
 * one thread — a second instance is then the only way to use a second core at all.
 */
export function helperThreads(isolated: boolean, hardwareConcurrency: number, mainThreads: number): number {
  const free = Math.floor(hardwareConcurrency || 1) - Math.max(1, mainThreads);
  if (free < 1) return 0;
  return isolated ? Math.min(4, free) : 1;
}
