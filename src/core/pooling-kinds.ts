/**
 * @file The one registry of pooling kinds: each named pooling with its label, its description in
 * words, and where it is offered. The app's pooling menu and view (state/view.ts), the CLI's
 * --pooling flags, the feature caches' key part and the spec's description all read it, so a
 * pooling is added here once.
 */
import type { Pooling } from './pooling';

export interface PoolingKind {
  pooling: Pooling;
  /** The menu's label. */
  label: string;
  /** In a sentence: "global average", "adaptive average 2×2"… */
  description: string;
  /** Offered in the app's pooling menu (the grids other than 8 only on the CLI and to heads). */
  inApp: boolean;
}

const grid = (size: 4 | 8 | 16, inApp: boolean): PoolingKind => ({
  pooling: { kind: 'grid', size },
  label: `Map pooled to ≤ ${size}×${size} (tokens)`,
  description: `map average-pooled to at most ${size}×${size}`,
  inApp,
});

export const POOLING_KINDS = {
  avg: { pooling: { kind: 'avg' }, label: 'Global average', description: 'global average', inApp: true },
  max: { pooling: { kind: 'max' }, label: 'Global max', description: 'global max', inApp: true },
  avg2: {
    pooling: { kind: 'adaptive', size: 2 },
    label: 'Adaptive average 2×2',
    description: 'adaptive average 2×2',
    inApp: true,
  },
  avg4: {
    pooling: { kind: 'adaptive', size: 4 },
    label: 'Adaptive average 4×4',
    description: 'adaptive average 4×4',
    inApp: true,
  },
  grid4: grid(4, false),
  grid8: grid(8, true),
  grid16: grid(16, false),
  raw: {
    pooling: { kind: 'raw' },
    label: 'Raw map (no pooling)',
    description: 'raw map (no pooling)',
    inApp: true,
  },
} as const satisfies Record<string, PoolingKind>;

export type PoolingName = keyof typeof POOLING_KINDS;

/** The registered name of `p` ('avg', 'avg2', 'grid8'…), or null for a pooling not registered. */
export function poolingName(p: Pooling): PoolingName | null {
  for (const [name, kind] of Object.entries(POOLING_KINDS) as [PoolingName, PoolingKind][]) {
    const q = kind.pooling;
    if (q.kind === p.kind && (!('size' in q) || ('size' in p && p.size === q.size))) return name;
  }
  return null;
}

/** "global average", "adaptive average 2×2"… for any pooling (registered or not). */
export function describePooling(p: Pooling): string {
  const name = poolingName(p);
  if (name) return POOLING_KINDS[name].description;
  return p.kind === 'adaptive'
    ? `adaptive average ${p.size}×${p.size}`
    : `map average-pooled to at most ${'size' in p ? p.size : '?'}×${'size' in p ? p.size : '?'}`;
}

/** The names of the poolings a CLI flag accepts, as its help shows them ("avg|max|…"). */
export function poolingChoices(filter: (name: PoolingName) => boolean = (n) => n !== 'raw'): string {
  return (Object.keys(POOLING_KINDS) as PoolingName[]).filter(filter).join('|');
}
