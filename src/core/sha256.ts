/**
 * @file SHA-256 as hex: the same code in the page, the worker and Node (the model hash, data-set
 * checks, upload ids, image keys of the feature cache).
 *
 * WebCrypto (native, ~1 GB/s) takes one buffer at once, and Chromium refuses one past 2 GiB ("The
 * ArrayBuffer/ArrayBufferView size exceeds the supported range"): the float32 weights of the
 * ImageNet-256 ADM are 2.2 GB in one model.onnx.data. WebCrypto has no incremental API, so bytes
 * past {@link WEBCRYPTO_MAX_BYTES} go through @noble/hashes' incremental SHA-256 (audited, pure JS,
 * ~0.2–0.4 GB/s here) in slices: the same digest as `sha256sum`, in the browser and in Node.
 */
import { sha256 } from '@noble/hashes/sha2.js';

/** The largest buffer handed to WebCrypto at once (Chromium's limit is 2 GiB − 1). */
export const WEBCRYPTO_MAX_BYTES = 2 ** 30;
/** Bytes hashed between two yields to the event loop (a long hash stays cancellable). */
const SLICE_BYTES = 64 * 2 ** 20;

/** Hex SHA-256 of the bytes, or of its first `bytes` bytes when given (16 hex digits = 64 bits). */
export async function sha256Hex(
  data: Uint8Array,
  bytes = 32,
  maxWebCrypto = WEBCRYPTO_MAX_BYTES,
): Promise<string> {
  const digest =
    data.byteLength <= maxWebCrypto
      ? new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>))
      : await incremental(data);
  return Array.from(digest.subarray(0, bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function incremental(data: Uint8Array): Promise<Uint8Array> {
  const hash = sha256.create();
  for (let at = 0; at < data.byteLength; at += SLICE_BYTES) {
    hash.update(data.subarray(at, at + SLICE_BYTES));
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return hash.digest();
}
