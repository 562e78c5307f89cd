/**
 * @file `reproduce` of an embedding (t-SNE, PCA, UMAP of pooled features): the features are
 * extracted again with the record's blocks, t, noise seed and pooling and compared value by value
 * (±1e-4); the same method then runs on them with the record's settings (its seed included)
 * through the worker's own handler (worker/handlers/embed.ts).
 *
 * - PCA is deterministic up to the sign of each component (an eigenvector's sign is arbitrary):
 *   each component is flipped to agree with the export's, then every coordinate is compared at
 *   ±1e-4·√d (the feature tolerance carried through a projection on a unit vector).
 * - t-SNE and UMAP are chaotic: features that differ by 1e-5 (WASM against native kernels) give
 *   other coordinates for the same settings. What a layout means is compared instead: the
 *   leave-one-out 10-NN accuracy of the classes in 2-D, and the trustworthiness (k = 10) of the
 *   layout against its features — each of the export's layout and of the re-run's, on the same
 *   rows. Under 1e-5 noise in the features both moved by a third of their tolerances or less
 *   (cli/reproduce-compare.ts says by how much).
 */

import { trustworthiness } from '../core/embedding/knn';
import { knnAccuracyOnRows, qualityRows, takeRows } from '../core/embedding/quality';
import { DiffProbeError } from '../core/errors';
import { base64ToFloat32 } from '../core/float32-base64';
import { embeddingToJson } from '../features/embedding/export';
import { APP_VERSION } from '../pipeline/feature-spec';
import { extractConcatenated } from '../pipeline/features';
import { buildProvenance, type Provenance } from '../pipeline/provenance';
import { DEFAULT_EMBED_OPTIONS, METHOD_NAMES } from '../worker/embedding/embedder';
import { embed } from '../worker/handlers/embed';
import type { EmbedMethod, EmbedOptions } from '../worker/jobs';
import { UsageError } from './args';
import { nodeJobContext } from './embed';
import { type Comparison, compare, compareRows, TOLERANCE } from './reproduce-compare';
import type { ReproduceOutcome, ReproduceRun } from './reproduce-kind';

type EmbeddingSettings = Extract<Provenance['settings'], { kind: 'embedding' }>;

const QUALITY_K = 10;

/** The options each method reads (the others are carried along in the record, unused). */
const OWN_OPTIONS: Record<EmbedMethod, (keyof EmbedOptions)[]> = {
  tsne: ['perplexity', 'nIter', 'learningRate', 'earlyExaggeration', 'seed', 'standardize'],
  umap: ['nNeighbors', 'minDist', 'nIter', 'seed', 'standardize'],
  pca: ['standardize'],
};

/** The exported features [n, d], or null when the export has none (made before they were kept). */
function exportedFeatures(json: Record<string, unknown>, n: number): { X: Float32Array; d: number } | null {
  const f = json.features as { shape?: number[]; data?: string; dtype?: string } | null | undefined;
  if (!f?.data || !Array.isArray(f.shape)) return null;
  const [rows, d] = f.shape;
  const X = base64ToFloat32(f.data);
  if (rows !== n || X.length !== rows * d)
    throw new UsageError(`the export's features hold ${X.length} values, not ${n} × ${d}`);
  return { X, d };
}

/** Each PCA component's sign that makes `got` agree with `expected` (+1 or −1 per column). */
function componentSigns(expected: ArrayLike<number>, got: ArrayLike<number>, n: number): number[] {
  return [0, 1].map((c) => {
    let dot = 0;
    for (let i = 0; i < n; i++) dot += expected[2 * i + c] * got[2 * i + c];
    return dot < 0 ? -1 : 1;
  });
}

/**
 * The tolerance of a layout's 10-NN accuracy on m rows: three binomial standard errors of an
 * accuracy p on m points, and never under TOLERANCE.knnEmbedding — fewer points, coarser steps
 * (UMAP on 200 points moved by 5.5 points under ±1e-5 noise; three standard errors are 9.7).
 */
export function knnTolerance(p: number | null, m: number): number {
  const se = p === null ? 0 : Math.sqrt((p * (1 - p)) / Math.max(1, m));
  return Math.max(TOLERANCE.knnEmbedding, 3 * se);
}

/** 10-NN accuracy in 2-D and trustworthiness of a layout on the quality rows. */
function meaning(X: Float32Array, d: number, coords: Float32Array, labels: Int32Array, rows: Int32Array) {
  const knn = knnAccuracyOnRows(coords, 2, labels, rows, QUALITY_K);
  const m = rows.length;
  const k = Math.min(QUALITY_K, Math.ceil(m / 2) - 1);
  const trust =
    k >= 1 ? trustworthiness(takeRows(X, d, rows), m, d, takeRows(coords, 2, rows), m, 2, k) : null;
  return { knn: knn?.accuracy ?? null, trust };
}

export async function reproduceEmbedding(run: ReproduceRun): Promise<ReproduceOutcome> {
  const { p, json, ctx } = run;
  const s = p.settings as EmbeddingSettings;
  const { ids } = p.images;
  const n = ids.length;
  const method = s.method as EmbedMethod;
  if (!(method in METHOD_NAMES))
    throw new UsageError(`the export's method ${JSON.stringify(s.method)} is not t-SNE, PCA or UMAP`);
  const options: EmbedOptions = { ...DEFAULT_EMBED_OPTIONS, ...(s.options as Partial<EmbedOptions>) };
  const labels = p.images.labels ? Int32Array.from(p.images.labels) : new Int32Array(n);
  const coordsExported = Float32Array.from((json.coords as number[] | undefined) ?? []);
  if (coordsExported.length !== 2 * n)
    throw new UsageError(`the export has ${coordsExported.length / 2} points for its ${n} images`);

  const comparisons: Comparison[] = [];
  const notes: string[] = [];
  const { X, d } = await extractConcatenated(
    run.rt,
    { model: p.model.id, blocks: s.blocks, timesteps: [s.t], seed: s.seed, pooling: s.pooling },
    n,
    () => run.input(ids),
    'Embedding',
  );
  const exported = exportedFeatures(json, n);
  if (exported) {
    if (exported.d !== d)
      throw new DiffProbeError(
        'internal',
        `the export's features have ${exported.d} columns, the re-run's ${d}`,
      );
    comparisons.push(
      ...compareRows(ids, `features`, d, (i, k) => exported.X[i * d + k], X, TOLERANCE.feature),
    );
    notes.push(`compared ${n * d} features (${s.blocks.join(' + ')} at t = ${s.t}) at ±${TOLERANCE.feature}`);
  } else notes.push('the export holds no features (made before they were kept): they are not compared');

  const result = await embed(
    { X, n, d, labels, method, options },
    nodeJobContext(() => {}),
  );
  const settings = `${METHOD_NAMES[method]} with the export's settings (${OWN_OPTIONS[method]
    .map((k) => `${k} ${options[k]}`)
    .join(', ')})`;
  if (json.complete === false) {
    notes.push(
      `the export's ${METHOD_NAMES[method]} was stopped at iteration ${(json.iterations as { done?: number })?.done}: its layout is not compared, only its features`,
    );
  } else if (method === 'pca') {
    const signs = componentSigns(coordsExported, result.coords, n);
    const flipped = Float32Array.from(result.coords, (v, i) => v * signs[i % 2]);
    const tol = TOLERANCE.pcaPerSqrtDim * Math.sqrt(d);
    comparisons.push(...compareRows(ids, 'PCA', 2, (i, c) => coordsExported[2 * i + c], flipped, tol));
    notes.push(
      `${settings}; compared ${2 * n} coordinates up to each component's sign (${signs
        .map((g, c) => `component ${c + 1}: ${g > 0 ? 'same sign' : 'flipped'}`)
        .join(', ')}) at ±1e-4·√${d} = ${tol.toPrecision(3)}`,
    );
  } else {
    const rows = qualityRows(n, d, options.seed);
    const own = exported?.X ?? X;
    const a = meaning(own, d, coordsExported, labels, rows);
    const b = meaning(X, d, result.coords, labels, rows);
    comparisons.push(
      {
        ...compare(
          `${QUALITY_K}-NN accuracy in 2-D (${rows.length} rows)`,
          a.knn,
          b.knn,
          knnTolerance(a.knn, rows.length),
        ),
        headline: true,
      },
      {
        ...compare(
          `trustworthiness (k = ${QUALITY_K}, ${rows.length} rows)`,
          a.trust,
          b.trust,
          TOLERANCE.trustworthiness,
        ),
        headline: true,
      },
    );
    notes.push(
      `${settings}; ${METHOD_NAMES[method]} coordinates are chaotic under 1e-5 changes of the features, so what the layout means is compared: its ${QUALITY_K}-NN accuracy (±${(100 * knnTolerance(a.knn, rows.length)).toFixed(1)} points: three standard errors on ${rows.length} points, at least ${100 * TOLERANCE.knnEmbedding}) and trustworthiness (±${TOLERANCE.trustworthiness})`,
    );
  }
  await run.out.write(
    'embedding.json',
    embeddingToJson({
      appVersion: APP_VERSION,
      method,
      options,
      blocks: s.blocks,
      t: s.t,
      seed: s.seed,
      pooling: String(json.pooling ?? s.pooling.kind),
      complete: !result.stopped,
      iter: result.iter,
      totalIter: result.totalIter,
      classes: p.images.classes ?? null,
      ids,
      labels,
      coords: result.coords,
      X,
      d,
      quality: result.quality,
      // The re-run's own record (this engine), so that it can be reproduced in turn.
      provenance: await buildProvenance(
        run.origin,
        {
          ids,
          x0: run.input(ids),
          labels,
          ...(p.images.classes ? { classes: p.images.classes } : {}),
        },
        s,
      ),
    }),
  );
  ctx.out(
    `${METHOD_NAMES[method]} of ${n} points re-run (${result.warnings.length ? result.warnings.join('; ') : 'no warnings'})`,
  );
  return { comparisons, differ: [], notes };
}
