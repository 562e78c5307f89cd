/**
 * @file A constant tensor for an extra input from a .npy (a text encoder's output for a prompt,
 * saved with numpy): checked against the manifest's sha256 and the input's shape, as float32.
 */
import { DiffProbeError } from '../errors';
import type { ManifestExtraInput } from '../manifest/types';
import { readNpy } from '../npy';
import { sha256Hex } from '../sha256';

function problem(message: string): DiffProbeError {
  return new DiffProbeError('model-input', message);
}

/**
 * The values of `bytes` (a .npy) for `extra`: shaped as the input per image (`extra.shape`), or with
 * a leading 1 ([1, …shape], what a text encoder returns for one prompt); float32 or float64.
 *
 * @param sha256 the bytes' hex SHA-256, when the caller has it (else computed).
 * @throws DiffProbeError('model-input') for another file than the manifest names (sha256), another
 *   shape, or integers; ('npy-invalid') for a file that is not a .npy.
 */
export async function inputDataFromNpy(
  extra: ManifestExtraInput,
  bytes: Uint8Array,
  sha256?: string,
): Promise<Float32Array> {
  const hash = sha256 ?? (await sha256Hex(bytes));
  if (extra.data && hash !== extra.data.sha256)
    throw problem(
      `${extra.data.file} has sha256 ${hash.slice(0, 12)}…, the manifest expects ${extra.data.sha256.slice(0, 12)}… for "${extra.name}"`,
    );
  const npy = readNpy(bytes);
  const want = [...extra.shape];
  const shape = npy.shape[0] === 1 && npy.shape.length === want.length + 1 ? npy.shape.slice(1) : npy.shape;
  if (shape.join() !== want.join())
    throw problem(
      `the .npy for "${extra.name}" has shape (${npy.shape.join(', ')}); the input takes [${want.join(', ')}]${extra.batched ? ' per image' : ''} (or [1, ${want.join(', ')}])`,
    );
  if (npy.data instanceof Float32Array) return npy.data;
  if (npy.data instanceof Float64Array) return Float32Array.from(npy.data);
  throw problem(`the .npy for "${extra.name}" holds ${npy.descr}; save it as float32`);
}
