/// <reference lib="webworker" />
/**
 * @file Entry of an image worker: decodes and converts uploaded files (core/image/file.ts) off
 * the main thread and off the compute worker's queue, so adding a folder neither freezes the page
 * nor waits behind a running extraction. PNG and JPEG use the project's decoders (JPEG: libjpeg-turbo's
 * .wasm, fetched with the first JPEG); other formats the browser's, here in the worker
 * (createImageBitmap + OffscreenCanvas).
 */
import { DiffProbeError, quote } from '../../core/errors';
import { convertUpload } from '../../core/image/file';
import { webJpeg } from '../../engine/jpeg-web';
import { toWireError } from '../dispatch';
import type { ImageReply, ImageRequest } from './messages';

async function browserDecode(bytes: Uint8Array, name: string) {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]));
  } catch (error) {
    throw new DiffProbeError(
      'image-decode',
      `${quote(name)} could not be decoded (${(error as Error).message || 'corrupt data'})`,
    );
  }
  try {
    const { width, height } = bitmap;
    const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new DiffProbeError('image-decode', 'no 2-D canvas is available to read the image pixels');
    ctx.drawImage(bitmap, 0, 0);
    const data = ctx.getImageData(0, 0, width, height).data;
    return { rgba: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height };
  } finally {
    bitmap.close();
  }
}

const post = (reply: ImageReply, transfer: Transferable[] = []) =>
  (self as unknown as DedicatedWorkerGlobalScope).postMessage(reply, transfer);

self.addEventListener('message', async (event: MessageEvent<ImageRequest>) => {
  const { id, request } = event.data;
  try {
    const result = await convertUpload(request, { browser: browserDecode, jpeg: webJpeg });
    post({ id, result }, [result.x0.buffer, result.converted.buffer, result.preview.rgba.buffer]);
  } catch (error) {
    post({ id, error: toWireError(error) });
  }
});
