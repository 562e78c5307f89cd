/**
 * @file One file → an UploadedImage, converted in the image workers (worker/images/): the main
 * thread only reads the file's bytes and hands them over. The file is refused before it is read
 * when it is too big to be an image DiffProbe can use.
 */
import { DiffProbeError, quote } from '../../core/errors';
import { modelInputSpec } from '../../core/image/convert';
import type { InvertMode } from '../../core/image/polarity';
import type { Manifest } from '../../core/manifest/types';
import { inputKey, MAX_FILE_BYTES, type UploadedImage } from '../../data/uploads';
import { imageWorkers } from '../../worker/images/pool';

/**
 * Decodes and converts one file; throws a DiffProbeError whose message names the file.
 *
 * @param invert the polarity mode (the batch's choice, else the manifest's; see invertModeFor).
 */
export async function decodeImageFile(
  file: Blob & { name?: string },
  manifest: Manifest,
  className: string | null = null,
  name: string = file.name ?? 'pasted image',
  invert: InvertMode = manifest.preprocessing.invert,
  batch = '',
): Promise<UploadedImage> {
  if (file.size > MAX_FILE_BYTES)
    throw new DiffProbeError(
      'image-too-large',
      `${quote(name)} is ${(file.size / 2 ** 20).toFixed(0)} MB; the limit is ${MAX_FILE_BYTES / 2 ** 20} MB`,
    );
  if (file.size === 0) throw new DiffProbeError('image-empty', `${quote(name)} is empty (0 bytes)`);
  const c = await imageWorkers().convert({
    bytes: new Uint8Array(await file.arrayBuffer()),
    name,
    target: modelInputSpec(manifest, invert),
    range: manifest.input.range,
  });
  return {
    id: c.id,
    name,
    file,
    x0: c.x0,
    converted: c.converted,
    preview: c.preview,
    className,
    batch,
    polarity: c.polarity,
    decoder: c.decoder,
    notes: c.notes,
    decodedFor: inputKey(manifest),
    status: 'ready',
  };
}
