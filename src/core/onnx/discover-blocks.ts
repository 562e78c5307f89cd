/**
 * @file Which tensors of a U-Net graph are worth probing, found from the graph's structure and
 * the shapes of one dry run, for models that come without a manifest.
 *
 * Candidates are where a U-Net's blocks end: where the resolution changes (strided Conv,
 * ConvTranspose, Resize, pooling), what the decoder concatenates (skip connections), and the sums
 * of residual connections. Whether an Add is a real residual (two feature maps of the output's
 * shape) rather than a time-embedding broadcast ([N, C, 1, 1]) or a norm's affine needs shapes,
 * so classification comes after the dry run; the structural pass says which shapes to fetch.
 */
import type { BlockStage } from '../manifest/types';
import { inferElemTypes } from './elem-types';
import type { GraphOutputSpec } from './graph-outputs';
import { ElemType, type NodeInfo, type OnnxModelInfo } from './reader';
import { topologicalOrder } from './topology';

export type CandidateReason = 'resolution-change' | 'skip-input' | 'residual';

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
}

/** A Concat on the channel axis of tensors the graph computes: a skip connection, if they are 4-D. */
export interface ConcatCandidate {
  readonly node: string;
  readonly position: number;
  /** Its inputs that nodes produce (not constants, not graph inputs), in order. */
  readonly inputs: readonly string[];
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
const RESAMPLING_OPS = new Set([
  'ConvTranspose',
  'Resize',
  'Upsample',
  'AveragePool',
  'MaxPool',
  'DepthToSpace',
  'SpaceToDepth',
]);
/** Ops without inputs that still differ from run to run: their outputs are not constants. */
const RANDOM_OPS = new Set([
  'RandomNormal',
  'RandomUniform',
  'Multinomial',
  'RandomNormalLike',
  'RandomUniformLike',
]);

function ints(node: NodeInfo, name: string): readonly number[] {
  const a = node.attributes.get(name);
  return a?.type === 'ints' ? a.value : a?.type === 'int' ? [a.value] : [];
}

function changesResolution(node: NodeInfo): boolean {
  if (node.opType === 'Conv') return ints(node, 'strides').some((s) => s > 1);
  return RESAMPLING_OPS.has(node.opType);
}

/** Tensors fixed at export time: initializers, Constant outputs, and anything computed from them only. */
function constantTensors(info: OnnxModelInfo, nodes: readonly NodeInfo[]): Set<string> {
  const constant = new Set([...info.initializers.map((t) => t.name), ...info.constants]);
  for (const node of nodes) {
    if (node.opType === 'Constant' || RANDOM_OPS.has(node.opType)) continue;
    const inputs = node.inputs.filter(Boolean);
    if (inputs.length && inputs.every((i) => constant.has(i))) for (const o of node.outputs) constant.add(o);
  }
  return constant;
}

/**
 * Tensors to propose as blocks, from the graph alone: outputs of resolution changes, the inputs
 * of channel-axis Concats (skips), the sums of Adds of two computed tensors (residuals, to be
 * confirmed by classifyBlocks). Only float tensors of the main graph: others cannot be feature maps.
 */
export function candidateTensors(info: OnnxModelInfo): Candidates {
  const nodes = topologicalOrder(info.nodes);
  const types = inferElemTypes(info);
  const constant = constantTensors(info, nodes);
  const position = new Map<string, number>();
  const producer = new Map<string, NodeInfo>();
  nodes.forEach((node, i) => {
    for (const o of node.outputs) {
      position.set(o, i);
      producer.set(o, node);
    }
  });
  const isFeatureMap = (t: string) =>
    FLOAT_TYPES.has(types.get(t) ?? -1) && producer.has(t) && !constant.has(t);
  /**
   * The tensor whose values `t` only copies, through Identity and Casts to the type it already has:
   * torch traces guided-diffusion's `x.float()` on a float tensor as a Cast, and later uses of the
   * tensor (the skip Concat) read the Cast's output, which would name the block after the next
   * block's GroupNorm ("/input_blocks.1/…/in_layers.0/Cast" for input_blocks.0's output).
   */
  const source = (t: string): string => {
    for (let seen = 0; seen < nodes.length; seen++) {
      const node = producer.get(t);
      const input = node?.inputs[0];
      if (!node || !input || !isFeatureMap(input)) return t;
      const copies =
        node.opType === 'Identity' ||
        (node.opType === 'Cast' &&
          ints(node, 'to')[0] === types.get(input) &&
          types.get(t) === types.get(input));
      if (!copies) return t;
      t = input;
    }
    return t;
  };

  const byTensor = new Map<string, { reasons: Set<CandidateReason>; addInputs?: [string, string] }>();
  const propose = (copy: string, reason: CandidateReason, addInputs?: [string, string]) => {
    const tensor = source(copy);
    if (!isFeatureMap(tensor)) return;
    const entry = byTensor.get(tensor) ?? { reasons: new Set() };
    entry.reasons.add(reason);
    if (addInputs) entry.addInputs = addInputs;
    byTensor.set(tensor, entry);
  };
  const concats: ConcatCandidate[] = [];
  nodes.forEach((node, i) => {
    if (node.domain !== '' && node.domain !== 'ai.onnx') return;
    if (changesResolution(node) && node.outputs[0]) propose(node.outputs[0], 'resolution-change');
    if (node.opType === 'Concat') {
      // Channels: axis 1, or -3 counted from the end of NCHW.
      const axis = ints(node, 'axis')[0];
      if (axis !== 1 && axis !== -3) return;
      const inputs = node.inputs.filter(isFeatureMap).map(source);
      if (inputs.length < 2) return;
      for (const input of inputs) propose(input, 'skip-input');
      concats.push({ node: node.name, position: i, inputs });
    }
    if (node.opType === 'Add' && node.inputs.length === 2) {
      const [a, b] = node.inputs;
      if (a && b && !constant.has(a) && !constant.has(b)) propose(node.outputs[0], 'residual', [a, b]);
    }
  });

  const tensors: CandidateTensor[] = [...byTensor]
    .map(([tensor, { reasons, addInputs }]) => {
      const node = producer.get(tensor)!;
      return {
        tensor,
        node: node.name,
        op: node.opType,
        position: position.get(tensor)!,
        reasons: [...reasons],
        ...(addInputs && { addInputs }),
      };
    })
    .sort((x, y) => x.position - y.position);
  const fetch: GraphOutputSpec[] = tensors.map((c) => ({ name: c.tensor, elemType: types.get(c.tensor)! }));
  const listed = new Set(fetch.map((f) => f.name));
  for (const c of tensors) {
    for (const input of c.addInputs ?? []) {
      // Graph inputs' shapes are known from the feeds; producers' outputs must be fetched.
      if (listed.has(input) || !producer.has(input)) continue;
      const elemType = types.get(input);
      if (elemType === undefined) continue;
      listed.add(input);
      fetch.push({ name: input, elemType });
    }
  }
  return { tensors, concats, fetch };
}

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
  /** The last block of its stage at its level: the default selection. */
  readonly preselected: boolean;
}

export interface ClassifyOptions {
  /** Tensors never to propose (the prediction output: a manifest's blocks may not include it). */
  readonly exclude?: ReadonlySet<string>;
}

const sameDims = (a: readonly number[] | undefined, b: readonly number[] | undefined) =>
  a !== undefined && b !== undefined && a.length === b.length && a.every((d, i) => d === b[i]);

/** Decides each tensor's stage: "which side of the U" it is on. */
function stageRule(
  kept: readonly { tensor: string; position: number; dims: readonly number[] }[],
  concats: readonly ConcatCandidate[],
  positionOf: ReadonlyMap<string, number>,
  shapes: ReadonlyMap<string, readonly number[]>,
  batch: number,
): (position: number) => BlockStage {
  // Skip concats: at least two 4-D feature maps of one spatial size, joined on channels.
  const skips = concats.flatMap((c) => {
    const maps = c.inputs.filter((t) => {
      const d = shapes.get(t);
      return d?.length === 4 && d[0] === batch && positionOf.has(t);
    });
    if (maps.length < 2) return [];
    const [h, w] = shapes.get(maps[0])!.slice(2);
    if (!maps.every((t) => shapes.get(t)![2] === h && shapes.get(t)![3] === w)) return [];
    // The newest input is the decoder's own path; the others come from the encoder.
    const newest = Math.max(...maps.map((t) => positionOf.get(t)!));
    return [
      { position: c.position, sources: maps.map((t) => positionOf.get(t)!).filter((p) => p !== newest) },
    ];
  });
  if (skips.length) {
    const decoderStart = Math.min(...skips.map((s) => s.position));
    // The encoder ends at its last tensor that a decoder Concat takes.
    const sources = skips.flatMap((s) => s.sources).filter((p) => p < decoderStart);
    const encoderEnd = sources.length ? Math.max(...sources) : -1;
    return (p) => (p >= decoderStart ? 'up' : p <= encoderEnd ? 'down' : 'mid');
  }
  // No concatenated skips (additive skips, or no U at all): the lowest resolution is the middle.
  const area = (d: readonly number[]) => d[2] * d[3];
  const smallest = Math.min(...kept.map((k) => area(k.dims)));
  const atSmallest = kept.filter((k) => area(k.dims) === smallest).map((k) => k.position);
  const first = Math.min(...atSmallest);
  const last = Math.max(...atSmallest);
  return (p) => (p < first ? 'down' : p > last ? 'up' : 'mid');
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

/**
 * The candidates that are feature maps of one image (rank 4, the image's batch), with Adds kept
 * only when both inputs have the sum's shape; grouped into stages (the decoder starts at the first
 * skip Concat, the encoder ends at the last skip source before it, mid between; without Concat
 * skips, around the lowest resolution) and levels (rank of the spatial size, largest = 0), with
 * the last block of each stage at each level preselected. Forward order.
 */
export function classifyBlocks(
  candidates: Candidates,
  shapes: ReadonlyMap<string, readonly number[]>,
  imageDims: readonly number[],
  options: ClassifyOptions = {},
): ClassifiedBlock[] {
  const batch = imageDims[0];
  const kept = candidates.tensors.flatMap((c) => {
    const dims = shapes.get(c.tensor);
    if (dims?.length !== 4 || dims[0] !== batch || options.exclude?.has(c.tensor)) return [];
    const residual = c.addInputs?.every((input) => sameDims(shapes.get(input), dims)) ?? false;
    const reasons = c.reasons.filter((r) => r !== 'residual' || residual);
    return reasons.length ? [{ ...c, dims, reasons }] : [];
  });
  if (!kept.length) return [];

  const positionOf = new Map(candidates.tensors.map((c) => [c.tensor, c.position]));
  const stageOf = stageRule(kept, candidates.concats, positionOf, shapes, batch);
  const sizes = [...new Set(kept.map((k) => `${k.dims[2]}x${k.dims[3]}`))]
    .map((s) => s.split('x').map(Number))
    .sort((a, b) => b[0] * b[1] - a[0] * a[1] || b[0] - a[0]);
  const levelOf = (d: readonly number[]) => sizes.findIndex(([h, w]) => h === d[2] && w === d[3]);
  const names = uniqueNames(kept);

  const blocks = kept.map((k, i) => ({
    name: names[i],
    output: k.tensor,
    op: k.op,
    position: k.position,
    stage: stageOf(k.position),
    level: levelOf(k.dims),
    resolution: [k.dims[2], k.dims[3]] as const,
    channels: k.dims[1],
    reasons: k.reasons,
    preselected: false,
  }));
  const lastOfGroup = new Map<string, number>();
  blocks.forEach((b, i) => {
    lastOfGroup.set(`${b.stage}/${b.level}`, i);
  });
  const chosen = new Set(lastOfGroup.values());
  return blocks.map((b, i) => ({ ...b, preselected: chosen.has(i) }));
}
