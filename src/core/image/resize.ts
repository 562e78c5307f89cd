/**
 * @file Resizing and cropping planar float images (CHW, any number of channels).
 *
 * Downscaling averages the source area each output pixel covers (a box filter with fractional
 * edge weights, like PIL's BOX / OpenCV's INTER_AREA): large photos → 28×28 would alias badly
 * with bilinear. Upscaling is bilinear with half-pixel centres (torch `align_corners=False`).
 * Each axis picks its filter independently; equal sizes copy exactly.
 */

/** For one axis: output pixel o reads src[start[o] + k] with weight weights[o][k]. */
interface AxisWeights {
  readonly start: Int32Array;
  readonly weights: Float64Array[];
}

/** Box-filter weights for shrinking `srcN` pixels to `dstN` (dstN < srcN). */
function areaWeights(srcN: number, dstN: number): AxisWeights {
  const scale = srcN / dstN;
  const start = new Int32Array(dstN);
  const weights: Float64Array[] = [];
  for (let o = 0; o < dstN; o++) {
    const lo = o * scale;
    const hi = (o + 1) * scale;
    const k0 = Math.floor(lo);
    const k1 = Math.min(srcN, Math.ceil(hi));
    const w = new Float64Array(k1 - k0);
    let total = 0;
    for (let k = k0; k < k1; k++) {
      w[k - k0] = Math.min(k + 1, hi) - Math.max(k, lo);
      total += w[k - k0];
    }
    // Normalise by the actual total so a constant image stays constant to the last bit we can.
    for (let i = 0; i < w.length; i++) w[i] /= total;
    start[o] = k0;
    weights.push(w);
  }
  return { start, weights };
}

/** Bilinear weights (half-pixel centres, edges clamped) for `srcN` → `dstN` (dstN ≥ srcN). */
function bilinearWeights(srcN: number, dstN: number): AxisWeights {
  const scale = srcN / dstN;
  const start = new Int32Array(dstN);
  const weights: Float64Array[] = [];
  for (let o = 0; o < dstN; o++) {
    const p = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), srcN - 1);
    const k0 = Math.floor(p);
    const f = p - k0;
    start[o] = k0;
    weights.push(k0 + 1 < srcN && f > 0 ? Float64Array.of(1 - f, f) : Float64Array.of(1));
  }
  return { start, weights };
}

function axisWeights(srcN: number, dstN: number): AxisWeights {
  return dstN < srcN ? areaWeights(srcN, dstN) : bilinearWeights(srcN, dstN);
}

/**
 * Resize every plane of a CHW image to dstH×dstW (separable: rows, then columns).
 *
 * @param src planar floats, length channels·srcH·srcW.
 * @returns Float32Array of length channels·dstH·dstW.
 * @example resizePlanes(gray56, 1, 56, 56, 28, 28)
 */
export function resizePlanes(
  src: Float32Array,
  channels: number,
  srcH: number,
  srcW: number,
  dstH: number,
  dstW: number,
): Float32Array {
  if (srcH === dstH && srcW === dstW) return src.slice();
  const wx = axisWeights(srcW, dstW);
  const wy = axisWeights(srcH, dstH);
  const tmp = new Float64Array(srcH * dstW);
  const out = new Float32Array(channels * dstH * dstW);
  for (let c = 0; c < channels; c++) {
    const plane = c * srcH * srcW;
    for (let y = 0; y < srcH; y++) {
      const row = plane + y * srcW;
      for (let x = 0; x < dstW; x++) {
        const w = wx.weights[x];
        const s = row + wx.start[x];
        let acc = 0;
        for (let k = 0; k < w.length; k++) acc += w[k] * src[s + k];
        tmp[y * dstW + x] = acc;
      }
    }
    const outPlane = c * dstH * dstW;
    for (let y = 0; y < dstH; y++) {
      const w = wy.weights[y];
      const s = wy.start[y];
      for (let x = 0; x < dstW; x++) {
        let acc = 0;
        for (let k = 0; k < w.length; k++) acc += w[k] * tmp[(s + k) * dstW + x];
        out[outPlane + y * dstW + x] = acc;
      }
    }
  }
  return out;
}

/**
 * The size to resize a srcH×srcW image to so that it just covers targetH×targetW with its
 * aspect ratio kept: for a square target, the shorter side becomes the target size.
 * The limiting side is exact; the other is rounded and never smaller than the target.
 *
 * @returns [height, width]. @example coverSize(20, 40, 10, 10) // [10, 20]
 */
export function coverSize(srcH: number, srcW: number, targetH: number, targetW: number): [number, number] {
  if (targetH / srcH >= targetW / srcW) {
    return [targetH, Math.max(targetW, Math.round((srcW * targetH) / srcH))];
  }
  return [Math.max(targetH, Math.round((srcH * targetW) / srcW)), targetW];
}

/**
 * Cut the centred outH×outW window from each plane. When the excess is odd the extra pixel
 * goes to the bottom/right: offset = floor(excess / 2).
 *
 * @returns Float32Array of length channels·outH·outW.
 */
export function centerCrop(
  src: Float32Array,
  channels: number,
  h: number,
  w: number,
  outH: number,
  outW: number,
): Float32Array {
  const top = Math.floor((h - outH) / 2);
  const left = Math.floor((w - outW) / 2);
  const out = new Float32Array(channels * outH * outW);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < outH; y++) {
      const s = c * h * w + (top + y) * w + left;
      out.set(src.subarray(s, s + outW), (c * outH + y) * outW);
    }
  }
  return out;
}
