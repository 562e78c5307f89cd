/**
 * @file The words the embedding panel uses for a run: where it stands (iteration, KL) and what
 * the quality readout says. Pure, so the wording is tested once.
 */

import { METHOD_NAMES } from '../../worker/embedding/embedder';
import type { EmbedMethod, EmbedQuality } from '../../worker/jobs';

export interface RunProgress {
  method: EmbedMethod;
  status: 'extracting' | 'running' | 'done' | 'stopped' | 'failed';
  phase: string;
  iter: number;
  totalIter: number;
  kl: number | null;
  ms: number | null;
  hasLayout: boolean;
}

function iterText(r: RunProgress): string {
  const unit = r.method === 'umap' ? 'Epoch' : 'Iteration';
  const kl = r.kl === null ? '' : ` · KL divergence ${r.kl.toFixed(3)}`;
  return `${unit} ${r.iter} of ${r.totalIter}${kl}`;
}

/**
 * One line about a run.
 *
 * @example runStatusText({ method: 'tsne', status: 'running', phase: 'optimize', iter: 120,
 *   totalIter: 1000, kl: 2.5, ms: null, hasLayout: true }) // 'Iteration 120 of 1000 · KL divergence 2.500'
 */
export function runStatusText(r: RunProgress): string {
  const name = METHOD_NAMES[r.method];
  switch (r.status) {
    case 'extracting':
      return 'Extracting features…';
    case 'failed':
      return `${name} failed; see the message above.`;
    case 'stopped':
      if (!r.hasLayout) return `Stopped before ${name} started.`;
      return `Stopped at ${iterText(r).replace(/^\w/, (c) => c.toLowerCase())}. Resume continues from here.`;
    case 'done': {
      const time = r.ms === null ? '' : ` in ${(r.ms / 1000).toFixed(1)} s`;
      if (r.method === 'pca') return `PCA finished${time}.`;
      // t-SNE stops by itself once the KL divergence stops improving (as scikit-learn does).
      const early = r.iter < r.totalIter ? 'converged at ' : '';
      return `${name} finished${time}: ${early}${iterText(r).replace(/^\w/, (c) => c.toLowerCase())}.`;
    }
    default:
      if (r.phase === 'neighbors') return `${name}: finding nearest neighbours…`;
      if (r.phase === 'affinities') return `${name}: computing affinities…`;
      if (r.phase === 'init' || r.phase === 'pca' || r.phase === 'starting') return `${name}: starting…`;
      return iterText(r);
  }
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/**
 * The k-NN readout.
 *
 * @example qualityText({ k: 10, embedding: 0.8, original: 0.85, rows: 2000 }, 2000)
 * // '10-NN accuracy: 80.0% in the 2-D layout, 85.0% in the original features'
 */
export function qualityText(q: EmbedQuality, n: number): string {
  const sample = q.rows < n ? ` (on a seeded sample of ${q.rows} of ${n} points)` : '';
  return `${q.k}-NN accuracy: ${pct(q.embedding)} in the 2-D layout, ${pct(q.original)} in the original features${sample}`;
}
