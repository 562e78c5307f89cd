/**
 * @file The constant tensors a manifest feeds from .npy files (`extraInputs[].data`): picked with
 * the model (they then travel with the ONNX external data files and are taken out of them here), or
 * picked later in "Model…", or kept from the loaded model when the manifest names the same file.
 */
import { inputDataFromNpy } from '../../core/conditioning/input-data';
import { DiffProbeError } from '../../core/errors';
import type { Manifest } from '../../core/manifest/types';
import type { ExternalData } from './open-session';

/**
 * The values for every extra input of `manifest` fed from a .npy, and the given files that are not
 * such inputs (the graph's external data). `previous` are the loaded model's values, reused for a
 * file with the same sha256.
 */
export async function resolveInputData(
  manifest: Manifest | null,
  files: ExternalData,
  previous: { manifest: Manifest; constants: Readonly<Record<string, Float32Array>> } | null,
): Promise<{ constants: Record<string, Float32Array>; rest: ExternalData }> {
  const wanted = (manifest?.extraInputs ?? []).filter((e) => e.data);
  const byName = new Map(files.map((f) => [f.path.split('/').pop() ?? f.path, f]));
  const used = new Set<string>();
  const constants: Record<string, Float32Array> = {};
  for (const extra of wanted) {
    const data = extra.data!;
    const file = byName.get(data.file.split('/').pop() ?? data.file);
    if (file) {
      constants[extra.name] = await inputDataFromNpy(extra, file.data);
      used.add(file.path);
      continue;
    }
    const before = previous?.manifest.extraInputs?.find((e) => e.name === extra.name);
    const kept = previous?.constants[extra.name];
    if (kept && before?.data?.sha256 === data.sha256) {
      constants[extra.name] = kept;
      continue;
    }
    throw new DiffProbeError(
      'model-missing',
      `the manifest feeds "${extra.name}" from ${data.file}: pick that .npy together with the .onnx and the manifest`,
      { missing: [data.file] },
    );
  }
  return { constants, rest: files.filter((f) => !used.has(f.path)) };
}
