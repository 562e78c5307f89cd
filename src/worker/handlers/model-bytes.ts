/**
 * @file Getting a model's bytes into the worker: URLs are fetched, files (Blobs posted by the page,
 * which copies nothing) are read here in chunks with progress, into one buffer of the file's size.
 */
import { DiffProbeError } from '../../core/errors';

/**
 * ONNX Runtime Web reads a model (protobuf) into its 32-bit WASM heap, whose protobuf parser caps a
 * message at 2 GB; larger weights must sit in an external data file next to the graph.
 */
export const MAX_MODEL_BYTES = 2 ** 31 - 1;

export async function fetchBytes(url: string, what: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new DiffProbeError('model-missing', `could not fetch the ${what} at ${url}: ${String(error)}`, {
      url,
    });
  }
  if (!response.ok)
    throw new DiffProbeError('model-missing', `the ${what} at ${url} answered HTTP ${response.status}`, {
      url,
    });
  return new Uint8Array(await response.arrayBuffer());
}

/** Refuses sizes that cannot work before allocating anything, naming the file. */
export function checkModelSize(name: string, bytes: number, limit = MAX_MODEL_BYTES): void {
  if (bytes === 0) throw new DiffProbeError('model-corrupt', `"${name}" is empty (0 bytes)`);
  if (bytes > limit)
    throw new DiffProbeError(
      'out-of-memory',
      `"${name}" is ${(bytes / 2 ** 30).toFixed(2)} GB; ONNX Runtime Web loads graphs of up to 2 GB. ` +
        'Export the weights as ONNX external data (a .onnx plus a .data file, picked together) or use the CLI',
      { bytes },
    );
}

/**
 * Reads a Blob into a new buffer, reporting progress as it goes. Allocation failure (a model too
 * large for this tab's memory) becomes an 'out-of-memory' error naming the file.
 */
export async function readBlob(
  blob: Blob,
  name: string,
  onProgress: (done: number, total: number) => void,
): Promise<Uint8Array> {
  let out: Uint8Array;
  try {
    out = new Uint8Array(blob.size);
  } catch (error) {
    throw new DiffProbeError(
      'out-of-memory',
      `there is not enough memory to read "${name}" (${(blob.size / 2 ** 20).toFixed(0)} MB): ${(error as Error).message}`,
    );
  }
  const reader = blob.stream().getReader();
  let at = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (at + value.length > out.length)
      throw new DiffProbeError('model-corrupt', `"${name}" grew while it was being read`);
    out.set(value, at);
    at += value.length;
    onProgress(at, out.length);
  }
  if (at !== out.length)
    throw new DiffProbeError('model-corrupt', `"${name}" ended after ${at} of ${out.length} bytes`);
  return out;
}
