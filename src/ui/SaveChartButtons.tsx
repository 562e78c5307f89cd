import type { RefObject } from 'react';
import { savePng, saveSvg } from './save-svg';

/**
 * "<label> SVG" / "<label> PNG" buttons for one on-screen chart. `file` is the name without its
 * extension.
 */
export function SaveChartButtons({
  chart,
  file,
  label,
  disabled = false,
}: {
  chart: RefObject<SVGSVGElement | null> | (() => SVGSVGElement | null | undefined);
  file: string;
  label: string;
  disabled?: boolean;
}) {
  const svg = () => (typeof chart === 'function' ? chart() : chart.current);
  return (
    <>
      <button
        type="button"
        disabled={disabled}
        onClick={() => {
          const el = svg();
          if (el) saveSvg(el, `${file}.svg`);
        }}
      >
        {label} SVG
      </button>
      <button
        type="button"
        disabled={disabled}
        onClick={() => {
          const el = svg();
          if (el) void savePng(el, `${file}.png`);
        }}
      >
        {label} PNG
      </button>
    </>
  );
}
