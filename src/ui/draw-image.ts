/**
 * @file Drawing small images onto canvases: gray bytes, and model-space floats mapped back to bytes.
 * Plain functions of (canvas, data) so components only size canvases and call them.
 */

/** Draws 1-channel (gray) or 3-channel (HWC) bytes at native size; CSS scales the canvas. */
export function drawBytes(
  canvas: HTMLCanvasElement,
  bytes: Uint8Array,
  width: number,
  height: number,
  channels = 1,
): void {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const image = ctx.createImageData(width, height);
  for (let p = 0; p < width * height; p++) {
    const r = bytes[p * channels];
    image.data[p * 4] = r;
    image.data[p * 4 + 1] = channels === 3 ? bytes[p * 3 + 1] : r;
    image.data[p * 4 + 2] = channels === 3 ? bytes[p * 3 + 2] : r;
    image.data[p * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}
