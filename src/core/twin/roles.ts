/**
 * @file What each constant tensor of a graph is, read from how the graph uses it: a layer's weight
 * or bias (re-drawn as PyTorch's `reset_parameters` would), a normalisation's scale or shift (reset
 * to 1 and 0), an embedding table indexed by an input other than the timestep (re-drawn N(0, 1),
 * as nn.Embedding), or a constant that was never learned (kept): a table indexed by the timestep
 * (a sinusoidal embedding, a noise schedule), a shape or index tensor, a scalar, an operator's
 * argument. Anything else is kept and named "not recognised", so the twin never invents a
 * distribution for a tensor it does not understand and the report says so.
 *
 * PyTorch's default initialisation of Conv*, ConvTranspose* and Linear (their reset_parameters):
 * weight ~ kaiming_uniform(a = √5) = U(−1/√fan_in, 1/√fan_in), bias ~ U(−1/√fan_in, 1/√fan_in), with
 * fan_in = weight.size(1) · ∏ kernel for convolutions (ConvTranspose included: torch reads dim 1 of
 * its [in, out/groups, k…] weight, as ONNX stores it) and in_features for Linear.
 */
import type { NodeInfo, OnnxModelInfo } from '../onnx/reader';
import { ElemType } from '../onnx/reader';

/** How a re-drawn or reset tensor gets its values. */
export type TwinInit =
  | { readonly kind: 'uniform'; readonly bound: number; readonly fanIn: number; readonly rule: string }
  | { readonly kind: 'normal'; readonly std: number; readonly rule: string }
  | { readonly kind: 'constant'; readonly value: number; readonly rule: string };

export interface TensorRole {
  readonly name: string;
  readonly action: 'redraw' | 'reset' | 'keep';
  /** Short, e.g. "Conv weight", "normalisation scale", "timestep table", "not recognised". */
  readonly role: string;
  /** For 'redraw' and 'reset'. */
  readonly init?: TwinInit;
  /** Why it is kept, or where the role was read: "Conv /down.0/conv input 1". */
  readonly why: string;
}

/** Ops a weight (or its indices) may pass through on its way to the op that uses it. */
const PASS_THROUGH = new Set(['Identity', 'Cast', 'Transpose', 'Reshape', 'Unsqueeze', 'Squeeze', 'Flatten']);
/** Ops that normalise their input: what follows them with a per-channel Mul/Add is its affine part. */
const NORMALISATIONS = new Set([
  'InstanceNormalization',
  'LayerNormalization',
  'GroupNormalization',
  'BatchNormalization',
  'MeanVarianceNormalization',
  'SimplifiedLayerNormalization',
  'SkipLayerNormalization',
  'SkipSimplifiedLayerNormalization',
  'RMSNormalization',
]);
const LAYERS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);
/** Inputs of normalisation ops and the value each is reset to (BatchNorm: scale, B, mean, var). */
const NORM_INPUTS: Record<string, Record<number, [string, number]>> = {
  InstanceNormalization: { 1: ['scale', 1], 2: ['shift', 0] },
  LayerNormalization: { 1: ['scale', 1], 2: ['shift', 0] },
  GroupNormalization: { 1: ['scale', 1], 2: ['shift', 0] },
  BatchNormalization: {
    1: ['scale', 1],
    2: ['shift', 0],
    3: ['running mean', 0],
    4: ['running variance', 1],
  },
  SimplifiedLayerNormalization: { 1: ['scale', 1] },
  RMSNormalization: { 1: ['scale', 1] },
  SkipLayerNormalization: { 2: ['scale', 1], 3: ['shift', 0] },
  SkipSimplifiedLayerNormalization: { 2: ['scale', 1] },
};
const FLOATS = new Set<number>([ElemType.FLOAT, ElemType.FLOAT16, ElemType.BFLOAT16, ElemType.DOUBLE]);

interface Use {
  node: NodeInfo;
  index: number;
  /** The weight's dims as the using node sees them (after Transpose), or null after a Reshape. */
  seen: readonly number[] | null;
}

function numel(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function nodeLabel(node: NodeInfo): string {
  return `${node.opType}${node.name ? ` ${node.name}` : ''}`;
}

function intAttr(node: NodeInfo, name: string, fallback: number): number {
  const a = node.attributes.get(name);
  return a?.type === 'int' ? a.value : fallback;
}

/** The graph's wiring: who produces and who consumes each tensor. */
class Wiring {
  readonly producer = new Map<string, NodeInfo>();
  readonly consumers = new Map<string, { node: NodeInfo; index: number }[]>();
  constructor(readonly info: OnnxModelInfo) {
    for (const node of info.nodes) {
      for (const o of node.outputs) if (o) this.producer.set(o, node);
      node.inputs.forEach((x, index) => {
        if (!x) return;
        const list = this.consumers.get(x) ?? [];
        list.push({ node, index });
        this.consumers.set(x, list);
      });
    }
  }

  /** The uses of a tensor, following pass-through ops that take it as their data input. */
  uses(name: string, dims: readonly number[]): Use[] {
    const out: Use[] = [];
    const walk = (tensor: string, seen: readonly number[] | null, depth: number) => {
      for (const { node, index } of this.consumers.get(tensor) ?? []) {
        if (PASS_THROUGH.has(node.opType) && index === 0 && depth < 8) {
          let next = seen;
          if (node.opType === 'Transpose' && seen) {
            const perm = node.attributes.get('perm');
            const p = perm?.type === 'ints' ? perm.value : seen.map((_, i) => seen.length - 1 - i);
            next = p.map((i) => seen[i]);
          } else if (node.opType !== 'Identity' && node.opType !== 'Cast') next = null;
          for (const o of node.outputs) if (o) walk(o, next, depth + 1);
        } else out.push({ node, index, seen });
      }
    };
    walk(name, dims, 0);
    return out;
  }

  /** The op that produced `tensor`, looking back through pass-through ops. */
  source(tensor: string): NodeInfo | undefined {
    let node = this.producer.get(tensor);
    for (let depth = 0; node && PASS_THROUGH.has(node.opType) && depth < 8; depth++)
      node = this.producer.get(node.inputs[0]);
    return node;
  }

  /** The graph inputs that `tensor` is computed from (through any ops), up to a few hundred nodes. */
  inputsBehind(tensor: string): Set<string> {
    const found = new Set<string>();
    const stack = [tensor];
    const visited = new Set<string>();
    while (stack.length && visited.size < 512) {
      const t = stack.pop()!;
      if (visited.has(t)) continue;
      visited.add(t);
      const node = this.producer.get(t);
      if (!node) {
        if (this.info.inputs.some((i) => i.name === t)) found.add(t);
        continue;
      }
      for (const x of node.inputs) if (x) stack.push(x);
    }
    return found;
  }
}

/** Whether `node` (a Mul's other operand's producer) is a normalisation, written out or as one op. */
function isNormalisation(w: Wiring, node: NodeInfo | undefined): boolean {
  if (!node) return false;
  if (NORMALISATIONS.has(node.opType)) return true;
  // Written out: (x − mean) / sqrt(var + eps), or x · 1/sqrt(…) (RMS norm).
  if (node.opType === 'Div') return w.source(node.inputs[1])?.opType === 'Sqrt';
  if (node.opType === 'Mul')
    return node.inputs.some((x) => {
      const s = w.source(x);
      return s?.opType === 'Reciprocal' && w.source(s.inputs[0])?.opType === 'Sqrt';
    });
  return false;
}

/** fan_in of a layer weight as the layer sees it, or null when it cannot be read. */
function fanInOf(use: Use): number | null {
  const d = use.seen;
  if (!d) return null;
  const { node, index } = use;
  switch (node.opType) {
    case 'Conv':
    case 'ConvTranspose':
      return index === 1 && d.length >= 3 ? d[1] * numel(d.slice(2)) : null;
    case 'Gemm':
      if (d.length !== 2) return null;
      if (index === 1) return intAttr(node, 'transB', 0) ? d[1] : d[0];
      if (index === 0) return intAttr(node, 'transA', 0) ? d[0] : d[1];
      return null;
    case 'MatMul':
      if (index === 1) return d.length >= 2 ? d[d.length - 2] : d.length === 1 ? d[0] : null;
      if (index === 0) return d.length >= 1 ? d[d.length - 1] : null;
      return null;
    default:
      return null;
  }
}

/** Output features of a layer weight (what its bias has one value per). */
function outFeaturesOf(use: Use): number | null {
  const d = use.seen;
  if (!d) return null;
  const { node, index } = use;
  if (node.opType === 'Conv') return d[0];
  if (node.opType === 'ConvTranspose') return d[1] * intAttr(node, 'group', 1);
  if (node.opType === 'Gemm') return index === 1 ? (intAttr(node, 'transB', 0) ? d[0] : d[1]) : null;
  if (node.opType === 'MatMul') return index === 1 ? d[d.length - 1] : null;
  return null;
}

const uniform = (fanIn: number, what: 'weight' | 'bias'): TwinInit => {
  const bound = 1 / Math.sqrt(fanIn);
  return {
    kind: 'uniform',
    bound,
    fanIn,
    rule:
      what === 'weight'
        ? `kaiming_uniform(a=√5): U(±1/√${fanIn}) = U(±${bound.toPrecision(4)})`
        : `U(±1/√fan_in) = U(±${bound.toPrecision(4)}), fan_in ${fanIn}`,
  };
};

export interface RoleOptions {
  /** The graph inputs that carry the timestep: tables gathered by them are kept. */
  readonly timestepInputs?: readonly string[];
}

/**
 * The role of every tensor in `tensors` (initializers and Constant-node outputs: name, elem type,
 * dims), read from `info`'s graph.
 */
export function tensorRoles(
  info: OnnxModelInfo,
  tensors: readonly { name: string; elemType: number; dims: readonly number[] }[],
  options: RoleOptions = {},
): TensorRole[] {
  const w = new Wiring(info);
  const constants = new Map(tensors.map((t) => [t.name, t]));
  const timestep = new Set(options.timestepInputs ?? []);
  /** A layer's constant weight (through pass-through ops) as the layer uses it, for a bias's fan_in. */
  const layerWeight = (node: NodeInfo): Use | null => {
    const slots = node.opType === 'Gemm' || node.opType === 'MatMul' ? [1, 0] : [1];
    for (const slot of slots) {
      let tensor = node.inputs[slot];
      for (let depth = 0; depth < 8 && !constants.has(tensor); depth++) {
        const p = w.producer.get(tensor);
        if (!p || !PASS_THROUGH.has(p.opType)) break;
        tensor = p.inputs[0];
      }
      const constant = constants.get(tensor);
      if (!constant) continue;
      const use = w.uses(tensor, constant.dims).find((u) => u.node === node && u.index === slot);
      if (use) return use;
    }
    return null;
  };

  return tensors.map((t): TensorRole => {
    const keep = (role: string, why: string): TensorRole => ({ name: t.name, action: 'keep', role, why });
    if (!FLOATS.has(t.elemType)) return keep('not a float tensor', 'shapes, indices and other integer data');
    const uses = w.uses(t.name, t.dims);
    if (!uses.length) return keep('unused', 'no node reads it');
    const count = numel(t.dims);
    const at = (u: Use) => `${nodeLabel(u.node)} input ${u.index}`;

    // 1. A layer's weight.
    for (const u of uses) {
      if (!LAYERS.has(u.node.opType)) continue;
      const slotIsWeight =
        (u.node.opType === 'Conv' || u.node.opType === 'ConvTranspose') && u.index === 1
          ? true
          : (u.node.opType === 'Gemm' || u.node.opType === 'MatMul') && (u.index === 0 || u.index === 1);
      if (!slotIsWeight || t.dims.length < 1 || count <= 1) continue;
      const fanIn = fanInOf(u);
      if (fanIn === null || fanIn < 1)
        return keep(`${u.node.opType} weight`, `its fan_in cannot be read (${at(u)} sees it reshaped)`);
      return {
        name: t.name,
        action: 'redraw',
        role: `${u.node.opType} weight`,
        init: uniform(fanIn, 'weight'),
        why: at(u),
      };
    }
    // 2. A layer's bias: Conv/ConvTranspose input 2, Gemm input 2, or an Add after a layer.
    for (const u of uses) {
      const { node, index } = u;
      let layer: NodeInfo | undefined;
      if (
        (node.opType === 'Conv' || node.opType === 'ConvTranspose' || node.opType === 'Gemm') &&
        index === 2
      )
        layer = node;
      else if (node.opType === 'Add') {
        const other = w.source(node.inputs[1 - index]);
        if (other && LAYERS.has(other.opType)) layer = other;
      }
      if (!layer) continue;
      const weight = layerWeight(layer);
      if (!weight) return keep(`${layer.opType} bias`, `the layer's weight is not a constant (${at(u)})`);
      const fanIn = fanInOf(weight);
      const out = outFeaturesOf(weight);
      if (fanIn === null || (out !== null && out !== count && count !== 1))
        return keep(`${layer.opType} bias?`, `its size does not match the layer's (${at(u)})`);
      return {
        name: t.name,
        action: 'redraw',
        role: `${layer.opType} bias`,
        init: uniform(fanIn, 'bias'),
        why: `${at(u)}${node === layer ? '' : ` after ${nodeLabel(layer)}`}`,
      };
    }
    // 3. Normalisation: the op's own inputs, or the Mul/Add that follows it (GroupNorm as torch exports it).
    for (const u of uses) {
      const own = NORM_INPUTS[u.node.opType]?.[u.index];
      if (own)
        return {
          name: t.name,
          action: 'reset',
          role: `normalisation ${own[0]}`,
          init: { kind: 'constant', value: own[1], rule: own[1] === 1 ? 'ones' : 'zeros' },
          why: at(u),
        };
      if (u.node.opType !== 'Mul' && u.node.opType !== 'Add') continue;
      const other = w.source(u.node.inputs[1 - u.index]);
      const afterNorm =
        isNormalisation(w, other) ||
        // Add after the scale: the scale's Mul follows a normalisation.
        (u.node.opType === 'Add' &&
          other?.opType === 'Mul' &&
          other.inputs.some((x) => isNormalisation(w, w.source(x))));
      if (!afterNorm) continue;
      const value = u.node.opType === 'Mul' ? 1 : 0;
      return {
        name: t.name,
        action: 'reset',
        role: `normalisation ${value ? 'scale' : 'shift'}`,
        init: { kind: 'constant', value, rule: value ? 'ones' : 'zeros' },
        why: `${at(u)} after ${nodeLabel(other!)}`,
      };
    }
    // 4. Tables: gathered by the timestep (kept), by another input (an embedding), or by constants.
    for (const u of uses) {
      if (u.node.opType !== 'Gather' || u.index !== 0) continue;
      const behind = w.inputsBehind(u.node.inputs[1]);
      if ([...behind].some((x) => timestep.has(x)))
        return keep(
          'timestep table',
          `gathered by the timestep (${at(u)}): a schedule or a sinusoidal table`,
        );
      if (behind.size)
        return {
          name: t.name,
          action: 'redraw',
          role: 'embedding table',
          init: { kind: 'normal', std: 1, rule: 'N(0, 1), as nn.Embedding' },
          why: `${at(u)}, indexed by ${[...behind].join(', ')}`,
        };
      return keep('constant table', `gathered with constant indices (${at(u)})`);
    }
    if (count <= 1) return keep('scalar constant', `used by ${at(uses[0])}`);
    const arithmetic = new Set([
      'Mul',
      'Add',
      'Sub',
      'Div',
      'Pow',
      'Where',
      'Max',
      'Min',
      'Equal',
      'Less',
      'Greater',
    ]);
    const arg = uses.find((u) => u.index > 0 && !arithmetic.has(u.node.opType));
    if (arg) return keep('operator argument', `${at(arg)} (not a learned parameter)`);
    return keep('not recognised', `used by ${at(uses[0])}; kept as it is`);
  });
}
