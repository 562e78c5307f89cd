/**
 * @file The keyboard half of an SVG heatmap that is also an ARIA grid (the sweep's, CKA's, a
 * difference's): the arrow keys and Home/End move the focus between cells (`[data-cell="i"]`, in
 * row-major order, grid-keys.ts), and the SVG element reaches both the figure and the caller's ref
 * (which saves the figure as a file).
 */
import { type ForwardedRef, type KeyboardEvent, useRef } from 'react';
import { gridMove } from './grid-keys';

export function useSvgGrid(
  ref: ForwardedRef<SVGSVGElement>,
  grid: { rows: number; cols: number; current: number; setActive: (i: number) => void },
  /** Any other key (Enter opens a cell, say): true when it was handled. */
  onOtherKey?: (e: KeyboardEvent<SVGSVGElement>) => boolean,
) {
  const svgRef = useRef<SVGSVGElement | null>(null);
  const onKeyDown = (e: KeyboardEvent<SVGSVGElement>) => {
    const to = gridMove(e.key, grid.current, grid.rows, grid.cols);
    if (to !== null) {
      grid.setActive(to);
      svgRef.current?.querySelector<SVGGElement>(`[data-cell="${to}"]`)?.focus();
      e.preventDefault();
    } else if (onOtherKey?.(e)) e.preventDefault();
  };
  const setRefs = (el: SVGSVGElement | null) => {
    svgRef.current = el;
    if (typeof ref === 'function') ref(el);
    else if (ref) ref.current = el;
  };
  return { setRefs, onKeyDown };
}
