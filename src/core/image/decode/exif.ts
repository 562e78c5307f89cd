/**
 * @file The one EXIF tag DiffProbe reads: Orientation (0x0112), from a TIFF structure (a JPEG's
 * APP1 "Exif" payload after its 6-byte header, or a PNG's eXIf chunk). Hand-written rather than a
 * library (exifr, exif-reader): one tag of IFD0 is ~40 lines, and a corrupt block must give a
 * reason rather than an exception, since the photo itself is still good.
 */

export interface ExifOrientation {
  /** 1…8 as stored (1 = upright), or null when absent, unreadable or out of range. */
  orientation: number | null;
  /** Why the block was not used ("orientation 9 is not 1–8", "the EXIF block is corrupt: …"), or null. */
  problem: string | null;
}

const ORIENTATION = 0x0112;

/** Reads IFD0's Orientation from TIFF bytes; never throws. */
export function readOrientation(tiff: Uint8Array): ExifOrientation {
  const corrupt = (why: string): ExifOrientation => ({
    orientation: null,
    problem: `the EXIF block is corrupt (${why})`,
  });
  if (tiff.length < 8) return corrupt(`${tiff.length} bytes`);
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const order = String.fromCharCode(tiff[0], tiff[1]);
  if (order !== 'II' && order !== 'MM') return corrupt('no II/MM byte order mark');
  const little = order === 'II';
  if (view.getUint16(2, little) !== 42) return corrupt('no TIFF magic number 42');
  const ifd = view.getUint32(4, little);
  if (ifd < 8 || ifd + 2 > tiff.length) return corrupt(`IFD0 at ${ifd} is outside its ${tiff.length} bytes`);
  const count = view.getUint16(ifd, little);
  if (ifd + 2 + 12 * count > tiff.length) return corrupt(`IFD0's ${count} entries run past its end`);
  for (let i = 0; i < count; i++) {
    const at = ifd + 2 + 12 * i;
    if (view.getUint16(at, little) !== ORIENTATION) continue;
    const type = view.getUint16(at + 2, little);
    // SHORT (3) as the standard says; some writers use LONG (4).
    const value =
      type === 3 ? view.getUint16(at + 8, little) : type === 4 ? view.getUint32(at + 8, little) : null;
    if (value === null) return corrupt(`orientation of TIFF type ${type}`);
    if (value < 1 || value > 8)
      return { orientation: null, problem: `its EXIF orientation ${value} is not 1–8` };
    return { orientation: value, problem: null };
  }
  return { orientation: null, problem: null };
}
