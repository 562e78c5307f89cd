/**
 * @file A neural head's parameters: their names and shapes, and the seeded initial values, drawn
 * the way PyTorch initialises the same layers, so that tools/heads/train_torch.py can start
 * PyTorch's copy of the head from these very numbers.
 *
 * Names follow a torch state_dict (`fc1.weight`, `norm0.bias` …). A Linear layer's weight is kept
 * as [in, out] (what x·W wants); torch's is its transpose. Initial values:
 * - Linear (in → out): weight and bias U(−1/√in, 1/√in), torch's kaiming_uniform(a=√5) and bias
 *   rule;
 * - LayerNorm: weight 1, bias 0;
 * - the class token: 0 (the paper's head);
 * - position embeddings: N(0, 0.02²) (ViT's).
 */
import { createRng, gaussian, type Rng } from '../rng';
import type { HeadLayout } from './layout';
import type { NeuralHead } from './spec';

export interface HeadTensor {
  shape: number[];
  data: Float32Array;
}

/** Every parameter of a head, by name, in a fixed order. */
export type HeadWeights = Record<string, HeadTensor>;

type Init =
  | { kind: 'uniform'; fanIn: number }
  | { kind: 'normal'; std: number }
  | { kind: 'ones' }
  | { kind: 'zeros' };

interface ParamSpec {
  name: string;
  shape: number[];
  init: Init;
}

function linear(name: string, fanIn: number, fanOut: number, bias = true): ParamSpec[] {
  const init: Init = { kind: 'uniform', fanIn };
  return [
    { name: `${name}.weight`, shape: [fanIn, fanOut], init },
    ...(bias ? [{ name: `${name}.bias`, shape: [fanOut], init }] : []),
  ];
}

function layerNorm(name: string, shape: number[]): ParamSpec[] {
  return [
    { name: `${name}.weight`, shape, init: { kind: 'ones' } },
    { name: `${name}.bias`, shape, init: { kind: 'zeros' } },
  ];
}

/** The parameters of `head` for `layout`, in the order they are drawn. */
export function parameterSpecs(head: NeuralHead, layout: HeadLayout): ParamSpec[] {
  const { d, k, groups } = layout;
  if (head.kind === 'mlp') {
    const h = head.mlp.hidden;
    return [...linear('fc1', d, h), ...linear('fc2', h, k)];
  }
  const a = head.attention;
  const hidden = a.dim * a.mlpRatio;
  return [
    // Per group: the paper's LayerNorm over the whole pooled map, then the 1×1 projection to d.
    ...groups.flatMap((g, i) => [
      ...layerNorm(`norm${i}`, [g.height * g.width, g.channels]),
      ...linear(`proj${i}`, g.channels, a.dim),
      ...(a.positions
        ? [
            {
              name: `pos${i}`,
              shape: [g.height * g.width, a.dim],
              init: { kind: 'normal', std: 0.02 } as Init,
            },
          ]
        : []),
    ]),
    ...(a.readout === 'cls' ? [{ name: 'cls_token', shape: [a.dim], init: { kind: 'zeros' } as Init }] : []),
    ...layerNorm('block.norm1', [a.dim]),
    // q, k and v side by side (torch's qkv Linear without bias), heads contiguous within each.
    ...linear('block.attn.qkv', a.dim, 3 * a.dim, false),
    ...linear('block.attn.proj', a.dim, a.dim),
    ...layerNorm('block.norm2', [a.dim]),
    ...linear('block.mlp.fc1', a.dim, hidden),
    ...linear('block.mlp.fc2', hidden, a.dim),
    ...linear('head', a.dim, k),
  ];
}

function draw(rng: Rng, size: number, init: Init): Float32Array {
  const out = new Float32Array(size);
  if (init.kind === 'ones') out.fill(1);
  else if (init.kind === 'uniform') {
    const bound = 1 / Math.sqrt(init.fanIn);
    for (let i = 0; i < size; i++) out[i] = (2 * rng.nextFloat() - 1) * bound;
  } else if (init.kind === 'normal') {
    const g = gaussian(rng, size);
    for (let i = 0; i < size; i++) out[i] = g[i] * init.std;
  }
  return out;
}

/**
 * The initial weights of `head` for `layout`: deterministic in `head.training.seed` (one random
 * stream for all parameters, drawn in {@link parameterSpecs}' order).
 */
export function initialWeights(head: NeuralHead, layout: HeadLayout): HeadWeights {
  const rng = createRng(head.training.seed, 0x1417);
  const out: HeadWeights = {};
  for (const p of parameterSpecs(head, layout)) {
    const size = p.shape.reduce((a, b) => a * b, 1);
    out[p.name] = { shape: [...p.shape], data: draw(rng, size, p.init) };
  }
  return out;
}

/** Number of parameters. */
export function parameterCount(weights: HeadWeights): number {
  return Object.values(weights).reduce((s, w) => s + w.data.length, 0);
}
