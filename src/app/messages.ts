/**
 * @file The one table of user-facing error text, used by the UI and the CLI. `core/` throws codes;
 * this says, for each, what went wrong and what to do about it.
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
  internal: { title: 'Something went wrong', action: 'Try again; if it persists, reload the page.' },
};

/** A human title and text for any thrown value. */
export function describeError(error: unknown): { code: ErrorCode; title: string; text: string } {
  const code: ErrorCode = error instanceof DiffProbeError ? error.code : 'internal';
  const message = error instanceof Error ? error.message : String(error);
  const { title, action } = ERROR_MESSAGES[code];
  return { code, title, text: `${message}. ${action}`.replace(/\.\. /, '. ') };
}
