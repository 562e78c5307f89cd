/**
 * @file Draws every channel of a [C, H, W] map as a heat-map tile on one canvas.
 */
import {
  type ChannelOrder,
  channelOrder,
  channelRanges,
  gridColumns,
  type Normalisation,
  summarise,
  unit,
} from './tiles';

export type Colormap = (t: number) => string;

/** 256-entry RGB lookup table of a d3 colormap (parsing CSS colours per pixel would be slow). */
export function colormapTable(interpolate: Colormap): Uint8Array {
  const table = new Uint8Array(256 * 3);
  const canvas = new OffscreenCanvas(1, 1);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  for (let i = 0; i < 256; i++) {
    ctx.fillStyle = interpolate(i / 255);
    ctx.fillRect(0, 0, 1, 1);
    const [r, g, b] = ctx.getImageData(0, 0, 1, 1).data;
    table.set([r, g, b], i * 3);
  }
  return table;
}

export interface TileLayout {
  columns: number;
  order: number[];
  tileW: number;
  tileH: number;
  gap: number;
}

/** Width over height of the tiled canvas drawTiles makes for a [C, H, W] map (CSS sizes it before drawing). */
export function tileAspect(shape: readonly [number, number, number], gap = 1): number {
  const [C, H, W] = shape;
  const columns = gridColumns(C);
  const rows = Math.ceil(C / columns);
  return (columns * (W + gap) - gap) / (rows * (H + gap) - gap);
}

export function drawTiles(
  canvas: HTMLCanvasElement,
  map: { data: Float32Array; shape: [number, number, number] },
  options: { order: ChannelOrder; norm: Normalisation; table: Uint8Array; gap?: number },
): TileLayout {
  const [C, H, W] = map.shape;
  const gap = options.gap ?? 1;
  const summary = summarise(map.data, C, H * W);
  const order = channelOrder(summary, options.order);
  const ranges = channelRanges(summary, options.norm);
  const columns = gridColumns(C);
  const rows = Math.ceil(C / columns);
  canvas.width = columns * (W + gap) - gap;
  canvas.height = rows * (H + gap) - gap;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(canvas.width, canvas.height);
  image.data.fill(255);
  const { table } = options;
  for (const [slot, c] of order.entries()) {
    const x0 = (slot % columns) * (W + gap);
    const y0 = Math.floor(slot / columns) * (H + gap);
    const [lo, hi] = ranges[c];
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const k = Math.round(unit(map.data[c * H * W + y * W + x], lo, hi) * 255) * 3;
        const o = ((y0 + y) * canvas.width + x0 + x) * 4;
        image.data[o] = table[k];
        image.data[o + 1] = table[k + 1];
        image.data[o + 2] = table[k + 2];
      }
  }
  ctx.putImageData(image, 0, 0);
  return { columns, order, tileW: W, tileH: H, gap };
}
