/**
 * @file A CKA matrix as a figure: the spec of ui/matrix-heatmap.ts (axis names, 0…1 colours, the
 * value and its meaning in every tooltip, undefined cells said as such). The app's panel and the
 * CLI's cka.svg draw this same figure.
 */
import { type CkaMatrix, describeCka, repLabel, repTitle } from '../../pipeline/cka-spec';
import type { MatrixSpec } from '../../ui/matrix-heatmap';

const REASONS = {
  constant: 'undefined: a representation is the same for every image (constant features)',
  'not-positive': 'undefined: the debiased estimate of a self-similarity is not positive (too few images)',
} as const;

export function ckaFigure(m: CkaMatrix): MatrixSpec {
  const { spec } = m;
  const axis = spec.view === 'timesteps' ? `timestep (${spec.rows[0]?.block})` : 'block';
  const name = (id: string | undefined) => (id ? (spec.models[id]?.name ?? id.slice(0, 12)) : '');
  return {
    description: `Heatmap: ${describeCka(spec)}`,
    rows: spec.rows.map((r) => repLabel(spec, r)),
    cols: spec.cols.map((r) => repLabel(spec, r)),
    values: m.values,
    color: { kind: 'sequential', domain: [0, 1] },
    format: (v) => v.toFixed(2),
    cellTitle: (i, j) => {
      const v = m.values[i][j];
      const reason = m.reasons[i]?.[j];
      const pair = `${repTitle(spec, spec.rows[i])} × ${repTitle(spec, spec.cols[j])}`;
      return `${pair}: ${v !== null ? `CKA ${v.toFixed(4)}` : reason ? REASONS[reason] : 'not computed'}`;
    },
    legend: 'CKA',
    rowAxis: spec.view === 'models' ? `${axis} of ${name(spec.rows[0]?.model)}` : axis,
    colAxis: spec.view === 'models' ? `${axis} of ${name(spec.cols[0]?.model)}` : axis,
  };
}

/** Words for an undefined value, for the table and the notes under the figure. */
export function reasonText(reason: keyof typeof REASONS): string {
  return REASONS[reason];
}
