/**
 * @file Where the arrow keys (and Home/End) move the focus in a heatmap that is a keyboard grid,
 * for every such figure (the sweep's, CKA's, a difference's): cells in row-major order.
 */

/** The cell index `key` moves to from `current` in a rows × cols grid, or null for other keys. */
export function gridMove(key: string, current: number, rows: number, cols: number): number | null {
  const r = Math.floor(current / cols);
  const c = current % cols;
  switch (key) {
    case 'ArrowRight':
      return r * cols + Math.min(cols - 1, c + 1);
    case 'ArrowLeft':
      return r * cols + Math.max(0, c - 1);
    case 'ArrowDown':
      return Math.min(rows - 1, r + 1) * cols + c;
    case 'ArrowUp':
      return Math.max(0, r - 1) * cols + c;
    case 'Home':
      return r * cols;
    case 'End':
      return r * cols + cols - 1;
    default:
      return null;
  }
}
