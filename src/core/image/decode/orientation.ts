/**
 * @file EXIF orientation applied to RGBA pixels, so that an image is converted as a viewer shows
 * it: a phone photo stored sideways with orientation 6 is turned upright. Checked against Pillow's
 * ImageOps.exif_transpose (orientation.test.ts).
 */

/**
 * Stored (x, y) of displayed pixel (X, Y) for an image stored W×H, per orientation 1…8 (TIFF 6.0:
 * where row 0 and column 0 of the stored image lie when displayed).
 */
function source(o: number, X: number, Y: number, W: number, H: number): [number, number] {
  switch (o) {
    case 2: // mirrored left–right
      return [W - 1 - X, Y];
    case 3: // rotated 180°
      return [W - 1 - X, H - 1 - Y];
    case 4: // mirrored top–bottom
      return [X, H - 1 - Y];
    case 5: // transposed
      return [Y, X];
    case 6: // stored rotated 90° counter-clockwise: turn it 90° clockwise
      return [Y, H - 1 - X];
    case 7: // transversed
      return [W - 1 - Y, H - 1 - X];
    case 8: // stored rotated 90° clockwise: turn it 90° counter-clockwise
      return [W - 1 - Y, X];
    default:
      return [X, Y];
  }
}

/**
 * The displayed image of RGBA pixels stored with EXIF orientation `o` (1…8; 1 returns the input).
 * Orientations 5–8 swap width and height.
 */
export function applyOrientation(
  rgba: Uint8Array,
  width: number,
  height: number,
  o: number,
): { rgba: Uint8Array; width: number; height: number } {
  if (o === 1 || o < 1 || o > 8) return { rgba, width, height };
  const swap = o >= 5;
  const outW = swap ? height : width;
  const outH = swap ? width : height;
  // Whole pixels at once (4 bytes each); a view needs 4-byte alignment.
  const aligned = rgba.byteOffset % 4 ? rgba.slice() : rgba;
  const src = new Uint32Array(aligned.buffer, aligned.byteOffset, width * height);
  const out = new Uint8Array(outW * outH * 4);
  const dst = new Uint32Array(out.buffer);
  for (let Y = 0; Y < outH; Y++)
    for (let X = 0; X < outW; X++) {
      const [x, y] = source(o, X, Y, width, height);
      dst[Y * outW + X] = src[y * width + x];
    }
  return { rgba: out, width: outW, height: outH };
}
