/**
 * @file How `reproduce` compares an export's numbers with the re-run's: one Comparison per
 * number, each with its tolerance, and the line printed for it.
 */

/**
 * - accuracy: ±0.5 point (a probe's solver may stop an iteration apart on features that differ
 *   in the 6th digit);
 * - feature: ±1e-4 per value (the browser's WASM and the CLI's native kernels agree to ~3e-6);
 * - cka: ±1e-4 per matrix entry: CKA is a ratio of (centred) inner products of the features, so
 *   a relative change of ε in the features moves it by O(ε). Browser (WASM) against CLI: at most
 *   7.6e-7 over 16 × 16 entries (blocks × blocks, and blocks × the random-weights twin's
 *   blocks; pooled, 10 images);
 * - pca: ±1e-4·√d per coordinate: a PCA coordinate is the projection of a feature row on a unit
 *   vector, so features within ±1e-4 each move it by at most 1e-4·√d (Cauchy–Schwarz);
 * - knnEmbedding, trustworthiness: a t-SNE's or UMAP's 10-NN accuracy in 2-D (three binomial
 *   standard errors on the rows evaluated, at least ±3 points) and trustworthiness (k = 10,
 *   ±0.015) — what the layout means, not where its points land: under 1e-5 changes of the input
 *   their coordinates are chaotic. Measured with tools/reproduce/embedding-sensitivity.ts (the
 *   app's defaults, up1_0 at t = 100, the input perturbed by ±1e-5 five times): see README,
 *   "Every export is reproducible from its file".
 */
export const TOLERANCE = {
  accuracy: 0.005,
  feature: 1e-4,
  cka: 1e-4,
  pcaPerSqrtDim: 1e-4,
  knnEmbedding: 0.03,
  trustworthiness: 0.015,
} as const;

export interface Comparison {
  what: string;
  expected: number | null;
  got: number | null;
  tolerance: number;
  ok: boolean;
  /** Printed even among thousands of numbers (where only the differences are): a headline figure. */
  headline?: boolean;
}

export function compare(
  what: string,
  expected: number | null,
  got: number | null,
  tolerance: number,
): Comparison {
  const ok =
    expected === null || got === null
      ? expected === got
      : Number.isFinite(expected) && Number.isFinite(got) && Math.abs(expected - got) <= tolerance;
  return { what, expected, got, tolerance, ok };
}

/**
 * Each value of an n×dim matrix against the export's, named "<id> <name>[k]"; `expected(i, k)`
 * reads the export (null where it has none).
 */
export function compareRows(
  ids: readonly string[],
  name: string,
  dim: number,
  expected: (i: number, k: number) => number | null,
  got: ArrayLike<number>,
  tolerance: number,
): Comparison[] {
  const out: Comparison[] = [];
  for (const [i, id] of ids.entries())
    for (let k = 0; k < dim; k++)
      out.push(compare(`${id} ${name}[${k}]`, expected(i, k), got[i * dim + k], tolerance));
  return out;
}

const fmt = (v: number | null) => (v === null ? 'none' : String(Number(v.toPrecision(7))));

export function describeComparison(c: Comparison): string {
  const diff = c.expected !== null && c.got !== null ? Math.abs(c.expected - c.got) : null;
  return `${c.ok ? 'ok  ' : 'DIFF'} ${c.what}: export ${fmt(c.expected)}, reproduced ${fmt(c.got)}${diff !== null ? ` (difference ${diff.toExponential(2)}, tolerance ${Number(c.tolerance.toPrecision(3))})` : ''}`;
}
