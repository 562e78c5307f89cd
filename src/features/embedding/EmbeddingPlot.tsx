import {
  pointer,
  type ScaleLinear,
  scaleLinear,
  select,
  type ZoomBehavior,
  type ZoomTransform,
  zoom,
  zoomIdentity,
} from 'd3';
import {
  forwardRef,
  type PointerEvent as ReactPointerEvent,
  useEffect,
  useImperativeHandle,
  useMemo,
  useRef,
  useState,
} from 'react';
import type { BundledDataset } from '../../data/bundled';
import type { EmbeddingRun } from '../../state/results';
import { drawAxes, drawPoints, type PlotArea, screenPositions } from './draw-points';
import { legendSvgFragment, pointsSvgFragment } from './export';
import { PointTooltip } from './PointTooltip';
import { fitExtent, nearestPoint, pointsInBox } from './points';

const W = 440;
const H = 360;
const AREA: PlotArea = { x: 38, y: 8, width: W - 38 - 8, height: H - 8 - 24 };
const HOVER_RADIUS = 8;
const LEGEND_WIDTH = 130;

export interface EmbeddingPlotHandle {
  /** A standalone copy of the plot as SVG: axes, the points as circles, and the legend. */
  exportSvg(): SVGSVGElement | null;
  resetZoom(): void;
}

interface Props {
  run: EmbeddingRun;
  label: string;
  dataset: BundledDataset;
  classes: readonly string[];
  colors: readonly string[];
  hidden: ReadonlySet<number>;
  selected: ReadonlySet<number>;
  /** The hovered point in either linked view, or -1. */
  hover: number;
  selectMode: boolean;
  onHover: (i: number) => void;
  onSelect: (indices: number[]) => void;
}

/** One embedding: points on a canvas, axes and the selection box in SVG, d3-zoom, hover, box select. */
export const EmbeddingPlot = forwardRef<EmbeddingPlotHandle, Props>(function EmbeddingPlot(props, ref) {
  const { run, label, dataset, classes, colors, hidden, selected, hover, selectMode, onHover, onSelect } =
    props;
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const gx = useRef<SVGGElement>(null);
  const gy = useRef<SVGGElement>(null);
  const zoomRef = useRef<ZoomBehavior<SVGSVGElement, unknown> | null>(null);
  const selectModeRef = useRef(selectMode);
  selectModeRef.current = selectMode;
  const [transform, setTransform] = useState<ZoomTransform>(zoomIdentity);
  const [box, setBox] = useState<{ a: [number, number]; b: [number, number] } | null>(null);
  const [local, setLocal] = useState<{ i: number; x: number; y: number } | null>(null);
  // CSS pixels per plot unit: the plot fills its column, so the canvas is drawn at that size.
  const [fit, setFit] = useState(1);
  const boxRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const observer = new ResizeObserver(() => setFit(Math.max(0.25, box.clientWidth / W)));
    observer.observe(box);
    return () => observer.disconnect();
  }, []);

  const coords = run.coords;
  const visible = (i: number) => !hidden.has(run.labels[i]);
  // Refit while the layout moves; the user's zoom applies on top of the fit.
  const base = useMemo(() => {
    const e = coords
      ? fitExtent(coords, () => true, AREA.width, AREA.height)
      : { x0: -1, x1: 1, y0: -1, y1: 1 };
    return {
      x: scaleLinear([e.x0, e.x1], [AREA.x, AREA.x + AREA.width]),
      y: scaleLinear([e.y0, e.y1], [AREA.y + AREA.height, AREA.y]),
    };
  }, [coords]);
  const scales = useMemo(
    () => ({ x: transform.rescaleX(base.x), y: transform.rescaleY(base.y) }),
    [base, transform],
  ) as { x: ScaleLinear<number, number>; y: ScaleLinear<number, number> };
  const screen = useMemo(
    () => (coords ? screenPositions(coords, scales.x, scales.y) : null),
    [coords, scales],
  );

  useEffect(() => {
    const svg = svgRef.current!;
    const z = zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.5, 64])
      // Shift-drag and Select mode draw a selection box instead of panning.
      .filter(
        (ev: MouseEvent) =>
          !ev.shiftKey && !selectModeRef.current && (!ev.ctrlKey || ev.type === 'wheel') && !ev.button,
      )
      .on('zoom', (ev: { transform: ZoomTransform }) => setTransform(ev.transform));
    zoomRef.current = z;
    select(svg).call(z);
    return () => {
      select(svg).on('.zoom', null);
    };
  }, []);

  const highlighted = selected;
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const scale = (window.devicePixelRatio || 1) * fit;
    if (canvas.width !== Math.round(W * scale)) {
      canvas.width = Math.round(W * scale);
      canvas.height = Math.round(H * scale);
    }
    const ctx = canvas.getContext('2d');
    if (ctx) {
      ctx.setTransform(scale, 0, 0, scale, 0, 0);
      const empty = new Float32Array(0);
      drawPoints(
        ctx,
        screen?.sx ?? empty,
        screen?.sy ?? empty,
        {
          coords: coords ?? empty,
          labels: run.labels,
          colors,
          hidden,
          highlighted,
          hover,
          // Larger plots get larger dots, but less than in proportion (they also spread further apart).
          radius: 2.2 / Math.sqrt(Math.max(1, fit)),
        },
        AREA,
        { width: W, height: H },
      );
    }
    if (gx.current && gy.current) drawAxes(select(gx.current), select(gy.current), scales.x, scales.y, AREA);
  }, [screen, coords, run.labels, colors, hidden, highlighted, hover, scales, fit]);

  useImperativeHandle(ref, () => ({
    resetZoom() {
      if (svgRef.current && zoomRef.current)
        select(svgRef.current).call(zoomRef.current.transform, zoomIdentity);
    },
    exportSvg() {
      const svg = svgRef.current;
      if (!svg || !coords) return null;
      const clone = svg.cloneNode(true) as SVGSVGElement;
      clone.querySelector('.selection-box')?.remove();
      clone.setAttribute('viewBox', `0 0 ${W + LEGEND_WIDTH} ${H}`);
      clone.insertAdjacentHTML(
        'afterbegin',
        `<rect width="${W + LEGEND_WIDTH}" height="${H}" fill="#fff"/><title>${label.replace(/[<&]/g, '')}</title>`,
      );
      clone.insertAdjacentHTML(
        'beforeend',
        pointsSvgFragment({
          coords,
          labels: run.labels,
          colors,
          hidden,
          x: scales.x,
          y: scales.y,
          radius: 2.2,
          area: AREA,
        }) + legendSvgFragment(classes, colors, hidden, W + 6, AREA.y + 4),
      );
      return clone;
    },
  }));

  const at = (ev: ReactPointerEvent<SVGSVGElement>) =>
    pointer(ev.nativeEvent, svgRef.current) as [number, number];
  const onPointerDown = (ev: ReactPointerEvent<SVGSVGElement>) => {
    if (!(ev.shiftKey || selectMode) || ev.button !== 0) return;
    const p = at(ev);
    svgRef.current?.setPointerCapture(ev.pointerId);
    setBox({ a: p, b: p });
    setLocal(null);
  };
  const onPointerMove = (ev: ReactPointerEvent<SVGSVGElement>) => {
    const p = at(ev);
    if (box) {
      setBox({ a: box.a, b: p });
      return;
    }
    if (!screen) return;
    const i = nearestPoint(screen.sx, screen.sy, p[0], p[1], visible, HOVER_RADIUS);
    setLocal(i >= 0 ? { i, x: screen.sx[i], y: screen.sy[i] } : null);
    if (i !== hover) onHover(i);
  };
  const onPointerUp = (ev: ReactPointerEvent<SVGSVGElement>) => {
    if (!box || !screen) return;
    svgRef.current?.releasePointerCapture(ev.pointerId);
    const b = at(ev);
    const tiny = Math.abs(b[0] - box.a[0]) < 3 && Math.abs(b[1] - box.a[1]) < 3;
    onSelect(tiny ? [] : pointsInBox(screen.sx, screen.sy, box.a, b, visible));
    setBox(null);
  };
  const onPointerLeave = () => {
    if (box) return;
    setLocal(null);
    onHover(-1);
  };

  return (
    <div ref={boxRef} className="embedding-plot" style={{ aspectRatio: `${W} / ${H}` }}>
      <canvas ref={canvasRef} role="img" aria-label={label} />
      <svg
        ref={svgRef}
        viewBox={`0 0 ${W} ${H}`}
        aria-hidden="true"
        className={selectMode ? 'selecting' : undefined}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerLeave={onPointerLeave}
      >
        <g ref={gx} />
        <g ref={gy} />
        {box && (
          <rect
            className="selection-box"
            x={Math.min(box.a[0], box.b[0])}
            y={Math.min(box.a[1], box.b[1])}
            width={Math.abs(box.b[0] - box.a[0])}
            height={Math.abs(box.b[1] - box.a[1])}
            fill="rgba(47, 95, 208, 0.12)"
            stroke="#2f5fd0"
            strokeDasharray="4 2"
          />
        )}
      </svg>
      {local && local.i === hover && (
        <PointTooltip
          run={run}
          index={local.i}
          dataset={dataset}
          classes={classes}
          style={{
            left: `${(100 * local.x) / W}%`,
            top: `${(100 * local.y) / H}%`,
            transform: local.x > W / 2 ? 'translate(calc(-100% - 10px), 10px)' : 'translate(10px, 10px)',
          }}
        />
      )}
    </div>
  );
});
