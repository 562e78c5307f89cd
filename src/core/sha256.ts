/**
 * @file SHA-256 as hex: the same code in the page, the worker and Node (the model hash, data-set
 * checks, upload ids, image keys of the feature cache).
 *
 * WebCrypto (native, ~1 GB/s) takes one buffer at once, and Chromium refuses one past 2 GiB ("The
 * ArrayBuffer/ArrayBufferView size exceeds the supported range"): the float32 weights of the
 * ImageNet-256 ADM are 2.2 GB in one model.onnx.data. Node's WebCrypto takes them. WebCrypto has no
 * incremental API, so where it refuses a buffer past {@link WEBCRYPTO_SAFE_BYTES} the bytes go
 * through @noble/hashes' incremental SHA-256 (audited, pure JS, about 3× slower than WebCrypto here)
 * in slices: the same digest as `sha256sum`.
 */
import { sha256 } from '@noble/hashes/sha2.js';

/** Below this WebCrypto takes any buffer (Chromium's limit is 2 GiB − 1); past it, it may refuse. */
export const WEBCRYPTO_SAFE_BYTES = 2 ** 30;
/** Bytes hashed between two yields to the event loop (a long hash stays cancellable). */
const SLICE_BYTES = 64 * 2 ** 20;

/** Hex SHA-256 of the bytes, or of its first `bytes` bytes when given (16 hex digits = 64 bits). */
export async function sha256Hex(data: Uint8Array, bytes = 32, safe = WEBCRYPTO_SAFE_BYTES): Promise<string> {
  let digest: Uint8Array;
  try {
    digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
  } catch (error) {
    if (data.byteLength <= safe) throw error;
    digest = await sha256Incremental(data);
  }
  return Array.from(digest.subarray(0, bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * SHA-256 of the bytes in slices of `slice` bytes, yielding between them (what Chromium needs past
 * 2 GiB); tests pass small slices to cross slice edges without hashing hundreds of MB.
 */
export async function sha256Incremental(data: Uint8Array, slice = SLICE_BYTES): Promise<Uint8Array> {
  const hash = sha256.create();
  for (let at = 0; at < data.byteLength; at += slice) {
    hash.update(data.subarray(at, at + slice));
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return hash.digest();
}
