import { describe, expect, it } from 'vitest';
import {
  convertPixels,
  convertRgba,
  type ModelInputSpec,
  modelInputToGray8,
  modelInputToHwc8,
  modelInputToRgba,
  pixelsToModelInput,
  rgbaToModelInput,
} from './convert';

const gray28: ModelInputSpec = { channels: 1, height: 28, width: 28, mean: [0.5], std: [0.5] };

function rgbaOf(
  w: number,
  h: number,
  f: (x: number, y: number) => [number, number, number, number],
): Uint8Array {
  const out = new Uint8Array(4 * w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.set(f(x, y), 4 * (y * w + x));
  return out;
}

describe('rgbaToModelInput', () => {
  it('exact numbers for a tiny case: 2×2 → 1×1 grey, then invert and normalise', () => {
    // pixels: white, black, red, transparent (→ white). Area average of the lumas.
    const rgba = new Uint8Array([255, 255, 255, 255, 0, 0, 0, 255, 255, 0, 0, 255, 0, 0, 0, 0]);
    const spec: ModelInputSpec = { channels: 1, height: 1, width: 1, mean: [0.5], std: [0.5] };
    const y = (255 + 0 + 0.299 * 255 + 255) / 4;
    expect(rgbaToModelInput(rgba, 2, 2, spec)[0]).toBeCloseTo((y / 255 - 0.5) / 0.5, 6);
    expect(rgbaToModelInput(rgba, 2, 2, { ...spec, invert: 'always' })[0]).toBeCloseTo(
      ((255 - y) / 255 - 0.5) / 0.5,
      6,
    );
  });

  it('normalises per channel in CHW order', () => {
    const rgba = new Uint8Array([255, 51, 0, 255]);
    const spec: ModelInputSpec = {
      channels: 3,
      height: 1,
      width: 1,
      mean: [0.5, 0.1, 0],
      std: [0.5, 0.2, 1],
    };
    const x = rgbaToModelInput(rgba, 1, 1, spec);
    expect(x[0]).toBeCloseTo(1, 6);
    expect(x[1]).toBeCloseTo(0.5, 6);
    expect(x[2]).toBe(0);
  });

  it('centres the crop of a 40×20 image', () => {
    // Column x holds grey value 5·x; target 10×10 → resize to 20×10 (2× area average), crop cols 5…14
    const rgba = rgbaOf(40, 20, (x) => [5 * x, 5 * x, 5 * x, 255]);
    const spec: ModelInputSpec = { channels: 1, height: 10, width: 10, mean: [0], std: [1] };
    const out = rgbaToModelInput(rgba, 40, 20, spec);
    const firstRow = Array.from(out.subarray(0, 10), (v) => Math.round(v * 255 * 100) / 100);
    // resized column j averages source columns 2j and 2j+1 → 5·(4j + 1)/2 = 10j + 2.5
    expect(firstRow).toEqual(Array.from({ length: 10 }, (_, i) => 10 * (i + 5) + 2.5));
    // every row is the same
    expect(Array.from(out.subarray(90, 100))).toEqual(Array.from(out.subarray(0, 10)));
  });

  it('a grey image already at target size equals the data-set path bit for bit', () => {
    const pixels = Uint8Array.from({ length: 28 * 28 }, (_, i) => (i * 37) % 256);
    const rgba = rgbaOf(28, 28, (x, y) => {
      const v = pixels[y * 28 + x];
      return [v, v, v, 255];
    });
    for (const invert of ['never', 'always', 'auto'] as const) {
      const spec = { ...gray28, invert };
      expect(Array.from(rgbaToModelInput(rgba, 28, 28, spec))).toEqual(
        Array.from(pixelsToModelInput(pixels, spec)),
      );
    }
  });

  it('rejects empty and oversized images and bad specs', () => {
    expect(() => rgbaToModelInput(new Uint8Array(0), 0, 5, gray28)).toThrow(
      expect.objectContaining({ code: 'image-empty' }),
    );
    expect(() => rgbaToModelInput(new Uint8Array(4), 10_000, 10_000, gray28)).toThrow(
      expect.objectContaining({ code: 'image-too-large' }),
    );
    expect(() => rgbaToModelInput(new Uint8Array(4), 2, 2, gray28)).toThrow(/RGBA length 4/);
    expect(() => rgbaToModelInput(new Uint8Array(4), 1, 1, { ...gray28, std: [0] })).toThrow(/std \[0\]/);
  });
});

describe('polarity in the conversion', () => {
  const garment = Uint8Array.from({ length: 28 * 28 }, (_, i) => {
    const x = i % 28;
    const y = Math.floor(i / 28);
    return x >= 8 && x < 20 && y >= 4 && y < 24 ? 230 - ((x * y) % 40) : 0;
  });

  it('auto keeps a light-on-dark image and inverts its negative: both give the same x_0', () => {
    const spec = { ...gray28, invert: 'auto' as const };
    const kept = convertPixels(garment, spec);
    const flipped = convertPixels(
      garment.map((v) => 255 - v),
      spec,
    );
    expect(kept.polarity).toMatchObject({ inverted: false, reason: 'dark-background' });
    expect(flipped.polarity).toMatchObject({ inverted: true, reason: 'light-background' });
    expect(Array.from(flipped.x0)).toEqual(Array.from(kept.x0));
  });

  it('a photo at another size is decided on the model-scale image, before the crop', () => {
    // 56×84 dark-on-white, a frame of 4 px all round: judged at 28×42, where the frame shows.
    const rgba = rgbaOf(56, 84, (x, y) => {
      const frame = x < 4 || y < 4 || x >= 52 || y >= 80;
      const object = x >= 16 && x < 40 && y >= 20 && y < 64;
      const v = frame ? 20 : object ? 40 : 235;
      return [v, v, v, 255];
    });
    const { polarity } = convertRgba(rgba, 56, 84, { ...gray28, invert: 'auto' });
    expect(polarity).toMatchObject({ inverted: true, reason: 'light-background', frame: 2 });
  });

  it('a transparent cut-out is composited over white first, so it is inverted', () => {
    const rgba = rgbaOf(30, 30, (x, y) =>
      x > 8 && x < 22 && y > 5 && y < 25 ? [40, 40, 40, 255] : [0, 0, 0, 0],
    );
    const { polarity, x0 } = convertRgba(rgba, 30, 30, { ...gray28, invert: 'auto' });
    expect(polarity).toMatchObject({ inverted: true, reason: 'light-background', background: 255 });
    expect(x0[0]).toBe(-1); // the transparent corner: white, inverted to black
  });

  it('an RGB model: decided on the luma, every channel inverted', () => {
    const rgb: ModelInputSpec = {
      channels: 3,
      height: 8,
      width: 8,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
      invert: 'auto',
    };
    // A dark red object on a light yellow ground, 16×16.
    const rgba = rgbaOf(16, 16, (x, y) =>
      x >= 5 && x < 11 && y >= 5 && y < 11 ? [120, 10, 10, 255] : [250, 240, 180, 255],
    );
    const { polarity, x0 } = convertRgba(rgba, 16, 16, rgb);
    expect(polarity.inverted).toBe(true);
    // The corner pixel, per channel: 255 − v, normalised.
    expect([x0[0], x0[64], x0[128]].map((v) => Math.round((v * 0.5 + 0.5) * 255))).toEqual([5, 15, 75]);
    expect(convertRgba(rgba, 16, 16, { ...rgb, invert: 'never' }).polarity.inverted).toBe(false);
  });
});

describe('pixelsToModelInput', () => {
  it('maps 0…255 to the normalised range and de-interleaves RGB', () => {
    const spec: ModelInputSpec = {
      channels: 3,
      height: 1,
      width: 2,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
    };
    const x = pixelsToModelInput(new Uint8Array([0, 255, 0, 255, 0, 255]), spec);
    expect(Array.from(x)).toEqual([-1, 1, 1, -1, -1, 1]);
  });
});

describe('back to bytes', () => {
  it('modelInputToGray8 maps range to 0…255, clamped', () => {
    const g = modelInputToGray8(new Float32Array([-1, 0, 1, 3, -7]), 1, 1, 5, [-1, 1]);
    expect(Array.from(g)).toEqual([0, 128, 255, 255, 0]);
  });

  it('inverts rgbaToModelInput for grey pixels', () => {
    const pixels = Uint8Array.from({ length: 28 * 28 }, (_, i) => i % 256);
    const x = pixelsToModelInput(pixels, gray28);
    expect(Array.from(modelInputToGray8(x, 1, 28, 28, [-1, 1]))).toEqual(Array.from(pixels));
  });

  it('3 channels go through luma; RGBA output is opaque', () => {
    const x = new Float32Array([1, -1, -1]); // pure red in [-1, 1]
    expect(modelInputToGray8(x, 3, 1, 1, [-1, 1])[0]).toBe(76);
    expect(Array.from(modelInputToRgba(x, 3, 1, 1, [-1, 1]))).toEqual([255, 0, 0, 255]);
    // Interleaved HWC, clamped: channel planes [1, -1 | -1, 3 | 0, 0] over two pixels.
    const two = new Float32Array([1, -1, -1, 3, 0, 0]);
    expect(Array.from(modelInputToHwc8(two, 3, 1, 2, [-1, 1]))).toEqual([255, 0, 128, 0, 255, 128]);
    expect(Array.from(modelInputToRgba(new Float32Array([0]), 1, 1, 1, [-1, 1]))).toEqual([
      128, 128, 128, 255,
    ]);
  });
});
