/**
 * @file Shards: `--shard i/N` (0 ≤ i < N) takes the i-th of N contiguous, near-equal parts of a
 * run's work (image rows for an extraction, (t, block) cells for a sweep). Without `--shard`, the
 * index comes from the scheduler when it sets one:
 * - Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX (0-based), with the count from `--shards N` or
 *   DIFFPROBE_SHARDS (Kubernetes does not export the Job's `completions`);
 * - Slurm job arrays: SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN (so `--array=1-8` works too),
 *   with the count SLURM_ARRAY_TASK_COUNT (or `--shards N`).
 * The parts depend only on the number of items and N, so every shard of a run agrees on them, and
 * `merge` puts them back in order.
 */
import { UsageError } from './args';

export interface Shard {
  index: number;
  count: number;
  /** Where the index came from: 'option', 'JOB_COMPLETION_INDEX', 'SLURM_ARRAY_TASK_ID'. */
  from: string;
}

function parseCount(raw: string, what: string): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1 || Number(raw) > 100_000)
    throw new UsageError(`${what} must be a shard count in 1…100000, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/**
 * The shard this process runs, or null for the whole run.
 *
 * @throws UsageError for `--shard 3/2`, a malformed value, or a scheduler index without a count.
 */
export function resolveShard(
  option: string | undefined,
  shardsOption: string | undefined,
  env: Record<string, string | undefined>,
): Shard | null {
  if (option !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(option.trim());
    if (!m) throw new UsageError(`--shard must be i/N (e.g. 0/4), got ${JSON.stringify(option)}`);
    const index = Number(m[1]);
    const count = Number(m[2]);
    if (count < 1) throw new UsageError(`--shard ${option}: N must be at least 1`);
    if (index >= count)
      throw new UsageError(
        `--shard ${option}: the index must be below N (shards are numbered 0…${count - 1})`,
      );
    return { index, count, from: 'option' };
  }
  const explicitCount = shardsOption === undefined ? undefined : parseCount(shardsOption, '--shards');
  const k8s = env.JOB_COMPLETION_INDEX;
  if (k8s !== undefined && k8s !== '') {
    const count =
      explicitCount ??
      (env.DIFFPROBE_SHARDS ? parseCount(env.DIFFPROBE_SHARDS, 'DIFFPROBE_SHARDS') : undefined);
    if (count === undefined)
      throw new UsageError(
        'JOB_COMPLETION_INDEX is set but not the number of shards: give --shards N (or DIFFPROBE_SHARDS), equal to the Job’s completions',
      );
    return check(k8s, 0, count, 'JOB_COMPLETION_INDEX');
  }
  const slurm = env.SLURM_ARRAY_TASK_ID;
  if (slurm !== undefined && slurm !== '') {
    const count =
      explicitCount ??
      (env.SLURM_ARRAY_TASK_COUNT
        ? parseCount(env.SLURM_ARRAY_TASK_COUNT, 'SLURM_ARRAY_TASK_COUNT')
        : undefined);
    if (count === undefined)
      throw new UsageError('SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT: give --shards N');
    const min =
      env.SLURM_ARRAY_TASK_MIN && /^\d+$/.test(env.SLURM_ARRAY_TASK_MIN)
        ? Number(env.SLURM_ARRAY_TASK_MIN)
        : 0;
    return check(slurm, min, count, 'SLURM_ARRAY_TASK_ID');
  }
  if (explicitCount !== undefined)
    throw new UsageError(
      '--shards N needs a shard index: --shard i/N, JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID',
    );
  return null;
}

function check(raw: string, offset: number, count: number, from: string): Shard {
  if (!/^\d+$/.test(raw.trim())) throw new UsageError(`${from}=${JSON.stringify(raw)} is not a shard index`);
  const index = Number(raw) - offset;
  if (index < 0 || index >= count)
    throw new UsageError(
      `${from}=${raw} gives shard ${index} of ${count}${offset ? ` (SLURM_ARRAY_TASK_MIN=${offset})` : ''}: it must be in 0…${count - 1}`,
    );
  return { index, count, from };
}

/** The [start, end) range of items shard `index` of `count` takes from `n` items. */
export function shardRange(n: number, shard: Shard | null): [number, number] {
  if (!shard) return [0, n];
  return [Math.floor((shard.index * n) / shard.count), Math.floor(((shard.index + 1) * n) / shard.count)];
}

/** The subdirectory a shard writes under `--out`: shard-0003-of-0008. */
export function shardDirName(shard: Shard): string {
  const w = Math.max(4, String(shard.count).length);
  return `shard-${String(shard.index).padStart(w, '0')}-of-${String(shard.count).padStart(w, '0')}`;
}
