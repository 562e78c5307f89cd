/**
 * @file SHA-256 as hex, through WebCrypto: the same code in the page, the worker and Node (the
 * model hash, data-set checks, upload ids, image keys of the feature cache).
 */

/** Hex SHA-256 of the bytes, or of its first `bytes` bytes when given (16 hex digits = 64 bits). */
export async function sha256Hex(data: Uint8Array, bytes = 32): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
  return Array.from(digest.subarray(0, bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}
