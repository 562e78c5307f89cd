/**
 * @file Numbers and value ranges in words, for images whose values may leave the data range (a
 * sampler's x̂₀, the explorer's x̂₀): "−36.2", "[−1, 1]", "… run from −36 to 25; shown clamped".
 */

/** 3 significant digits and a real minus sign: "−36.2", "0.997", "1.2e+4". */
export function formatValue(v: number): string {
  const s =
    Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3)
      ? v.toExponential(1)
      : String(Number(v.toPrecision(3)));
  return s.replace('-', '−');
}

export function formatRange([lo, hi]: readonly [number, number]): string {
  return `[${formatValue(lo)}, ${formatValue(hi)}]`;
}

/**
 * "`subject` run(s) from −36 to 25; shown clamped to [−1, 1]." when `values` leave `range`, else
 * null (the picture then shows every value as it is).
 */
export function describeOutOfRange(
  values: Float32Array,
  range: readonly [number, number],
  subject: string,
): string | null {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min >= range[0] && max <= range[1]) return null;
  return `${subject} from ${formatValue(min)} to ${formatValue(max)}; shown clamped to ${formatRange(range)}.`;
}
