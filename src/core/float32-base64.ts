/**
 * @file Float32 matrices in JSON as base64 of their little-endian bytes: exact (every bit kept)
 * and about a third of the size of printed numbers, which matters for an embedding's features
 * (thousands of points × hundreds of features). btoa/atob exist in browsers, workers and Node.
 *
 * In Python: `np.frombuffer(base64.b64decode(s), '<f4').reshape(shape)`.
 */
import { DiffProbeError } from './errors';

const CHUNK = 0x8000;
const littleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** base64 of `values` as little-endian float32. */
export function float32ToBase64(values: Float32Array): string {
  const copy = Float32Array.from(values);
  const bytes = new Uint8Array(copy.buffer);
  if (!littleEndian) for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  let binary = '';
  // In chunks: String.fromCharCode with millions of arguments overflows the stack.
  for (let i = 0; i < bytes.length; i += CHUNK)
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

/** The float32 values of a base64 string made by float32ToBase64. */
export function base64ToFloat32(text: string): Float32Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new DiffProbeError('internal', 'not base64: the float32 data is damaged');
  }
  if (binary.length % 4)
    throw new DiffProbeError('internal', `${binary.length} bytes are not a whole number of float32 values`);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  if (!littleEndian) for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  return new Float32Array(bytes.buffer);
}
