/**
 * @file A bundled Fashion-MNIST image as a user's PNG on a light background (inverted), which
 * `--invert auto` turns back: for tests of the user's own images and of their polarity.
 */
import pngjs from 'pngjs';

/** Image `i` of 28×28 uint8 `images`, inverted, as PNG bytes. */
export function lightPng(images: Uint8Array, i: number): Buffer {
  const png = new pngjs.PNG({ width: 28, height: 28 });
  for (let k = 0; k < 784; k++) {
    const v = 255 - images[i * 784 + k];
    png.data.set([v, v, v, 255], k * 4);
  }
  return pngjs.PNG.sync.write(png);
}
