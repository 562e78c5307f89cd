/**
 * @file The embedding form: text fields as typed, parsed into run settings with one message per
 * bad field (so a field can be mid-edit without being clamped under the user's fingers).
 */

import { DEFAULT_EMBED_OPTIONS } from '../../worker/embedding/embedder';
import type { EmbedMethod, EmbedOptions } from '../../worker/jobs';
import type { PointChoice } from './points';

export interface EmbeddingForm {
  count: string;
  choice: PointChoice;
  method: EmbedMethod;
  perplexity: string;
  nIter: string;
  learningRate: string;
  seed: string;
  earlyExaggeration: string;
  nNeighbors: string;
  minDist: string;
  standardize: boolean;
}

/** Iterations (t-SNE) or epochs (UMAP) a method starts with. */
export const DEFAULT_ITERATIONS: Record<EmbedMethod, number> = { tsne: 1000, pca: 1000, umap: 500 };

export const DEFAULT_FORM: EmbeddingForm = {
  count: '2000',
  choice: 'first',
  method: 'tsne',
  perplexity: String(DEFAULT_EMBED_OPTIONS.perplexity),
  nIter: String(DEFAULT_ITERATIONS.tsne),
  learningRate: 'auto',
  seed: '0',
  earlyExaggeration: String(DEFAULT_EMBED_OPTIONS.earlyExaggeration),
  nNeighbors: String(DEFAULT_EMBED_OPTIONS.nNeighbors),
  minDist: String(DEFAULT_EMBED_OPTIONS.minDist),
  standardize: false,
};

export type FormErrors = Partial<Record<keyof EmbeddingForm, string>>;

export const MIN_POINTS = 5;

function num(s: string): number {
  return s.trim() === '' ? Number.NaN : Number(s);
}

/**
 * Parses the form; `errors` names each invalid field the chosen method uses.
 *
 * @example parseEmbeddingForm({ ...DEFAULT_FORM, count: '300' }, 10_000).settings?.count // 300
 */
export function parseEmbeddingForm(
  f: EmbeddingForm,
  maxPoints: number,
): {
  settings: { count: number; choice: PointChoice; method: EmbedMethod; options: EmbedOptions } | null;
  errors: FormErrors;
} {
  const errors: FormErrors = {};
  const count = num(f.count);
  if (!(Number.isInteger(count) && count >= MIN_POINTS && count <= maxPoints))
    errors.count = `Points must be a whole number from ${MIN_POINTS} to ${maxPoints}.`;
  const seed = num(f.seed);
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff))
    errors.seed = 'The seed must be a whole number from 0 to 4294967295.';
  const nIter = num(f.nIter);
  const perplexity = num(f.perplexity);
  const ee = num(f.earlyExaggeration);
  const lrText = f.learningRate.trim().toLowerCase();
  const lr = lrText === 'auto' || lrText === '' ? 'auto' : num(lrText);
  const nNeighbors = num(f.nNeighbors);
  const minDist = num(f.minDist);
  if (f.method !== 'pca' && !(Number.isInteger(nIter) && nIter >= 1 && nIter <= 10_000))
    errors.nIter = 'Iterations must be a whole number from 1 to 10000.';
  if (f.method === 'tsne') {
    if (!(perplexity > 0 && perplexity <= 1000))
      errors.perplexity = 'Perplexity must be above 0 (at most 1000).';
    if (!(ee >= 1 && ee <= 1000)) errors.earlyExaggeration = 'Early exaggeration must be 1 or more.';
    if (lr !== 'auto' && !(lr > 0))
      errors.learningRate = 'The learning rate must be “auto” or a number above 0.';
  }
  if (f.method === 'umap') {
    if (!(Number.isInteger(nNeighbors) && nNeighbors >= 2 && nNeighbors <= 200))
      errors.nNeighbors = 'UMAP neighbours must be a whole number from 2 to 200.';
    if (!(minDist >= 0 && minDist <= 1)) errors.minDist = 'The minimum distance must be from 0 to 1.';
  }
  if (Object.keys(errors).length) return { settings: null, errors };
  const d = DEFAULT_EMBED_OPTIONS;
  const options: EmbedOptions = {
    perplexity: f.method === 'tsne' ? perplexity : d.perplexity,
    nIter: f.method === 'pca' ? DEFAULT_ITERATIONS.tsne : nIter,
    learningRate: f.method === 'tsne' ? lr : 'auto',
    seed,
    earlyExaggeration: f.method === 'tsne' ? ee : d.earlyExaggeration,
    nNeighbors: f.method === 'umap' ? nNeighbors : d.nNeighbors,
    minDist: f.method === 'umap' ? minDist : d.minDist,
    standardize: f.standardize,
  };
  return { settings: { count, choice: f.choice, method: f.method, options }, errors };
}

/** Switching method: iterations still at the old method's default follow the new one's. */
export function withMethod(f: EmbeddingForm, method: EmbedMethod): EmbeddingForm {
  const atDefault = Number(f.nIter) === DEFAULT_ITERATIONS[f.method];
  return { ...f, method, nIter: atDefault ? String(DEFAULT_ITERATIONS[method]) : f.nIter };
}
