/**
 * @file embed / resumeEmbedding: t-SNE, PCA or UMAP of feature rows in the worker.
 *
 * The layout is posted as a partial at most every ~100 ms (its buffer transferred), so the plot
 * animates without flooding the UI thread. Cancel means Stop: the handler answers with the
 * current layout and `stopped: true`, and keeps the optimiser here, per slot, so that
 * 'resumeEmbedding' continues from the same iteration. A finished run is dropped.
 * After the run the k-NN quality readout is computed on both spaces (the original-space half
 * once per run: it does not change on resume).
 */

import { knnAccuracyOnRows, qualityRows } from '../../core/embedding/quality';
import { DiffProbeError } from '../../core/errors';
import type { JobContext } from '../context';
import { createEmbedder } from '../embedding/embedder';
import type { Embedder } from '../embedding/embedder-types';
import type { EmbedParams, EmbedQuality, EmbedResult, EmbedStep } from '../jobs';

const PARTIAL_EVERY_MS = 100;
/** How long the loop may run before it yields so that a Stop can arrive. */
const YIELD_EVERY_MS = 15;
const QUALITY_K = 10;

interface Session {
  embedder: Embedder;
  X: Float32Array;
  d: number;
  labels: Int32Array;
  seed: number;
  original: { accuracy: number; k: number; rows: Int32Array } | null;
  ms: number;
}

/** Runs kept after a Stop, by slot ('main', 'compare'). */
const sessions = new Map<string, Session>();

function snapshot(s: Session, phase: string, progress: number, withCoords: boolean): EmbedStep {
  const e = s.embedder;
  return {
    iter: e.iter,
    totalIter: e.totalIter,
    kl: e.kl,
    phase,
    progress,
    coords: withCoords ? e.coords() : null,
    warnings: [...e.warnings],
  };
}

function progressNote(step: EmbedStep): string {
  if (step.phase === 'neighbors') return 'finding nearest neighbours';
  if (step.phase === 'affinities') return 'computing affinities';
  if (step.phase === 'init' || step.phase === 'pca') return 'PCA';
  return `iteration ${step.iter}${step.kl === null ? '' : `, KL ${step.kl.toFixed(3)}`}`;
}

function quality(s: Session, coords: Float32Array): EmbedQuality | null {
  const n = s.embedder.n;
  if (!s.original) {
    const rows = qualityRows(n, s.d, s.seed);
    const o = knnAccuracyOnRows(s.X, s.d, s.labels, rows, QUALITY_K);
    if (!o) return null;
    s.original = { ...o, rows };
  }
  const e = knnAccuracyOnRows(coords, 2, s.labels, s.original.rows, QUALITY_K);
  if (!e) return null;
  return { k: e.k, embedding: e.accuracy, original: s.original.accuracy, rows: s.original.rows.length };
}

async function drive(slot: string, s: Session, ctx: JobContext): Promise<EmbedResult> {
  const started = performance.now();
  const e = s.embedder;
  let lastPartial = 0;
  let lastYield = performance.now();
  let stopped = false;
  while (true) {
    const info = e.step();
    const now = performance.now();
    if (info.done || now - lastPartial >= PARTIAL_EVERY_MS) {
      lastPartial = now;
      const step = snapshot(s, info.phase, info.progress, true);
      ctx.partial(step, step.coords ? [step.coords.buffer] : []);
      ctx.progress(e.totalIter ? e.iter : info.done ? 1 : 0, e.totalIter || 1, progressNote(step));
    }
    if (info.done) break;
    if (now - lastYield < YIELD_EVERY_MS) continue;
    if (await ctx.stopRequested()) {
      stopped = true;
      break;
    }
    lastYield = performance.now();
  }
  s.ms += performance.now() - started;
  const coords = e.coords() ?? new Float32Array(2 * e.n);
  if (stopped) sessions.set(slot, s);
  else sessions.delete(slot);
  return {
    coords,
    warnings: [...e.warnings],
    iter: e.iter,
    totalIter: e.totalIter,
    kl: e.kl,
    stopped,
    quality: quality(s, coords),
    ms: s.ms,
  };
}

export async function embed(params: EmbedParams, ctx: JobContext): Promise<EmbedResult> {
  const slot = params.slot ?? 'main';
  sessions.delete(slot);
  const { X, n, d, labels, method, options } = params;
  if (labels.length !== n)
    throw new DiffProbeError('internal', `embed: ${labels.length} labels for ${n} points`);
  const embedder = createEmbedder(X, n, d, method, options);
  return drive(slot, { embedder, X, d, labels, seed: options.seed, original: null, ms: 0 }, ctx);
}

export async function resumeEmbedding(params: { slot?: string }, ctx: JobContext): Promise<EmbedResult> {
  const slot = params.slot ?? 'main';
  const s = sessions.get(slot);
  if (!s) throw new DiffProbeError('internal', `there is no stopped embedding "${slot}" to resume`);
  return drive(slot, s, ctx);
}
