import { type CSSProperties, forwardRef, useState } from 'react';
import { type MatrixSpec, type MatrixText, matrixLayout } from './matrix-heatmap';
import { useSvgGrid } from './use-svg-grid';

/**
 * A labelled matrix as a heatmap (matrix-heatmap.ts's layout, the figure the CLI writes too). The
 * value under the pointer (or the keyboard's cell) is read out above the figure; on screen it is
 * also a grid: one Tab stop, the arrow keys (Home/End) move between cells, each cell says its pair
 * and value.
 */
export const MatrixHeatmap = forwardRef<SVGSVGElement, { spec: MatrixSpec; className?: string }>(
  function MatrixHeatmap({ spec, className }, ref) {
    const l = matrixLayout(spec);
    const rows = spec.rows.length;
    const cols = spec.cols.length;
    const [active, setActive] = useState(0);
    const [hover, setHover] = useState<number | null>(null);
    const current = Math.min(active, Math.max(0, l.cells.length - 1));
    const shown = hover ?? current;
    const text = (t: MatrixText, props: Record<string, string> = {}, key?: string) => (
      <text
        key={key}
        x={t.x}
        y={t.y}
        fontSize={t.fontSize}
        textAnchor={t.anchor}
        fill={t.fill}
        transform={t.rotate ? `rotate(${t.rotate} ${t.x} ${t.y})` : undefined}
        {...props}
      >
        {t.text}
      </text>
    );
    const { setRefs, onKeyDown } = useSvgGrid(ref, { rows, cols, current, setActive });
    const g = l.legend;
    const gradient = `matrix-legend-${spec.legend.replace(/[^A-Za-z0-9]/g, '')}`;
    return (
      <figure className={`matrix-heatmap ${className ?? ''}`}>
        <figcaption className="matrix-readout" aria-hidden="true">
          {l.cells[shown]?.title ?? ' '}
        </figcaption>
        {/* biome-ignore lint/a11y/useSemanticElements: no <table> inside an SVG */}
        <svg
          ref={setRefs}
          viewBox={`0 0 ${l.width} ${l.height}`}
          style={{ '--aspect': l.width / l.height } as CSSProperties}
          // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: an SVG figure that is also a keyboard grid
          role="grid"
          aria-label={`${l.description}. Arrow keys move between cells.`}
          aria-rowcount={rows + 1}
          aria-colcount={cols + 1}
          onKeyDown={onKeyDown}
          onMouseLeave={() => setHover(null)}
        >
          <defs>
            <linearGradient id={gradient} x1="0" y1="1" x2="0" y2="0">
              {g.stops.map((c, k) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: fixed stops
                <stop key={k} offset={k / (g.stops.length - 1)} stopColor={c} />
              ))}
            </linearGradient>
          </defs>
          {l.axisTexts.map((t) => text(t, { 'aria-hidden': 'true' }, t.text))}
          {/* biome-ignore lint/a11y/useSemanticElements: no <tr> inside an SVG */}
          <g role="row" aria-rowindex={1}>
            {l.colLabels.map((t, j) =>
              text(t, { role: 'columnheader', 'aria-colindex': String(j + 2) }, `c${j}`),
            )}
          </g>
          {l.rowLabels.map((label, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows are identified by position
            // biome-ignore lint/a11y/useSemanticElements: no <tr> inside an SVG
            <g key={i} role="row" aria-rowindex={i + 2}>
              {text(label, { role: 'rowheader', 'aria-colindex': '1' })}
              {l.cells.slice(i * cols, (i + 1) * cols).map((c, j) => {
                const index = i * cols + j;
                return (
                  // biome-ignore lint/a11y/useSemanticElements: no <td> inside an SVG
                  <g
                    key={`${c.i}:${c.j}`}
                    role="gridcell"
                    className="cell"
                    data-cell={index}
                    aria-colindex={j + 2}
                    aria-label={c.title}
                    tabIndex={index === current ? 0 : -1}
                    onFocus={() => {
                      setActive(index);
                      setHover(null);
                    }}
                    onMouseEnter={() => setHover(index)}
                  >
                    <rect className="cell-box" x={c.x} y={c.y} width={c.size} height={c.size} fill={c.fill}>
                      <title>{c.title}</title>
                    </rect>
                  </g>
                );
              })}
            </g>
          ))}
          {/* The printed values sit outside the cells: a cell's name is its pair and full value, and
              a shorter printed value inside it would not be part of that name (WCAG 2.5.3). */}
          <g pointerEvents="none">
            {l.cells.map((c) => c.label && text(c.label, { 'aria-hidden': 'true' }, `v${c.i}:${c.j}`))}
          </g>
          <g>
            <rect x={g.x} y={g.y} width={g.width} height={g.height} fill={`url(#${gradient})`} />
            {g.texts.map((t) => text(t, { 'aria-hidden': 'true' }, `legend-${t.text}-${t.y}`))}
          </g>
        </svg>
      </figure>
    );
  },
);
