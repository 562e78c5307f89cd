/**
 * @file What `npm run bench:decode` bundles into a blank Chromium page to time the JPEG decoder
 * alone beside createImageBitmap: the decoder (over a compiled module) and the app's size rule.
 */
export { jpegDecoder } from '../../src/core/image/decode/turbojpeg';
export { decodeSizeFor } from '../../src/core/image/file';
