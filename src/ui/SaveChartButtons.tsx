import type { RefObject } from 'react';
import { ActionButton } from './ActionButton';
import { savePng, saveSvg } from './save-svg';

/**
 * "<label> SVG" / "<label> PNG" buttons for one on-screen chart. `file` is the name without its
 * extension.
 */
export function SaveChartButtons({
  chart,
  file,
  label,
  disabled = null,
}: {
  chart: RefObject<SVGSVGElement | null> | (() => SVGSVGElement | null | undefined);
  file: string;
  label: string;
  /** Why the chart cannot be saved yet (null: it can). */
  disabled?: string | null;
}) {
  const svg = () => (typeof chart === 'function' ? chart() : chart.current);
  return (
    <>
      <ActionButton
        reason={disabled}
        quiet
        onClick={() => {
          const el = svg();
          if (el) saveSvg(el, `${file}.svg`);
        }}
      >
        {label} SVG
      </ActionButton>
      <ActionButton
        reason={disabled}
        quiet
        onClick={() => {
          const el = svg();
          if (el) void savePng(el, `${file}.png`);
        }}
      >
        {label} PNG
      </ActionButton>
    </>
  );
}
