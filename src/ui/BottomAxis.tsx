import type { ScaleLinear } from 'd3-scale';

/**
 * A chart's x axis inside an SVG `<g>` that sets the font and fill: the baseline from `left` to
 * `right` at `y`, about five tick values at `tickY` and the axis title at `titleY`.
 */
export function BottomAxis({
  x,
  y,
  tickY,
  titleY,
  title,
  stroke,
}: {
  x: ScaleLinear<number, number>;
  y: number;
  tickY: number;
  titleY: number;
  title: string;
  stroke: string;
}) {
  const [left, right] = x.range();
  return (
    <>
      <line x1={left} x2={right} y1={y} y2={y} stroke={stroke} />
      {x.ticks(5).map((t) => (
        <text key={t} x={x(t)} y={tickY} textAnchor="middle">
          {t}
        </text>
      ))}
      <text x={(left + right) / 2} y={titleY} textAnchor="middle">
        {title}
      </text>
    </>
  );
}
