/**
 * @file Drawing an embedding: the points on a canvas (thousands of them; SVG would be slow), the
 * axes with d3-axis into SVG groups. Plain functions of their inputs, called from one effect.
 */
import { axisBottom, axisLeft, type ScaleLinear, type Selection } from 'd3';

export interface PointStyle {
  coords: Float32Array;
  labels: Int32Array;
  colors: readonly string[];
  hidden: ReadonlySet<number>;
  /** Points to emphasise (a selection, or the points hovered/selected in the other view). */
  highlighted: ReadonlySet<number>;
  /** The hovered point (here or in the linked view), or -1. */
  hover: number;
  radius: number;
}

export interface PlotArea {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Screen positions of every point under the current scales (for hit tests and drawing). */
export function screenPositions(
  coords: Float32Array,
  x: (v: number) => number,
  y: (v: number) => number,
): { sx: Float32Array; sy: Float32Array } {
  const n = coords.length / 2;
  const sx = new Float32Array(n);
  const sy = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    sx[i] = x(coords[2 * i]);
    sy[i] = y(coords[2 * i + 1]);
  }
  return { sx, sy };
}

/**
 * Clears the canvas (in CSS pixels; the context is already scaled for the device) and draws the
 * points class by class, one path per class. With a highlight, other points are faded.
 */
export function drawPoints(
  ctx: CanvasRenderingContext2D,
  sx: Float32Array,
  sy: Float32Array,
  style: PointStyle,
  area: PlotArea,
  size: { width: number; height: number },
): void {
  const { labels, colors, hidden, highlighted, hover, radius } = style;
  ctx.clearRect(0, 0, size.width, size.height);
  ctx.save();
  ctx.beginPath();
  ctx.rect(area.x, area.y, area.width, area.height);
  ctx.clip();
  const fade = highlighted.size > 0;
  const n = sx.length;
  for (let c = 0; c < colors.length; c++) {
    if (hidden.has(c)) continue;
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      if (labels[i] !== c || (fade && highlighted.has(i))) continue;
      ctx.moveTo(sx[i] + radius, sy[i]);
      ctx.arc(sx[i], sy[i], radius, 0, 2 * Math.PI);
    }
    ctx.globalAlpha = fade ? 0.2 : 0.8;
    ctx.fillStyle = colors[c];
    ctx.fill();
  }
  if (fade) {
    ctx.globalAlpha = 1;
    ctx.strokeStyle = '#1d2330';
    ctx.lineWidth = 0.8;
    for (const i of highlighted) {
      if (i >= n || hidden.has(labels[i])) continue;
      ctx.beginPath();
      ctx.arc(sx[i], sy[i], radius + 0.8, 0, 2 * Math.PI);
      ctx.fillStyle = colors[labels[i]] ?? '#888';
      ctx.fill();
      ctx.stroke();
    }
  }
  if (hover >= 0 && hover < n && !hidden.has(labels[hover])) {
    ctx.globalAlpha = 1;
    ctx.beginPath();
    ctx.arc(sx[hover], sy[hover], radius + 3, 0, 2 * Math.PI);
    ctx.fillStyle = colors[labels[hover]] ?? '#888';
    ctx.fill();
    ctx.lineWidth = 2;
    ctx.strokeStyle = '#000';
    ctx.stroke();
  }
  ctx.restore();
}

/** Axes along the bottom and the left of the plot area, 5 ticks each. */
export function drawAxes(
  gx: Selection<SVGGElement, unknown, null, undefined>,
  gy: Selection<SVGGElement, unknown, null, undefined>,
  x: ScaleLinear<number, number>,
  y: ScaleLinear<number, number>,
  area: PlotArea,
): void {
  gx.attr('transform', `translate(0,${area.y + area.height})`).call(axisBottom(x).ticks(5).tickSizeOuter(0));
  gy.attr('transform', `translate(${area.x},0)`).call(axisLeft(y).ticks(5).tickSizeOuter(0));
  for (const g of [gx, gy]) {
    g.attr('font-size', 9).attr('color', '#5b6474');
  }
}
