/**
 * @file What a head's input rows are made of, and what that costs in memory. A row of features is
 * the concatenation of groups — one per block at each t, in the feature spec's order — each a
 * pooled map [C, h, w] flattened channel-major (core/pooling.ts). The MLP reads the row as one
 * vector; the attention head reads every group as h·w tokens of C values.
 */
import { DiffProbeError } from '../errors';
import type { Manifest } from '../manifest/types';
import { GRID_SIZES, type GridSize, type Pooling, pooledShape } from '../pooling';
import type { NeuralHead } from './spec';

/** One block at one t in a row of features: its pooled map's shape. */
export interface TokenGroup {
  channels: number;
  height: number;
  width: number;
}

/** The shapes a head is built for: d values per row (the sum of the groups'), k classes. */
export interface HeadLayout {
  d: number;
  k: number;
  groups: TokenGroup[];
}

/** Values per row of the groups. */
export function groupsDim(groups: readonly TokenGroup[]): number {
  return groups.reduce((s, g) => s + g.channels * g.height * g.width, 0);
}

/**
 * The groups of a feature spec's rows: every block (map [C, H, W]) at each of `timesteps`, pooled
 * with `pooling`, in the order pipeline/features.ts concatenates them.
 */
export function specGroups(
  maps: readonly (readonly [number, number, number])[],
  timesteps: number,
  pooling: Pooling,
): TokenGroup[] {
  const once = maps.map((m) => {
    const [channels, height, width] = pooledShape(m, pooling);
    return { channels, height, width };
  });
  return Array.from({ length: timesteps }, () => once).flat();
}

/** Tokens the attention head attends over: every position of every group, and the class token. */
export function tokenCount(groups: readonly TokenGroup[], readout: 'cls' | 'mean'): number {
  return groups.reduce((s, g) => s + g.height * g.width, 0) + (readout === 'cls' ? 1 : 0);
}

/** What a neural head may hold for one batch's activations and gradients (the tfjs heap is 32-bit). */
export const HEAD_BATCH_BUDGET = 2 ** 30;

/**
 * Bytes one training batch of the attention head holds while it computes its gradients: the
 * input tokens (and their normalised copy), about 12 + 4·ratio token-wide tensors per token kept
 * for the backward pass, and three L×L attention matrices per head — doubled for the gradients.
 * An estimate meant to tell 50 tokens from 785, not to the megabyte.
 */
export function attentionBatchBytes(
  head: Extract<NeuralHead, { kind: 'attention' }>,
  groups: readonly TokenGroup[],
): number {
  const a = head.attention;
  const L = tokenCount(groups, a.readout);
  const inputs = groups.reduce((s, g) => s + 4 * g.height * g.width * g.channels, 0);
  const tokens = L * a.dim * (12 + 4 * a.mlpRatio);
  const attention = 3 * a.heads * L * L;
  return 2 * 4 * head.training.batchSize * (inputs + tokens + attention);
}

const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GB`;

/**
 * Null when the attention head fits {@link HEAD_BATCH_BUDGET}; else a DiffProbeError('out-of-memory')
 * that says what it would need, the largest grid that fits (from `maps`, the blocks' map shapes,
 * at `timesteps` timesteps) and what to do. Other heads always fit.
 */
export function headMemoryError(
  head: NeuralHead,
  maps: readonly (readonly [number, number, number])[],
  timesteps: number,
  pooling: Pooling,
): DiffProbeError | null {
  if (head.kind !== 'attention') return null;
  const groups = specGroups(maps, timesteps, pooling);
  const need = attentionBatchBytes(head, groups);
  if (need <= HEAD_BATCH_BUDGET) return null;
  const fits = [...GRID_SIZES]
    .reverse()
    .find(
      (s) =>
        attentionBatchBytes(head, specGroups(maps, timesteps, { kind: 'grid', size: s })) <=
        HEAD_BATCH_BUDGET,
    );
  const L = tokenCount(groups, head.attention.readout);
  const what =
    pooling.kind === 'raw'
      ? 'raw maps'
      : pooling.kind === 'grid'
        ? `maps pooled to ≤ ${pooling.size}×${pooling.size}`
        : 'these features';
  const advice = fits
    ? `pool the maps to at most ${fits}×${fits} (grid${fits as GridSize}) — the largest grid that fits — or train on fewer blocks or timesteps`
    : `train on fewer blocks or timesteps, or with a smaller batch (${head.training.batchSize} now)`;
  return new DiffProbeError(
    'out-of-memory',
    `the attention head on ${what} (${L} tokens per image) needs about ${gb(need)} for a batch of ${head.training.batchSize}, more than the ${gb(HEAD_BATCH_BUDGET)} it may use: ${advice}`,
    { tokens: L, bytes: need, budget: HEAD_BATCH_BUDGET, largestGrid: fits ?? null },
  );
}

/** Every block's map shape [C, H, W], from the manifest. */
export function blockMaps(manifest: Pick<Manifest, 'blocks'>): Record<string, [number, number, number]> {
  return Object.fromEntries(
    manifest.blocks.map((b) => [
      b.name,
      [b.channels, b.resolution[0], b.resolution[1]] as [number, number, number],
    ]),
  );
}
