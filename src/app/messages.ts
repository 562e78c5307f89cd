/**
 * @file The one table of user-facing error text, used by the UI and the CLI. `core/` throws codes;
 * this says, for each, what went wrong and what to do about it. The CLI has its own wording where
 * the app's speaks of the page, buttons or backends ({@link CLI_MESSAGES}): a terminal user
 * cannot reload a page, but can change an option.
 */
import { DiffProbeError, type ErrorCode } from '../core/errors';

export const ERROR_MESSAGES: { [K in ErrorCode]: { title: string; action: string } } = {
  'manifest-invalid': {
    title: 'The model manifest is not valid',
    action: 'Fix the fields listed below (docs/manifest.md describes the format), then open the model again.',
  },
  'model-missing': {
    title: 'The model could not be found',
    action: 'Check that the .onnx file sits next to its manifest under the name the manifest gives.',
  },
  'model-corrupt': {
    title: 'The model file is damaged or not an ONNX model',
    action: 'Re-export or re-download the .onnx file and open it again.',
  },
  'model-mismatch': {
    title: 'The model does not match its manifest',
    action: 'Make the manifest name the graph’s real input and output names and shapes.',
  },
  'model-unsupported': {
    title: 'This ONNX model cannot be used as a diffusion U-Net',
    action:
      'DiffProbe needs a 4-D float image input (NCHW), a timestep input and an output of the image’s shape; re-export the model (docs/export.md).',
  },
  'model-nonfinite': {
    title: 'The model produced NaN or Inf',
    action:
      'Check the model at that timestep (schedule, timestep dtype, input range); the blocks and timesteps named above are affected.',
  },
  'model-changed': {
    title: 'The model changed while this ran',
    action: 'Run it again with the model now loaded; results computed before the change are kept.',
  },
  'image-decode': {
    title: 'This file could not be read as an image',
    action: 'Use a PNG, JPEG, WebP, BMP or GIF file.',
  },
  'image-too-large': {
    title: 'This image is too large',
    action: 'Scale it down below the limit shown and add it again.',
  },
  'image-type': {
    title: 'This file type is not supported',
    action: 'Use a PNG, JPEG, WebP, BMP or GIF file.',
  },
  'image-empty': { title: 'This file is empty', action: 'Pick the file again; it has 0 bytes.' },
  'dataset-invalid': {
    title: 'The bundled data set could not be loaded',
    action: 'Reload the page; if it persists, rebuild the data with tools/model/make_data.py.',
  },
  'npy-invalid': {
    title: 'This .npy file cannot be read',
    action: 'Save it with numpy.save as a C-ordered array.',
  },
  cancelled: { title: 'Stopped', action: 'Results computed before stopping are kept.' },
  'backend-unavailable': {
    title: 'That backend is not available here',
    action: 'Choose “Auto” or “WASM” as the backend.',
  },
  'out-of-memory': {
    title: 'Ran out of memory',
    action: 'Use a smaller batch size or fewer images, or switch the backend to WASM.',
  },
  'device-lost': {
    title: 'The GPU device was lost',
    action: 'DiffProbe switched to WASM; your results are kept. Reload to try WebGPU again.',
  },
  'probe-data': {
    title: 'The probe cannot be trained on this data',
    action: 'Add more labelled images as described below.',
  },
  'cka-data': {
    title: 'CKA cannot be computed on this data',
    action:
      'Use more images, or other blocks or timesteps, as described below; results computed so far are kept.',
  },
  'twin-no-weights': {
    title: 'This model has no weights to re-draw',
    action:
      'A random-weights twin re-draws the weights of Conv, ConvTranspose, Gemm and MatMul layers and resets normalisation; this graph has none of them as initializers, so its twin would be the same model.',
  },
  'sampler-options': {
    title: 'These sampler settings cannot be used',
    action: 'Change the setting named above (the Generate panel marks it), then generate again.',
  },
  internal: { title: 'Something went wrong', action: 'Try again; if it persists, reload the page.' },
};

/**
 * The terminal's wording: every code has one (a new code without it is a type error), with the
 * app's title unless the CLI needs another, and an action in terms of the command line.
 */
export const CLI_MESSAGES: { [K in ErrorCode]: { title?: string; action: string } } = {
  'manifest-invalid': {
    action: 'Fix the fields listed (docs/manifest.md describes the format); `diffprobe validate` checks it.',
  },
  'model-missing': {
    title: 'The model or its manifest could not be read',
    action:
      'Check the --manifest path, and that the .onnx sits next to it under the name the manifest gives.',
  },
  'model-corrupt': { action: 'Re-export or re-download the .onnx file.' },
  'model-mismatch': {
    action:
      'Use the manifest made for this .onnx file (its model.sha256, input and output names must match).',
  },
  'model-unsupported': { action: ERROR_MESSAGES['model-unsupported'].action },
  'model-nonfinite': {
    action:
      'Check the model at that timestep (schedule, timestep dtype, input range), or choose another --t.',
  },
  'model-changed': { action: 'Run the command again.' },
  'image-decode': {
    action: 'The CLI reads PNG and JPEG files; re-save the file named above as one of them.',
  },
  'image-too-large': { action: 'Scale the image named above down below the limit and run again.' },
  'image-type': { action: 'The CLI reads PNG and JPEG files; convert the file named above.' },
  'image-empty': { action: 'Remove or replace the file named above.' },
  'dataset-invalid': {
    title: 'The images could not be loaded',
    action:
      'Check --data (bundled:<split>, IDX files, a folder with one subfolder per class, or a .npy of uint8 images) and --labels; for the bundled data, rebuild it with tools/model/make_data.py.',
  },
  'npy-invalid': { action: ERROR_MESSAGES['npy-invalid'].action },
  cancelled: { title: 'Interrupted', action: 'Nothing was written; run the command again.' },
  'backend-unavailable': {
    title: 'That device is not available here',
    action: 'Run with --device cpu, or install what is named above.',
  },
  'out-of-memory': {
    action: 'Use a smaller --batch or fewer images (--count), or split the work with --shard.',
  },
  'device-lost': { title: 'The GPU failed', action: 'Run again, or with --device cpu.' },
  'probe-data': {
    action: 'Use more images (--n-train, --n-test) or other data, as described above.',
  },
  'cka-data': { action: 'Use more images (--count) or other --blocks / --t, as described above.' },
  'twin-no-weights': { action: 'Run without --random-weights: this model’s twin would be the model itself.' },
  'sampler-options': { action: 'Change the option named above and run again.' },
  internal: {
    action: 'Run again; if it persists, report it with the command line and this message.',
  },
};

/** A human title and text for any thrown value; `surface` 'cli' uses the terminal's wording. */
export function describeError(
  error: unknown,
  surface: 'app' | 'cli' = 'app',
): { code: ErrorCode; title: string; text: string } {
  const code: ErrorCode = error instanceof DiffProbeError ? error.code : 'internal';
  const message = error instanceof Error ? error.message : String(error);
  const app = ERROR_MESSAGES[code];
  const { title, action } = surface === 'cli' ? { ...app, ...CLI_MESSAGES[code] } : app;
  return { code, title, text: `${message}. ${action}`.replace(/\.\. /, '. ') };
}
