/**
 * @file CKA on full feature maps: the centred n×n Gram matrix of each block's unpooled maps over n
 * images, written once for the worker and the CLI (each passes its way of extracting raw maps).
 *
 * A block's maps for n images are n·C·H·W floats (the default model's 28×28 blocks: 100 MB for
 * 1,000 images), so the blocks are taken in groups whose maps fit {@link GRAM_MAPS_BUDGET}
 * together: one U-Net pass per group, the group's maps held until each block's Gram matrix is
 * computed from them (O(n²·C·H·W)), then dropped. Only the Gram matrices (n² float32 each) stay.
 */
import { type CkaEstimator, checkCkaImages, gramOperand, gramRows, isConstant } from '../core/cka/linear-cka';
import { DiffProbeError } from '../core/errors';
import type { Manifest } from '../core/manifest/types';
import type { GramResult } from '../worker/jobs';

/** Bytes of full maps held at once: 512 MB. */
export const GRAM_MAPS_BUDGET = 512 * 2 ** 20;

/** Most images for CKA on full maps (n×n Gram matrices: 16 MB each at 2,000). */
export const MAX_GRAM_IMAGES = 2000;

/** Rows of a Gram matrix computed between two yields (keeps Stop responsive on big maps). */
const ROWS_PER_STEP = 16;

/** C·H·W of each block's map, from the manifest. */
export function mapDims(
  manifest: Pick<Manifest, 'blocks'>,
  blocks: readonly string[],
): Record<string, number> {
  const byName = new Map(manifest.blocks.map((b) => [b.name, b]));
  return Object.fromEntries(
    blocks.map((name) => {
      const b = byName.get(name);
      if (!b) throw new DiffProbeError('internal', `no block ${JSON.stringify(name)} in the manifest`);
      return [name, b.channels * b.resolution[0] * b.resolution[1]];
    }),
  );
}

/**
 * Blocks in groups (in order) whose maps for n images fit `budget` bytes together.
 *
 * @throws DiffProbeError('out-of-memory') when one block alone does not fit, naming how many images would.
 */
export function gramGroups(
  blocks: readonly string[],
  dims: Readonly<Record<string, number>>,
  n: number,
  budget = GRAM_MAPS_BUDGET,
): string[][] {
  const groups: string[][] = [];
  let bytes = 0;
  for (const b of blocks) {
    const need = n * dims[b] * 4;
    if (need > budget)
      throw new DiffProbeError(
        'out-of-memory',
        `the full maps of block ${b} for ${n} images take ${Math.round(need / 2 ** 20)} MB, more than the ${Math.round(budget / 2 ** 20)} MB CKA on maps may hold; use at most ${Math.floor(budget / (dims[b] * 4))} images, or pooled features`,
        { block: b, bytes: need, budget },
      );
    if (!groups.length || bytes + need > budget) {
      groups.push([]);
      bytes = 0;
    }
    groups.at(-1)!.push(b);
    bytes += need;
  }
  return groups;
}

/** Raw maps of `blocks` for all n images: calls `onBatch` with rows [start, start + count) of each. */
export type RawExtractor = (
  blocks: string[],
  onBatch: (start: number, count: number, maps: Record<string, Float32Array>) => void,
) => Promise<void>;

export interface GramRequest {
  n: number;
  blocks: readonly string[];
  dims: Readonly<Record<string, number>>;
  estimator: CkaEstimator;
  extract: RawExtractor;
  /** Awaited between units of work; throws to cancel. */
  checkpoint: () => Promise<void>;
  progress?: (done: number, total: number, note: string) => void;
  budget?: number;
  /**
   * K = X·Xᵀ of one block's maps (n×dim, float32), on ONNX Runtime's GEMM (engine/gram.ts); absent:
   * the JavaScript loop (float64, about 4× slower on one thread).
   */
  gram?: (X: Float32Array, n: number, dim: number) => Promise<Float64Array>;
}

/**
 * The centred Gram matrix of every block's full maps (see the file comment).
 *
 * @throws DiffProbeError('cka-data') for fewer than 10 or more than MAX_GRAM_IMAGES images,
 *   'model-nonfinite' when a map holds NaN or Inf, 'out-of-memory' when one block's maps do not fit.
 */
export async function gramsOfMaps(req: GramRequest): Promise<GramResult> {
  const started = performance.now();
  const { n, dims, estimator } = req;
  checkCkaImages(n);
  if (n > MAX_GRAM_IMAGES)
    throw new DiffProbeError(
      'cka-data',
      `CKA on full maps takes at most ${MAX_GRAM_IMAGES} images (an n×n Gram matrix per block); it got ${n}: use fewer images or pooled features`,
      { n, max: MAX_GRAM_IMAGES },
    );
  const groups = gramGroups(req.blocks, dims, n, req.budget);
  // Work: extracting n images once per group, and each block's Gram matrix (counted in rows of n).
  const total = groups.length * n + req.blocks.length * n;
  let done = 0;
  const grams: GramResult['grams'] = {};
  for (const [g, group] of groups.entries()) {
    const maps: Record<string, Float32Array> = Object.fromEntries(
      group.map((b) => [b, new Float32Array(n * dims[b])]),
    );
    const before = done;
    await req.extract(group, (start, count, batch) => {
      for (const b of group) {
        const data = batch[b];
        if (data.length !== count * dims[b])
          throw new DiffProbeError(
            'internal',
            `block ${b}: ${data.length} values for ${count} maps of ${dims[b]}`,
          );
        for (let i = 0; i < data.length; i++)
          if (!Number.isFinite(data[i]))
            throw new DiffProbeError(
              'model-nonfinite',
              `block ${b} holds ${data[i]} for image ${start + Math.floor(i / dims[b])}`,
              {
                block: b,
              },
            );
        maps[b].set(data, start * dims[b]);
      }
      done = before + start + count;
      req.progress?.(
        done,
        total,
        `maps of ${group.join(', ')}${groups.length > 1 ? ` (pass ${g + 1}/${groups.length})` : ''}`,
      );
    });
    done = before + n;
    for (const b of group) {
      const X = maps[b];
      await req.checkpoint();
      let K: Float64Array;
      if (req.gram) {
        req.progress?.(done, total, `Gram matrix of ${b}`);
        K = await req.gram(X, n, dims[b]);
      } else {
        K = new Float64Array(n * n);
        for (let row = 0; row < n; row += ROWS_PER_STEP) {
          await req.checkpoint();
          gramRows(X, n, dims[b], K, row, Math.min(n, row + ROWS_PER_STEP));
          req.progress?.(done + Math.min(n, row + ROWS_PER_STEP), total, `Gram matrix of ${b}`);
        }
      }
      done += n;
      const op = gramOperand(K, n, estimator, isConstant(X, n, dims[b]), 'float32');
      grams[b] = { G: op.G as Float32Array, self: op.self, constant: op.constant };
      delete maps[b];
    }
  }
  return { grams, dims: { ...dims }, passes: groups.length, ms: Math.round(performance.now() - started) };
}
