/**
 * @file Which tensors of a U-Net graph are worth probing, found from the graph's structure, for
 * models that come without a manifest (the shapes of one dry run then decide: discover-classify).
 *
 * Candidates are where a U-Net's stages begin and end: the output of every op that changes the
 * resolution (strided or unpadded Conv, ConvTranspose, Resize, pooling) and the tensor entering it
 * (the last one at the old resolution: in a U-Net without residual additions, a decoder block's
 * output is nothing else), what the decoder concatenates (skip connections), the sums of residual
 * connections, and the tensor entering the prediction head (the last block's output). Whether an
 * Add is a real residual (two feature maps of the output's shape) rather than a time-embedding
 * broadcast ([N, C, 1, 1]) needs shapes, so the structural pass says which shapes to fetch.
 */
import {
  beforeNormalisation,
  beforePassThrough,
  changesResolution,
  type GraphIndex,
  indexGraph,
  isAncestor,
  type OpRef,
  opRef,
  pointwiseRoot,
  predictionHead,
  SHAPE_OPS,
} from './discover-graph';
import { inferElemTypes } from './elem-types';
import type { GraphOutputSpec } from './graph-outputs';
import { ElemType, type NodeInfo, type OnnxModelInfo } from './reader';

export type CandidateReason = 'resolution-change' | 'stage-end' | 'skip-input' | 'residual' | 'last-block';

/** The ops on the image's path from the previous candidate to a candidate. */
export interface CandidatePath {
  /** The candidate tensor (or, once classified, block name) it starts after; null: a graph input. */
  readonly from: string | null;
  /** In forward order, the candidate's producer last. */
  readonly ops: readonly OpRef[];
  /** More ops came before these (the walk stops after MAX_PATH_OPS). */
  readonly truncated: boolean;
}

export interface CandidateTensor {
  readonly tensor: string;
  /** The producing node's name ('' when the node has none). */
  readonly node: string;
  readonly op: string;
  /** The producing node's index in topological order: forward order. */
  readonly position: number;
  readonly reasons: readonly CandidateReason[];
  /** For an Add: its two inputs, whose shapes decide whether it is a real residual. */
  readonly addInputs?: readonly [string, string];
  /** 'stage-end': the resolution-changing node it enters. */
  readonly enters?: OpRef;
  /** 'skip-input': the Concat that takes it, and whether it is the encoder's side or the decoder's own path. */
  readonly concat?: OpRef & { readonly side: 'encoder' | 'decoder' };
  /** 'last-block': the graph output whose prediction head it enters, and the head's conv. */
  readonly head?: { readonly output: string; readonly conv: OpRef; readonly normalised: boolean };
  /**
   * A step inside a resampling: it lies between two resolution changes with nothing but pointwise
   * ops around it (the 6×6 of a 7 → 6 → 3 down-sampling). Listed, never suggested.
   */
  readonly transit?: boolean;
  /** The nodes that take it, in forward order (for the graph view: the op that follows). */
  readonly consumers?: readonly OpRef[];
  readonly path?: CandidatePath;
}

/** A Concat on the channel axis of tensors the graph computes: a skip connection, if they are 4-D. */
export interface ConcatCandidate {
  readonly node: string;
  readonly position: number;
  /** Its inputs that nodes produce (not constants, not graph inputs), in order. */
  readonly inputs: readonly string[];
  /**
   * The inputs the newest input is computed from: the encoder's side of a skip connection (none
   * when the Concat joins parallel branches). Absent: every input but the newest.
   */
  readonly sources?: readonly string[];
}

export interface Candidates {
  /** In forward order. */
  readonly tensors: readonly CandidateTensor[];
  readonly concats: readonly ConcatCandidate[];
  /**
   * Everything whose shape the dry run must fetch, with its element type (to declare it as a graph
   * output): the candidates, then the Add inputs that are not candidates themselves.
   */
  readonly fetch: readonly GraphOutputSpec[];
}

const FLOAT_TYPES: ReadonlySet<number> = new Set([
  ElemType.FLOAT,
  ElemType.FLOAT16,
  ElemType.DOUBLE,
  ElemType.BFLOAT16,
]);
/** How far back the graph view's path of a candidate goes. */
const MAX_PATH_OPS = 48;

function isChannelConcat(node: NodeInfo): boolean {
  // Channels: axis 1, or -3 counted from the end of NCHW.
  const a = node.attributes.get('axis');
  const axis = a?.type === 'int' ? a.value : undefined;
  return node.opType === 'Concat' && (axis === 1 || axis === -3);
}

/** The input carrying the image's own path: computed from the image, the most recent such. */
function mainInput(node: NodeInfo, g: GraphIndex): string | undefined {
  let best: string | undefined;
  let bestAt = -1;
  for (const input of node.inputs) {
    if (!input || g.constant.has(input) || !g.fromImage.has(input)) continue;
    const at = g.position.get(input) ?? -1;
    if (at >= bestAt) {
      best = input;
      bestAt = at;
    }
  }
  return best;
}

/**
 * The block output behind `tensor`: a skip Concat (an activation of it) entering a resampling op or
 * the head joins the decoder's own path with an encoder tensor; the stage's end is that own path.
 */
function ownPath(tensor: string, g: GraphIndex): string {
  const node = g.producer.get(pointwiseRoot(tensor, g).root);
  return (node && isChannelConcat(node) && mainInput(node, g)) || tensor;
}

/**
 * Whether the tensor `entering` resampling node `next` is itself only a step of a resampling: it
 * is (a pointwise function of) another resampling op's output, and nothing else takes any tensor
 * on the way.
 */
function transitInto(entering: string, next: NodeInfo, g: GraphIndex): string | undefined {
  const chain = pointwiseRoot(entering, g);
  const before = g.producer.get(chain.root);
  if (!before || !changesResolution(before, g) || before.outputs[0] !== chain.root) return undefined;
  const allowed = new Set<NodeInfo>([...chain.nodes, next]);
  // The paddings between `entering` and `next`.
  for (let t = next.inputs[0], i = 0; t !== entering && i < 8; i++) {
    const pad = g.producer.get(t);
    if (!pad) break;
    allowed.add(pad);
    t = pad.inputs[0];
  }
  const tensors = [chain.root, ...[...chain.nodes].flatMap((n) => n.outputs)];
  const onlyInside = tensors.every((t) => (g.consumers.get(t) ?? []).every((n) => allowed.has(n)));
  return onlyInside ? chain.root : undefined;
}

interface Proposal {
  reasons: Set<CandidateReason>;
  addInputs?: [string, string];
  enters?: OpRef;
  concat?: CandidateTensor['concat'];
  head?: CandidateTensor['head'];
  transit?: boolean;
}

/**
 * Tensors to propose as blocks, from the graph alone (see the file comment), with each one's
 * reasons and the nodes those name, in forward order. Only float tensors of the main graph that
 * are computed from the inputs: others cannot be feature maps.
 */
export function candidateTensors(info: OnnxModelInfo): Candidates {
  const g = indexGraph(info);
  const types = inferElemTypes(info);
  const isFeatureMap = (t: string) =>
    FLOAT_TYPES.has(types.get(t) ?? -1) && g.producer.has(t) && !g.constant.has(t);

  // The tensor a float-to-float Cast or an Identity copies: the same values under the name of the
  // node that computed them (guided-diffusion's GroupNorm32 casts every block output to float, and
  // the trace then hands that copy to the skip Concat and to the next block).
  const same = (tensor: string): string => {
    let t = tensor;
    for (let node = g.producer.get(t); node && (node.opType === 'Cast' || node.opType === 'Identity'); ) {
      const input = node.inputs[0];
      if (!input || types.get(input) !== types.get(t)) break;
      t = input;
      node = g.producer.get(t);
    }
    return t;
  };
  /** The ops that take `tensor`, looking through its copies; Shape and Size only read its dimensions. */
  const following = (tensor: string, depth = 0): NodeInfo[] =>
    (g.consumers.get(tensor) ?? []).flatMap((n) =>
      SHAPE_OPS.has(n.opType)
        ? []
        : depth < 4 && n.outputs[0] && same(n.outputs[0]) === tensor
          ? following(n.outputs[0], depth + 1)
          : [n],
    );
  const byTensor = new Map<string, Proposal>();
  const propose = (proposed: string, reason: CandidateReason, extra: Omit<Proposal, 'reasons'> = {}) => {
    const tensor = same(proposed);
    if (!isFeatureMap(tensor)) return;
    const entry = byTensor.get(tensor) ?? { reasons: new Set() };
    entry.reasons.add(reason);
    // The first node that names a reason stays (a tensor concatenated twice keeps the first Concat).
    for (const [k, v] of Object.entries(extra))
      if (v !== undefined && !(k in entry)) Object.assign(entry, { [k]: v });
    byTensor.set(tensor, entry);
  };
  const transit = new Set<string>();
  const concats: ConcatCandidate[] = [];
  g.nodes.forEach((node, i) => {
    if (node.domain !== '' && node.domain !== 'ai.onnx') return;
    if (changesResolution(node, g) && node.inputs[0] && node.outputs[0]) {
      propose(node.outputs[0], 'resolution-change');
      const entering = ownPath(beforeNormalisation(beforePassThrough(node.inputs[0], g), g), g);
      propose(entering, 'stage-end', { enters: opRef(node) });
      const earlier = transitInto(entering, node, g);
      if (earlier !== undefined) transit.add(same(entering)).add(same(earlier));
    }
    if (isChannelConcat(node)) {
      const inputs = [...new Set(node.inputs.filter(isFeatureMap).map(same))].filter(isFeatureMap);
      if (inputs.length < 2) return;
      const newest = inputs.reduce((a, b) => (g.position.get(b)! > g.position.get(a)! ? b : a));
      const sources = inputs.filter((t) => t !== newest && isAncestor(t, newest, g));
      // Parallel branches joined on channels are no skip connection: not proposed for it.
      if (sources.length)
        for (const input of [...sources, newest])
          propose(input, 'skip-input', {
            concat: { ...opRef(node), side: input === newest ? 'decoder' : 'encoder' },
          });
      concats.push({ node: node.name, position: i, inputs, sources });
    }
    if (node.opType === 'Add' && node.inputs.length === 2) {
      const [a, b] = node.inputs;
      if (a && b && !g.constant.has(a) && !g.constant.has(b))
        propose(node.outputs[0], 'residual', { addInputs: [a, b] });
    }
  });
  for (const output of info.outputs) {
    const head = predictionHead(output.name, g);
    if (head)
      propose(ownPath(head.input, g), 'last-block', {
        head: { output: output.name, conv: head.conv, normalised: head.normalised },
      });
  }
  for (const t of transit) {
    const entry = byTensor.get(t);
    if (entry) entry.transit = true;
  }

  const tensors: CandidateTensor[] = [...byTensor]
    .map(([tensor, { reasons, ...extra }]) => {
      const node = g.producer.get(tensor)!;
      return {
        tensor,
        node: node.name,
        op: node.opType,
        position: g.position.get(tensor)!,
        reasons: [...reasons],
        ...extra,
        consumers: following(tensor).map(opRef),
      };
    })
    .sort((x, y) => x.position - y.position);
  const isCandidate = new Set(tensors.map((c) => c.tensor));
  const withPaths = tensors.map((c) => ({ ...c, path: pathTo(c.tensor, isCandidate, g) }));

  const fetch: GraphOutputSpec[] = tensors.map((c) => ({ name: c.tensor, elemType: types.get(c.tensor)! }));
  const listed = new Set(fetch.map((f) => f.name));
  for (const c of tensors) {
    for (const input of c.addInputs ?? []) {
      // Graph inputs' shapes are known from the feeds; producers' outputs must be fetched.
      if (listed.has(input) || !g.producer.has(input)) continue;
      const elemType = types.get(input);
      if (elemType === undefined) continue;
      listed.add(input);
      fetch.push({ name: input, elemType });
    }
  }
  return { tensors: withPaths, concats, fetch };
}

/** The ops on the image's path back from `tensor` to the previous candidate (or a graph input). */
function pathTo(tensor: string, isCandidate: ReadonlySet<string>, g: GraphIndex): CandidatePath {
  const ops: OpRef[] = [];
  let t: string | undefined = tensor;
  while (t !== undefined && (t === tensor || !isCandidate.has(t))) {
    const node = g.producer.get(t);
    if (!node) break;
    if (ops.length === MAX_PATH_OPS) return { from: null, ops: ops.reverse(), truncated: true };
    ops.push(opRef(node));
    t = mainInput(node, g);
  }
  return { from: t !== undefined && isCandidate.has(t) ? t : null, ops: ops.reverse(), truncated: false };
}
