/**
 * @file The graph as block discovery reads it: nodes in forward order, who produces and who consumes
 * each tensor, which tensors are constants, which ops change the spatial size (decided from their
 * attributes, so no dry run is needed), and short walks backwards through the ops that do not make
 * a block: activations (SiLU is Sigmoid + Mul, GELU is Erf + Mul…), paddings, normalisations.
 */
import type { NodeInfo, OnnxModelInfo } from './reader';
import { topologicalOrder } from './topology';

export interface OpRef {
  /** The node's name ('' when it has none). */
  readonly node: string;
  readonly op: string;
}

export interface GraphIndex {
  /** Forward (topological) order. */
  readonly nodes: readonly NodeInfo[];
  readonly producer: ReadonlyMap<string, NodeInfo>;
  /** The producing node's index in `nodes`. */
  readonly position: ReadonlyMap<string, number>;
  readonly consumers: ReadonlyMap<string, readonly NodeInfo[]>;
  /** Initializers, Constant outputs and anything computed from them only. */
  readonly constant: ReadonlySet<string>;
  /** Tensors computed from the values of a 4-D graph input (the image): the time embedding's are not. */
  readonly fromImage: ReadonlySet<string>;
  readonly initializerDims: ReadonlyMap<string, readonly number[]>;
}

/** Ops without inputs that still differ from run to run: their outputs are not constants. */
const RANDOM_OPS = new Set([
  'RandomNormal',
  'RandomUniform',
  'Multinomial',
  'RandomNormalLike',
  'RandomUniformLike',
]);

/** Ops that read a tensor's dimensions, not its values. */
export const SHAPE_OPS: ReadonlySet<string> = new Set(['Shape', 'Size']);

export function indexGraph(info: OnnxModelInfo): GraphIndex {
  const nodes = topologicalOrder(info.nodes);
  const producer = new Map<string, NodeInfo>();
  const position = new Map<string, number>();
  const consumers = new Map<string, NodeInfo[]>();
  const constant = new Set([...info.initializers.map((t) => t.name), ...info.constants]);
  // The image is a 4-D input; a file that declares no input shapes leaves every input a candidate.
  const imageLike = info.inputs.filter((i) => i.dims?.length === 4 && !constant.has(i.name));
  const fromImage = new Set(
    (imageLike.length ? imageLike : info.inputs.filter((i) => (i.dims?.length ?? 4) >= 3)).map((i) => i.name),
  );
  nodes.forEach((node, i) => {
    const inputs = node.inputs.filter(Boolean);
    for (const input of inputs) {
      const list = consumers.get(input);
      if (list) list.push(node);
      else consumers.set(input, [node]);
    }
    const isConstant =
      node.opType !== 'Constant' &&
      !RANDOM_OPS.has(node.opType) &&
      inputs.length > 0 &&
      inputs.every((x) => constant.has(x));
    // A shape is no image data (a Reshape of the time embedding to x's batch is not on x's path).
    const isFromImage = !SHAPE_OPS.has(node.opType) && inputs.some((x) => fromImage.has(x));
    for (const o of node.outputs) {
      if (!o) continue;
      producer.set(o, node);
      position.set(o, i);
      if (isConstant) constant.add(o);
      if (isFromImage) fromImage.add(o);
    }
  });
  const initializerDims = new Map(info.initializers.map((t) => [t.name, t.dims]));
  return { nodes, producer, position, consumers, constant, fromImage, initializerDims };
}

export const opRef = (node: NodeInfo): OpRef => ({ node: node.name, op: node.opType });

function ints(node: NodeInfo, name: string): readonly number[] | undefined {
  const a = node.attributes.get(name);
  return a?.type === 'ints' ? a.value : a?.type === 'int' ? [a.value] : undefined;
}

function autoPad(node: NodeInfo): string {
  const a = node.attributes.get('auto_pad');
  return a?.type === 'string' ? a.value : 'NOTSET';
}

/** Ops that always resample: interpolation and pixel (un)shuffles. */
const ALWAYS_RESAMPLING = new Set(['Resize', 'Upsample', 'DepthToSpace', 'SpaceToDepth']);
const WINDOWED = new Set(['Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'LpPool']);

/**
 * Whether `node` gives a feature map of another height or width than its input: interpolation, a
 * stride, or a window that its padding does not make up for (a 2×2 Conv without padding shrinks
 * 7×7 to 6×6; a ConvTranspose with stride 1 and kernel 2 grows it back). Unknown kernel sizes
 * count as no change.
 */
export function changesResolution(node: NodeInfo, g: GraphIndex): boolean {
  if (node.domain !== '' && node.domain !== 'ai.onnx') return false;
  if (ALWAYS_RESAMPLING.has(node.opType)) return true;
  if (!WINDOWED.has(node.opType)) return false;
  const kernel =
    ints(node, 'kernel_shape') ?? g.initializerDims.get(node.inputs[1] ?? '')?.slice(2) ?? undefined;
  const rank = kernel?.length ?? ints(node, 'strides')?.length ?? 0;
  const strides = ints(node, 'strides') ?? Array(rank).fill(1);
  if (strides.some((s) => s !== 1)) return true;
  if (!kernel) return false;
  if (
    node.opType === 'ConvTranspose' &&
    (ints(node, 'output_shape') || ints(node, 'output_padding')?.some(Boolean))
  )
    return true;
  const pad = autoPad(node);
  if (pad === 'SAME_UPPER' || pad === 'SAME_LOWER') return false;
  const pads = pad === 'VALID' ? Array(2 * rank).fill(0) : (ints(node, 'pads') ?? Array(2 * rank).fill(0));
  const dilations = ints(node, 'dilations') ?? Array(rank).fill(1);
  // Size kept when the pads add back exactly what the window takes: d·(k − 1).
  return kernel.some((k, i) => (pads[i] ?? 0) + (pads[i + rank] ?? 0) !== (dilations[i] ?? 1) * (k - 1));
}

/** Pointwise ops: what they compute at a position depends on that position only. */
const POINTWISE = new Set([
  'Relu',
  'LeakyRelu',
  'PRelu',
  'Elu',
  'Selu',
  'Celu',
  'Sigmoid',
  'HardSigmoid',
  'HardSwish',
  'Tanh',
  'Softplus',
  'Softsign',
  'Mish',
  'Gelu',
  'Erf',
  'Exp',
  'Sqrt',
  'Neg',
  'Abs',
  'Clip',
  'ThresholdedRelu',
  'Identity',
  'Dropout',
  'Cast',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Max',
  'Min',
]);

export interface PointwiseChain {
  /** The tensor the chain starts from (`tensor` itself when no pointwise op produced it). */
  readonly root: string;
  /** The nodes between `root` and the tensor. */
  readonly nodes: ReadonlySet<NodeInfo>;
}

/**
 * The tensor `tensor` is a pointwise function of, walking back through pointwise ops whose computed
 * inputs all lead back to one tensor: an activation (SiLU: x · sigmoid(x)), an affine with
 * constants. A sum of two different computed tensors (a residual, the time embedding) stops it.
 */
export function pointwiseRoot(tensor: string, g: GraphIndex, maxDepth = 8): PointwiseChain {
  const nodes = new Set<NodeInfo>();
  const memo = new Map<string, string | null>();
  const walk = (t: string, depth: number): string | null => {
    const cached = memo.get(t);
    if (cached !== undefined) return cached;
    const node = g.producer.get(t);
    let root: string | null = t;
    if (node && depth < maxDepth && POINTWISE.has(node.opType)) {
      const computed = node.inputs.filter((i) => i && !g.constant.has(i));
      const roots = new Set(computed.map((i) => walk(i, depth + 1)));
      if (computed.length && roots.size === 1 && !roots.has(null)) {
        root = [...roots][0];
        nodes.add(node);
      }
    }
    memo.set(t, root);
    return root;
  };
  const root = walk(tensor, 0) ?? tensor;
  return { root, nodes };
}

/**
 * Whether tensor `later` is computed from tensor `earlier` (walking back from `later`, never before
 * `earlier`'s producer). A skip connection's encoder tensor is an ancestor of the decoder tensor it
 * is concatenated with; two parallel branches joined by a Concat are not each other's.
 */
export function isAncestor(earlier: string, later: string, g: GraphIndex): boolean {
  const floor = g.position.get(earlier);
  if (floor === undefined) return false;
  const seen = new Set<string>([later]);
  const stack = [later];
  while (stack.length) {
    const t = stack.pop()!;
    if (t === earlier) return true;
    const node = g.producer.get(t);
    if (!node || (g.position.get(t) ?? -1) < floor) continue;
    for (const input of node.inputs)
      if (input && !seen.has(input) && !g.constant.has(input)) {
        seen.add(input);
        stack.push(input);
      }
  }
  return false;
}

/** Ops that only move or pad data on the way into a resampling op. */
const PASS_THROUGH = new Set(['Pad', 'Identity', 'Dropout', 'Cast']);

/** `tensor`, or the tensor before the paddings and identities that produced it. */
export function beforePassThrough(tensor: string, g: GraphIndex): string {
  let t = tensor;
  for (let i = 0; i < 8; i++) {
    const node = g.producer.get(t);
    if (!node || !PASS_THROUGH.has(node.opType) || !node.inputs[0]) break;
    t = node.inputs[0];
  }
  return t;
}

const NORMALISATIONS = new Set([
  'InstanceNormalization',
  'LayerNormalization',
  'GroupNormalization',
  'BatchNormalization',
]);

/**
 * The tensor entering the normalisation that produced `tensor` (through the Reshapes of torch's
 * GroupNorm export: Reshape → InstanceNormalization → Reshape; the affine Mul/Add is pointwise and
 * already walked), or undefined when no normalisation produced it.
 */
export function normalisationInput(tensor: string, g: GraphIndex): string | undefined {
  let node = g.producer.get(tensor);
  if (node?.opType === 'Reshape') node = g.producer.get(node.inputs[0]);
  if (!node || !NORMALISATIONS.has(node.opType)) return undefined;
  const input = node.inputs[0];
  const before = g.producer.get(input);
  return before?.opType === 'Reshape' ? before.inputs[0] : input;
}

/**
 * The block output behind `tensor` when a normalisation (and an activation) sits between them: a
 * pre-activation block (GroupNorm → SiLU → resampling, as guided-diffusion's ResBlock with
 * up/down does) starts with it, so it is no stage's end. Otherwise `tensor`.
 */
export function beforeNormalisation(tensor: string, g: GraphIndex): string {
  return normalisationInput(pointwiseRoot(tensor, g).root, g) ?? tensor;
}

/** Ops that may sit between the head's conv and the graph output (learned-variance slices…). */
const AFTER_HEAD = new Set([
  'Identity',
  'Cast',
  'Slice',
  'Split',
  'Squeeze',
  'Unsqueeze',
  'Mul',
  'Div',
  'Add',
  'Sub',
]);

export interface Head {
  /** The head's conv. */
  readonly conv: OpRef;
  /** The tensor entering the head: the last block's output. */
  readonly input: string;
  /** A normalisation and activation come before the conv (they are part of the head). */
  readonly normalised: boolean;
}

/**
 * The prediction head before graph output `output`: its last conv, and before that the
 * normalisation + activation of pre-activation U-Nets (GroupNorm → SiLU → Conv in diffusers and
 * guided-diffusion). Its input is the last block's output. A post-activation block (conv → SiLU,
 * as in the tutorial U-Nets) ends with its activation, so then the conv's input is taken as it is.
 */
export function predictionHead(output: string, g: GraphIndex): Head | undefined {
  let node = g.producer.get(output);
  for (let i = 0; node && i < 8 && AFTER_HEAD.has(node.opType); i++) {
    // Only the data input: the other operand of Mul/Add must be a constant.
    const computed = node.inputs.filter((x) => x && !g.constant.has(x));
    if (computed.length !== 1) return undefined;
    node = g.producer.get(computed[0]);
  }
  if (!node || (node.opType !== 'Conv' && node.opType !== 'ConvTranspose') || !node.inputs[0])
    return undefined;
  const input = node.inputs[0];
  const chain = pointwiseRoot(input, g);
  const normed = chain.nodes.size > 0 ? normalisationInput(chain.root, g) : undefined;
  return { conv: opRef(node), input: normed ?? input, normalised: normed !== undefined };
}
