/**
 * @file From candidate tensors (discover-blocks) and the shapes of one dry run to blocks: which
 * candidates are feature maps of one image, which side of the U each is on (stage), at which depth
 * (level), why each is a candidate in words, which are suggested (the last tensor of every stage
 * at every resolution), the skip connections between them, and what the graph lacks (no decoder).
 */
import type { BlockStage } from '../manifest/types';
import type {
  CandidatePath,
  CandidateReason,
  Candidates,
  CandidateTensor,
  ConcatCandidate,
} from './discover-blocks';
import type { OpRef } from './discover-graph';

export interface ClassifiedBlock {
  /** The producing node's name as in the graph ("/down_blocks.0/resnets.1/Add"), unique. */
  readonly name: string;
  /** The tensor holding the feature map. */
  readonly output: string;
  readonly op: string;
  readonly position: number;
  readonly stage: BlockStage;
  /** 0 = the largest spatial size among the blocks. */
  readonly level: number;
  readonly resolution: readonly [number, number];
  readonly channels: number;
  readonly reasons: readonly CandidateReason[];
  /** The reasons in words, naming the nodes ("input of /up2/ConvTranspose: the end of a stage at 7×7"). */
  readonly why: readonly string[];
  /** A step inside a resampling (see CandidateTensor.transit): never suggested. */
  readonly transit: boolean;
  /** The last block of its stage at its level: the default selection. */
  readonly preselected: boolean;
  /** The nodes that take it (the op that follows it), forward order. */
  readonly consumers: readonly OpRef[];
  /** The ops from the previous block (`from` is its name) to this one. */
  readonly path: CandidatePath;
}

export interface ClassifyOptions {
  /** Tensors never to propose (the prediction output: a manifest's blocks may not include it). */
  readonly exclude?: ReadonlySet<string>;
  /** The prediction output: only its head's input is the last block (other outputs have heads too). */
  readonly prediction?: string;
}

/** A skip connection: block `from` is concatenated into the decoder by the Concat at `position`. */
export interface SkipEdge {
  readonly from: string;
  readonly concat: string;
  readonly position: number;
}

const sameDims = (a: readonly number[] | undefined, b: readonly number[] | undefined) =>
  a !== undefined && b !== undefined && a.length === b.length && a.every((d, i) => d === b[i]);

interface Kept extends CandidateTensor {
  readonly dims: readonly number[];
}

const area = (d: readonly number[]) => d[2] * d[3];
const area4 = (b: ClassifiedBlock) => b.resolution[0] * b.resolution[1];

/** The blocks whose sizes make the levels and the middle: all but resampling steps (if any are left). */
function sizingBlocks(kept: readonly Kept[]): readonly Kept[] {
  const real = kept.filter((k) => !k.transit);
  return real.length ? real : kept;
}

interface Placed {
  readonly tensor: string;
  readonly position: number;
  readonly height: number;
  readonly width: number;
}

/**
 * Skip concats: at least two feature maps of one spatial size (`placed` knows them), joined on
 * channels. The newest input is the decoder's own path; the others come from the encoder (when it
 * is computed from them: a Concat of parallel branches is no skip).
 */
function skipConcats(concats: readonly ConcatCandidate[], placed: (tensor: string) => Placed | undefined) {
  return concats.flatMap((c) => {
    const maps = c.inputs.map(placed).filter((k) => k !== undefined);
    if (maps.length < 2) return [];
    if (!maps.every((k) => k.height === maps[0].height && k.width === maps[0].width)) return [];
    const newest = Math.max(...maps.map((k) => k.position));
    const sources = maps.filter((k) => k.position !== newest && (c.sources?.includes(k.tensor) ?? true));
    return sources.length ? [{ concat: c, sources }] : [];
  });
}

/**
 * Decides each tensor's stage: "which side of the U" it is on. With skip concats, the decoder starts
 * at the first one and the encoder ends at its last tensor that a decoder concat takes; between
 * them, the lowest resolution is the middle and what comes before or after it (the last
 * down-sampling, the first up-sampling) belongs to the encoder or the decoder. Without concats
 * (additive skips, or no U at all), the lowest resolution is the middle.
 */
function stageRule(
  kept: readonly Kept[],
  skips: ReturnType<typeof skipConcats>,
): (position: number) => BlockStage {
  const sizing = sizingBlocks(kept);
  const aroundSmallest = (among: readonly Kept[], fallback: BlockStage) => {
    if (!among.length) return () => fallback;
    const smallest = Math.min(...among.map((k) => area(k.dims)));
    const atSmallest = among.filter((k) => area(k.dims) === smallest).map((k) => k.position);
    const first = Math.min(...atSmallest);
    const last = Math.max(...atSmallest);
    return (p: number): BlockStage => (p < first ? 'down' : p > last ? 'up' : 'mid');
  };
  if (skips.length) {
    const decoderStart = Math.min(...skips.map((s) => s.concat.position));
    const sources = skips.flatMap((s) => s.sources.map((k) => k.position)).filter((p) => p < decoderStart);
    const encoderEnd = sources.length ? Math.max(...sources) : -1;
    const between = aroundSmallest(
      sizing.filter((k) => k.position > encoderEnd && k.position < decoderStart),
      'mid',
    );
    return (p) => (p >= decoderStart ? 'up' : p <= encoderEnd ? 'down' : between(p));
  }
  return aroundSmallest(sizing, 'mid');
}

/** Block names: node names as the graph has them, tensor names where those are missing or shared. */
function uniqueNames(kept: readonly { tensor: string; node: string }[]): string[] {
  const count = new Map<string, number>();
  for (const k of kept) if (k.node) count.set(k.node, (count.get(k.node) ?? 0) + 1);
  const used = new Set<string>();
  return kept.map((k) => {
    let name = k.node && count.get(k.node) === 1 ? k.node : k.tensor;
    for (let i = 2; used.has(name); i++) name = `${k.tensor} #${i}`;
    used.add(name);
    return name;
  });
}

const nodeLabel = (o: OpRef | undefined, otherwise: string) => (o ? o.node || o.op : otherwise);

/** Each reason in words, with the nodes it names and the tensor's resolution. */
function reasonsInWords(k: Kept): string[] {
  const size = `${k.dims[2]}×${k.dims[3]}`;
  const step = `a step inside a resampling at ${size}, not a stage`;
  const head = k.head && `${k.head.normalised ? 'norm, activation, ' : ''}${nodeLabel(k.head.conv, '')}`;
  const words: Record<CandidateReason, string> = {
    'resolution-change': `output of ${k.node || k.op}: ${k.transit ? step : `the first tensor at ${size}`}`,
    'stage-end': `input of ${nodeLabel(k.enters, 'a resampling op')}: ${k.transit ? step : `the end of a stage at ${size}`}`,
    'skip-input':
      k.concat?.side === 'decoder'
        ? `joined with a skip connection by ${nodeLabel(k.concat, 'a Concat')}`
        : `concatenated by ${nodeLabel(k.concat, 'a Concat')}: a skip connection`,
    residual: `sum of a residual connection at ${size}`,
    'last-block': `input of the prediction head${head ? ` (${head})` : ''}: the last block's output`,
  };
  return k.reasons.map((r) => words[r]);
}

/** The nearest of `sizes` (by area ratio) to `d`'s: a resampling step's size is no level of its own. */
function nearestLevel(d: readonly number[], sizes: readonly (readonly number[])[]): number {
  const exact = sizes.findIndex(([h, w]) => h === d[2] && w === d[3]);
  if (exact >= 0) return exact;
  let best = 0;
  for (let i = 1; i < sizes.length; i++) {
    const gap = (s: readonly number[]) => Math.abs(Math.log((s[0] * s[1]) / area(d)));
    if (gap(sizes[i]) < gap(sizes[best])) best = i;
  }
  return best;
}

/**
 * The candidates that are feature maps of one image (rank 4, the image's batch), with Adds kept
 * only when both inputs have the sum's shape, and the last-block reason only for the prediction's
 * head; grouped into stages (stageRule) and levels (rank of the spatial size among the blocks that
 * are not resampling steps, largest = 0; a step takes the nearest level), with the last block of
 * each stage at each level that is not a step preselected. Forward order.
 */
export function classifyBlocks(
  candidates: Candidates,
  shapes: ReadonlyMap<string, readonly number[]>,
  imageDims: readonly number[],
  options: ClassifyOptions = {},
): ClassifiedBlock[] {
  const batch = imageDims[0];
  const kept: Kept[] = candidates.tensors.flatMap((c) => {
    const dims = shapes.get(c.tensor);
    if (dims?.length !== 4 || dims[0] !== batch || options.exclude?.has(c.tensor)) return [];
    const residual = c.addInputs?.every((input) => sameDims(shapes.get(input), dims)) ?? false;
    const ownHead = options.prediction === undefined || c.head?.output === options.prediction;
    const reasons = c.reasons.filter(
      (r) => (r !== 'residual' || residual) && (r !== 'last-block' || ownHead),
    );
    return reasons.length ? [{ ...c, dims, reasons }] : [];
  });
  if (!kept.length) return [];

  const byTensor = new Map(kept.map((k) => [k.tensor, k]));
  const placed = (t: string) => {
    const k = byTensor.get(t);
    return k && { tensor: t, position: k.position, height: k.dims[2], width: k.dims[3] };
  };
  const stageOf = stageRule(kept, skipConcats(candidates.concats, placed));
  const sizes = [...new Set(sizingBlocks(kept).map((k) => `${k.dims[2]}x${k.dims[3]}`))]
    .map((s) => s.split('x').map(Number))
    .sort((a, b) => b[0] * b[1] - a[0] * a[1] || b[0] - a[0]);
  const names = uniqueNames(kept);
  const nameOf = new Map(kept.map((k, i) => [k.tensor, names[i]]));
  const paths = mergedPaths(candidates.tensors, byTensor, nameOf);

  const blocks = kept.map((k, i) => ({
    name: names[i],
    output: k.tensor,
    op: k.op,
    position: k.position,
    stage: stageOf(k.position),
    level: nearestLevel(k.dims, sizes),
    resolution: [k.dims[2], k.dims[3]] as const,
    channels: k.dims[1],
    reasons: k.reasons,
    why: reasonsInWords(k),
    transit: k.transit ?? false,
    preselected: false,
    consumers: k.consumers ?? [],
    path: paths.get(k.tensor)!,
  }));
  const lastOfGroup = new Map<string, number>();
  // Without a decoder, the up side is only an up-sampling into the head: nothing to suggest there.
  const decoder = hasDecoder(blocks);
  blocks.forEach((b, i) => {
    if (!b.transit && (decoder || b.stage !== 'up')) lastOfGroup.set(`${b.stage}/${b.level}`, i);
  });
  const chosen = new Set(lastOfGroup.values());
  return blocks.map((b, i) => ({ ...b, preselected: chosen.has(i) }));
}

/**
 * Each kept candidate's path from the previous kept one: a path that starts after a candidate the
 * shapes ruled out (a time-embedding Add) continues through that candidate's own path.
 */
function mergedPaths(
  tensors: readonly CandidateTensor[],
  kept: ReadonlyMap<string, Kept>,
  nameOf: ReadonlyMap<string, string>,
): Map<string, CandidatePath> {
  const all = new Map(tensors.map((c) => [c.tensor, c]));
  const memo = new Map<string, CandidatePath>();
  const resolve = (tensor: string): CandidatePath => {
    const cached = memo.get(tensor);
    if (cached) return cached;
    const own = all.get(tensor)?.path ?? { from: null, ops: [], truncated: false };
    let path: CandidatePath = own;
    if (own.from !== null && !kept.has(own.from)) {
      const before = resolve(own.from);
      path = { from: before.from, ops: [...before.ops, ...own.ops], truncated: before.truncated };
    }
    memo.set(tensor, path);
    return path;
  };
  const out = new Map<string, CandidatePath>();
  for (const tensor of kept.keys()) {
    const p = resolve(tensor);
    out.set(tensor, { ...p, from: p.from === null ? null : (nameOf.get(p.from) ?? null) });
  }
  return out;
}

/**
 * The skip connections between blocks: each encoder-side input of a skip concat that is a block.
 * (The decoder block it reaches depends on which blocks are chosen: skipsBetween.)
 */
export function skipEdges(candidates: Candidates, blocks: readonly ClassifiedBlock[]): SkipEdge[] {
  const byOutput = new Map(blocks.map((b) => [b.output, b]));
  const placed = (t: string) => {
    const b = byOutput.get(t);
    return b && { tensor: t, position: b.position, height: b.resolution[0], width: b.resolution[1] };
  };
  return skipConcats(candidates.concats, placed).flatMap(({ concat, sources }) =>
    sources.map((k) => ({
      from: byOutput.get(k.tensor)!.name,
      concat: concat.node,
      position: concat.position,
    })),
  );
}

/** A decoder block: anything on the up side that is not a resampling step or an up-sampling op's own output. */
function hasDecoder(blocks: readonly Pick<ClassifiedBlock, 'stage' | 'transit' | 'reasons'>[]): boolean {
  return blocks.some((b) => b.stage === 'up' && !b.transit && !b.reasons.includes('resolution-change'));
}

/**
 * What the blocks say about the graph's shape, for the user: no decoder (nothing but up-sampling
 * after the lowest resolution), or no resolution change at all.
 */
export function blockNotes(blocks: readonly ClassifiedBlock[]): string[] {
  const real = blocks.filter((b) => !b.transit);
  if (!real.length) return [];
  const sizes = new Set(real.map((b) => b.resolution.join('×')));
  if (sizes.size === 1)
    return [
      `every candidate is ${[...sizes][0]}: the graph never changes resolution, so it has no encoder or decoder stages to tell apart`,
    ];
  if (!hasDecoder(real)) {
    const lowest = real.reduce((a, b) => (area4(b) < area4(a) ? b : a));
    return [
      `no decoder: after the lowest resolution (${lowest.resolution.join('×')}) no block follows the up-sampling, so the suggestions cover the encoder only`,
    ];
  }
  return [];
}
