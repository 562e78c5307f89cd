/**
 * @file The "candidates on the graph" view's layout, pure: one column in forward order where each
 * candidate tensor is a row, preceded by the ops that lead to it from the previous candidate (a
 * compact chain, as Netron draws a graph but with the usual patterns folded: SiLU, GroupNorm),
 * and the skip connections as arcs in a gutter on the left, from the encoder tensor to the ops row
 * that holds its Concat. Fixed row heights, so positions are arithmetic and unit-tested.
 */
import type { BlockCandidate, BlockSkip, GraphOp } from '../../worker/jobs';

export type OpKind = 'conv' | 'norm' | 'act' | 'resample' | 'join' | 'attn' | 'other';

/** One box of an ops row: an op, or a folded pattern of several. */
export interface OpGroup {
  readonly label: string;
  readonly kind: OpKind;
  /** The graph nodes it stands for. */
  readonly nodes: readonly GraphOp[];
}

export interface GraphRow {
  readonly candidate: BlockCandidate;
  /** Top of the ops row (ops before the tensor, its producer last). */
  readonly opsY: number;
  /** Top of the tensor's row. */
  readonly tensorY: number;
  readonly ops: readonly OpGroup[];
  /** Ops left out (a long path keeps its first and last boxes), shown as "+N" before `ops[foldAt]`. */
  readonly hiddenOps: number;
  readonly foldAt: number;
  /** The walk back stopped before reaching the previous candidate: more ops came before. */
  readonly truncated: boolean;
  /** The previous row is not where this path starts: the name of the candidate it does start after. */
  readonly after: string | null;
}

export interface SkipArc {
  readonly from: string;
  readonly concat: string;
  /** y of the source tensor's row middle and of the ops row that holds the Concat. */
  readonly y1: number;
  readonly y2: number;
  /** Gutter lane: 0 nearest the rows. */
  readonly lane: number;
}

export interface CandidateGraphLayout {
  readonly rows: readonly GraphRow[];
  readonly arcs: readonly SkipArc[];
  readonly height: number;
  /** Width of the arcs' gutter, left of the rows. */
  readonly gutter: number;
}

export const OPS_H = 22;
export const TENSOR_H = 30;
const GAP = 8;
const LANE_W = 7;
/** Boxes shown per ops row: the first HEAD_GROUPS, "+N", then the last ones. */
export const MAX_GROUPS = 9;
const HEAD_GROUPS = 3;

const PATTERNS: { ops: string[]; label: string; kind: OpKind }[] = [
  { ops: ['Reshape', 'InstanceNormalization', 'Reshape', 'Mul', 'Add'], label: 'GroupNorm', kind: 'norm' },
  { ops: ['Sigmoid', 'Mul'], label: 'SiLU', kind: 'act' },
];

const KINDS: Record<string, OpKind> = {
  Conv: 'conv',
  ConvTranspose: 'resample',
  Gemm: 'conv',
  MatMul: 'conv',
  Einsum: 'conv',
  InstanceNormalization: 'norm',
  LayerNormalization: 'norm',
  GroupNormalization: 'norm',
  BatchNormalization: 'norm',
  Relu: 'act',
  LeakyRelu: 'act',
  Sigmoid: 'act',
  Tanh: 'act',
  Gelu: 'act',
  Erf: 'act',
  Softplus: 'act',
  Softmax: 'attn',
  Resize: 'resample',
  Upsample: 'resample',
  MaxPool: 'resample',
  AveragePool: 'resample',
  DepthToSpace: 'resample',
  SpaceToDepth: 'resample',
  Concat: 'join',
  Add: 'join',
};

/** The ops as boxes, folding torch's exports of GroupNorm and SiLU back into one box each. */
export function groupOps(ops: readonly GraphOp[]): OpGroup[] {
  const out: OpGroup[] = [];
  for (let i = 0; i < ops.length; ) {
    const hit = PATTERNS.find((p) => p.ops.every((op, k) => ops[i + k]?.op === op));
    if (hit) {
      out.push({ label: hit.label, kind: hit.kind, nodes: ops.slice(i, i + hit.ops.length) });
      i += hit.ops.length;
    } else {
      out.push({ label: ops[i].op, kind: KINDS[ops[i].op] ?? 'other', nodes: [ops[i]] });
      i += 1;
    }
  }
  return out;
}

/**
 * Rows and arcs for `candidates` (forward order). An arc runs from an encoder tensor to the row
 * whose ops hold its Concat; overlapping arcs take separate lanes, the longer ones further out
 * (the skips of a U are nested, so each depth of nesting is a lane).
 */
export function layoutCandidateGraph(
  candidates: readonly BlockCandidate[],
  skips: readonly BlockSkip[] = [],
): CandidateGraphLayout {
  const rows: GraphRow[] = [];
  let y = 0;
  candidates.forEach((c, i) => {
    const groups = groupOps(c.path?.ops ?? []);
    // The first boxes (the up-sampling and skip Concat a decoder path starts with) and the last
    // (the block's end) say the most; a long middle folds.
    const long = groups.length > MAX_GROUPS;
    const shown = long
      ? [...groups.slice(0, HEAD_GROUPS), ...groups.slice(HEAD_GROUPS - MAX_GROUPS)]
      : groups;
    const hidden = long
      ? groups.slice(HEAD_GROUPS, HEAD_GROUPS - MAX_GROUPS).reduce((n, g) => n + g.nodes.length, 0)
      : 0;
    const from = c.path?.from ?? null;
    rows.push({
      candidate: c,
      opsY: y,
      tensorY: y + OPS_H + GAP / 2,
      ops: shown,
      hiddenOps: hidden,
      foldAt: long ? HEAD_GROUPS : 0,
      truncated: c.path?.truncated ?? false,
      after: i > 0 && from !== null && from !== candidates[i - 1].name ? from : null,
    });
    y += OPS_H + TENSOR_H + GAP * 1.5;
  });

  const rowOf = new Map(rows.map((r) => [r.candidate.name, r]));
  const concatRow = (concat: string) =>
    rows.find((r) => r.candidate.path?.ops.some((o) => o.node === concat));
  const spans = skips.flatMap((s) => {
    const source = rowOf.get(s.from);
    const target = concatRow(s.concat);
    if (!source || !target || target.opsY <= source.tensorY) return [];
    return [
      { from: s.from, concat: s.concat, y1: source.tensorY + TENSOR_H / 2, y2: target.opsY + OPS_H / 2 },
    ];
  });
  // Shortest first take the inner lanes: nested skips (a U) then draw as nested arcs.
  spans.sort((a, b) => a.y2 - a.y1 - (b.y2 - b.y1));
  const lanes: { y1: number; y2: number }[][] = [];
  const arcs: SkipArc[] = spans.map((s) => {
    let lane = lanes.findIndex((taken) => taken.every((t) => t.y2 < s.y1 || t.y1 > s.y2));
    if (lane === -1) lane = lanes.push([]) - 1;
    lanes[lane].push(s);
    return { ...s, lane };
  });
  const depth = Math.max(0, ...arcs.map((a) => a.lane + 1));
  return { rows, arcs, height: Math.max(y - GAP / 2, 0), gutter: depth ? depth * LANE_W + 8 : 0 };
}

/**
 * A node name that fits a row: torch repeats a Sequential's scope in its children
 * ("/input_blocks.1/input_blocks.1.0/Add_1"), so a segment that only prefixes the next one goes
 * ("/input_blocks.1.0/Add_1"); a name still longer than `max` keeps its end, the distinctive part.
 */
export function graphLabel(name: string, max = 36): string {
  const segments = name.split('/');
  const kept = segments.filter(
    (seg, i) => !(seg && i + 1 < segments.length && segments[i + 1].startsWith(`${seg}.`)),
  );
  const label = kept.join('/');
  return label.length <= max ? label : `…${label.slice(label.length - (max - 1))}`;
}
