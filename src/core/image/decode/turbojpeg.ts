/**
 * @file JPEG → RGBA with libjpeg-turbo compiled to WebAssembly (the binary of the npm package
 * @cwasm/jpeg-turbo, libjpeg-turbo 2.0), driven through its TurboJPEG C API. The same .wasm runs
 * in the image workers and in Node, and WebAssembly integer code gives the same bytes on every
 * machine, so the browser and the CLI decode every JPEG bit for bit alike.
 *
 * Why this and not jpeg-js: libjpeg-turbo can decode straight to a reduced size in the DCT domain
 * (libjpeg's scale_num/scale_denom: 1/8 keeps one coefficient per 8×8 block, its mean), which
 * skips most of the inverse DCT, the colour conversion and the resize work. A 4000×3000 photo for
 * a 32×32 model is decoded at 500×375. docs/benchmarks.md has the figures.
 *
 * The environment supplies the compiled module (engine/jpeg-node.ts, engine/jpeg-web.ts): core
 * knows neither files nor URLs. Settings: accurate integer IDCT (JDCT_ISLOW) and libjpeg's
 * "fancy" chroma upsampling, TurboJPEG's defaults and Chromium's. No ICC profile is applied.
 */

/** Gives the compiled libjpeg-turbo module; each environment has its own (engine/jpeg-*.ts). */
export type JpegWasmSource = () => Promise<WebAssembly.Module>;

/** The decoded pixels, at the size that was chosen (see {@link JpegDecoder.decode}). */
export interface JpegPixels {
  rgba: Uint8Array;
  width: number;
  height: number;
  /** The full size stored in the file. */
  fullWidth: number;
  fullHeight: number;
  /** The DCT scaling used: the output is ⌈full · scale / 8⌉ on each side (8 = full size). */
  eighths: number;
  /** libjpeg's warning when the data was damaged but could be decoded (e.g. a corrupt segment). */
  warning: string | null;
}

/** The smallest size (stored orientation) the caller can use, given the full stored size. */
export type AtLeast = (width: number, height: number) => { width: number; height: number };

export interface JpegDecoder {
  /**
   * Decodes at the smallest scale n/8 (n = 1…8) whose output is at least `atLeast(full size)` on
   * both sides; at full size when `atLeast` is absent.
   * @throws Error with libjpeg's message when the file cannot be decoded.
   */
  decode(bytes: Uint8Array, atLeast?: AtLeast): JpegPixels;
}

/** The TurboJPEG 2.0 functions the binary exports (pointers are byte offsets in its memory). */
interface TurboJpegExports {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(pointer: number): void;
  tjInitDecompress(): number;
  tjDecompressHeader3(
    handle: number,
    src: number,
    size: number,
    width: number,
    height: number,
    subsamp: number,
    colorspace: number,
  ): number;
  tjDecompress2(
    handle: number,
    src: number,
    size: number,
    dst: number,
    width: number,
    pitch: number,
    height: number,
    pixelFormat: number,
    flags: number,
  ): number;
  tjDestroy(handle: number): number;
}

const TJPF_RGBA = 7;
const TJPF_CMYK = 11;
const TJCS_CMYK = 3;
const TJCS_YCCK = 4;
/** libjpeg's message buffers start as this; after an error one of them holds the message. */
const NO_ERROR = 'No error\0';
/** Past this much WebAssembly memory (a huge photo decoded at full size), start a fresh instance. */
const MEMORY_KEPT = 256 * 2 ** 20;

/** TurboJPEG's TJSCALED: a side of `full` pixels decoded at n/8. */
export const scaledSide = (full: number, eighths: number): number => Math.ceil((full * eighths) / 8);

/** The smallest n in 1…8 whose n/8 decode is at least `need` on both sides (8 if none is). */
export function chooseEighths(
  width: number,
  height: number,
  need: { width: number; height: number },
): number {
  for (let n = 1; n < 8; n++)
    if (scaledSide(width, n) >= need.width && scaledSide(height, n) >= need.height) return n;
  return 8;
}

/** A running instance of the module: its exports and where libjpeg writes its messages. */
interface Instance {
  x: TurboJpegExports;
  messageAt: number[];
}

/** Thrown by the `longjmp` import: libjpeg's error exit, which leaves the instance unusable. */
class LibjpegError extends Error {}

function instantiate(module: WebAssembly.Module): Instance {
  // libjpeg reports a fatal error by longjmp to the setjmp in TurboJPEG. WebAssembly without
  // exception handling cannot return twice, so setjmp returns 0 and longjmp throws through the
  // stack; the instance is then dropped (see decode) and a fresh one made from the same module.
  const fail = () => {
    throw new LibjpegError();
  };
  const none = () => 0;
  const instance = new WebAssembly.Instance(module, {
    env: { setjmp: none, longjmp: fail },
    wasi_snapshot_preview1: {
      environ_sizes_get: none,
      environ_get: none,
      proc_exit: fail,
      fd_close: none,
      fd_seek: none,
      fd_write: none,
    },
  });
  const x = instance.exports as unknown as TurboJpegExports;
  const memory = new Uint8Array(x.memory.buffer);
  const messageAt: number[] = [];
  const first = NO_ERROR.charCodeAt(0);
  for (let i = memory.indexOf(first); i >= 0; i = memory.indexOf(first, i + 1))
    if ([...NO_ERROR].every((c, k) => memory[i + k] === c.charCodeAt(0))) messageAt.push(i);
  return { x, messageAt };
}

/** libjpeg's last message, read from its buffer in the instance's memory (null if none). */
function lastMessage({ x, messageAt }: Instance): string | null {
  const memory = new Uint8Array(x.memory.buffer);
  for (const at of messageAt) {
    let end = at;
    while (end < memory.length && memory[end] !== 0 && end - at < 200) end++;
    const text = String.fromCharCode(...memory.subarray(at, end));
    if (text !== 'No error') return text;
  }
  return null;
}

/** Resets the message buffers, so that the next decode's warning is its own. */
function clearMessages({ x, messageAt }: Instance): void {
  const memory = new Uint8Array(x.memory.buffer);
  for (const at of messageAt)
    for (let k = 0; k < NO_ERROR.length; k++) memory[at + k] = NO_ERROR.charCodeAt(k);
}

/** Adobe's inverted CMYK → RGB as Chromium does it: R = C·K/255 (and G, B alike), truncated. */
function invertedCmykToRgba(cmyk: Uint8Array): Uint8Array {
  const out = new Uint8Array(cmyk.length);
  for (let i = 0; i < cmyk.length; i += 4) {
    const k = cmyk[i + 3];
    out[i] = ((cmyk[i] * k) / 255) | 0;
    out[i + 1] = ((cmyk[i + 1] * k) / 255) | 0;
    out[i + 2] = ((cmyk[i + 2] * k) / 255) | 0;
    out[i + 3] = 255;
  }
  return out;
}

/** A decoder over one compiled module; it keeps one instance and renews it after an error. */
export function jpegDecoder(module: WebAssembly.Module): JpegDecoder {
  let current: Instance | null = null;
  return {
    decode(bytes, atLeast) {
      const instance = current ?? instantiate(module);
      current = null; // kept again below only when the decode ends normally
      const { x } = instance;
      clearMessages(instance);
      const handle = x.tjInitDecompress();
      const src = x.malloc(bytes.length);
      const info = x.malloc(16);
      let dst = 0;
      try {
        if (!handle || !src || !info) throw new Error('out of memory');
        new Uint8Array(x.memory.buffer, src, bytes.length).set(bytes);
        if (x.tjDecompressHeader3(handle, src, bytes.length, info, info + 4, info + 8, info + 12) !== 0)
          throw new Error(lastMessage(instance) ?? 'unreadable JPEG header');
        const [fullWidth, fullHeight, , colorspace] = new Int32Array(x.memory.buffer, info, 4);
        const eighths = atLeast ? chooseEighths(fullWidth, fullHeight, atLeast(fullWidth, fullHeight)) : 8;
        const width = scaledSide(fullWidth, eighths);
        const height = scaledSide(fullHeight, eighths);
        // TurboJPEG converts CMYK/YCCK only to CMYK; the conversion to RGB is ours (below).
        const cmyk = colorspace === TJCS_CMYK || colorspace === TJCS_YCCK;
        dst = x.malloc(width * height * 4);
        if (!dst) throw new Error(`out of memory for ${width}×${height} pixels`);
        // Given exactly the n/8 size, TurboJPEG picks that scale (the largest that fits).
        const status = x.tjDecompress2(
          handle,
          src,
          bytes.length,
          dst,
          width,
          width * 4,
          height,
          cmyk ? TJPF_CMYK : TJPF_RGBA,
          0,
        );
        // −1 without an error exit is a warning: the data was damaged, the pixels were decoded.
        const warning = status === 0 ? null : (lastMessage(instance) ?? 'damaged JPEG data');
        const raw = new Uint8Array(x.memory.buffer, dst, width * height * 4);
        const rgba = cmyk ? invertedCmykToRgba(raw) : raw.slice();
        if (x.memory.buffer.byteLength <= MEMORY_KEPT) current = instance;
        return { rgba, width, height, fullWidth, fullHeight, eighths, warning };
      } catch (error) {
        if (error instanceof LibjpegError) throw new Error(lastMessage(instance) ?? 'libjpeg error');
        throw error;
      } finally {
        // After an error exit the instance is dropped whole; otherwise free what this call took.
        if (current === instance) {
          x.free(dst);
          x.free(info);
          x.free(src);
          x.tjDestroy(handle);
        }
      }
    },
  };
}

/** One decoder per source, made when the first JPEG needs it (the .wasm is loaded on demand). */
export function lazyJpegDecoder(source: JpegWasmSource): () => Promise<JpegDecoder> {
  let decoder: Promise<JpegDecoder> | null = null;
  return () => {
    decoder ??= source().then(jpegDecoder);
    decoder.catch(() => {
      decoder = null; // a failed load is tried again by the next file
    });
    return decoder;
  };
}
