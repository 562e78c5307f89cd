/**
 * @file The forward pass of the neural heads as TensorFlow.js operations, so that tfjs's automatic
 * differentiation gives the gradients. The tfjs namespace is passed in (engine/tf-web.ts in the
 * worker, engine/tf-node.ts in the CLI and the tests), so this file imports tfjs's types only.
 *
 * Shapes: the MLP takes x [B, d] (standardised); the attention head takes one [B, h·w, C] tensor
 * per token group (positions × channels, see batch.ts). Both return logits [B, k].
 *
 * The attention puts the heads of q, k and v side by side on the batch axis ([H·B, L, d/H]) with
 * split/concat rather than a 5-D transpose: the same products, and tfjs-backend-wasm's transposes
 * are slow.
 */
import type * as tfc from '@tensorflow/tfjs-core';
import type { HeadLayout } from './layout';
import type { NeuralHead } from './spec';

export type TF = typeof tfc;
export type Tensor = tfc.Tensor;
export type Params = Record<string, tfc.Tensor>;

/** Applies dropout of rate `rate` to `x` (training), or returns `x` (evaluation). */
export type Dropout = (x: Tensor, rate: number) => Tensor;
export const NO_DROPOUT: Dropout = (x) => x;

const LN_EPS = 1e-5;

function layerNorm(tf: TF, x: Tensor, weight: Tensor, bias: Tensor, axes: number[]): Tensor {
  const { mean, variance } = tf.moments(x, axes, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LN_EPS))), weight), bias);
}

/** x·W + b over the last axis, for any leading axes. */
function dense(tf: TF, x: Tensor, w: Tensor, b?: Tensor): Tensor {
  const [inDim, outDim] = w.shape;
  const lead = x.shape.slice(0, -1);
  const y = tf.matMul(tf.reshape(x, [-1, inDim]), w as tfc.Tensor2D);
  return tf.reshape(b ? tf.add(y, b) : y, [...lead, outDim]);
}

/** GELU with the error function (torch's default, approximate='none'). */
function gelu(tf: TF, x: Tensor): Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}

function mlpForward(
  tf: TF,
  head: Extract<NeuralHead, { kind: 'mlp' }>,
  p: Params,
  x: Tensor,
  drop: Dropout,
): Tensor {
  const h = dense(tf, x, p['fc1.weight'], p['fc1.bias']);
  const act = head.mlp.activation === 'gelu' ? gelu(tf, h) : tf.relu(h);
  return dense(tf, drop(act, head.mlp.dropout), p['fc2.weight'], p['fc2.bias']);
}

function attentionForward(
  tf: TF,
  head: Extract<NeuralHead, { kind: 'attention' }>,
  p: Params,
  groups: Tensor[],
  drop: Dropout,
): Tensor {
  const a = head.attention;
  const H = a.heads;
  const B = groups[0].shape[0];
  const tokens = groups.map((g, i) => {
    const t = dense(
      tf,
      layerNorm(tf, g, p[`norm${i}.weight`], p[`norm${i}.bias`], [1, 2]),
      p[`proj${i}.weight`],
      p[`proj${i}.bias`],
    );
    return a.positions ? tf.add(t, p[`pos${i}`]) : t;
  });
  if (a.readout === 'cls') tokens.unshift(tf.tile(tf.reshape(p.cls_token, [1, 1, a.dim]), [B, 1, 1]));
  let x = tokens.length > 1 ? tf.concat(tokens, 1) : tokens[0];
  // Multi-head self-attention (pre-norm, residual), one head at a time: head h's q, k and v come
  // from its own columns of the qkv weight (slices of the small weight, not of the activations:
  // tfjs-backend-wasm slices and concatenates activations along the last axis slowly), and its
  // output goes through its own rows of the output projection, the heads' shares summed. The
  // same products as splitting q·W into heads; 1/√(d/H) is folded into q's weight columns.
  const dh = a.dim / H;
  const L = x.shape[1] as number;
  const xn = tf.reshape(layerNorm(tf, x, p['block.norm1.weight'], p['block.norm1.bias'], [-1]), [-1, a.dim]);
  const qkvW = p['block.attn.qkv.weight'];
  const projW = p['block.attn.proj.weight'];
  const columns = (part: number, h: number, scale = 1) => {
    const w = tf.slice(qkvW, [0, part * a.dim + h * dh], [a.dim, dh]);
    return tf.matMul(xn as tfc.Tensor2D, (scale === 1 ? w : tf.mul(w, scale)) as tfc.Tensor2D);
  };
  const shares: Tensor[] = [];
  for (let h = 0; h < H; h++) {
    const q = tf.reshape(columns(0, h, 1 / Math.sqrt(dh)), [B, L, dh]) as tfc.Tensor3D;
    const k = tf.reshape(columns(1, h), [B, L, dh]) as tfc.Tensor3D;
    const v = tf.reshape(columns(2, h), [B, L, dh]) as tfc.Tensor3D;
    const heads = tf.matMul(tf.softmax(tf.matMul(q, k, false, true)) as tfc.Tensor3D, v);
    shares.push(
      tf.matMul(
        tf.reshape(heads, [-1, dh]) as tfc.Tensor2D,
        tf.slice(projW, [h * dh, 0], [dh, a.dim]) as tfc.Tensor2D,
      ),
    );
  }
  const attended = tf.add(shares.length > 1 ? tf.addN(shares) : shares[0], p['block.attn.proj.bias']);
  x = tf.add(x, tf.reshape(attended, [B, L, a.dim]));
  // MLP (pre-norm, residual), dropout as timm's Mlp: after the activation and after fc2.
  const h = dense(
    tf,
    layerNorm(tf, x, p['block.norm2.weight'], p['block.norm2.bias'], [-1]),
    p['block.mlp.fc1.weight'],
    p['block.mlp.fc1.bias'],
  );
  const m = dense(tf, drop(gelu(tf, h), a.dropout), p['block.mlp.fc2.weight'], p['block.mlp.fc2.bias']);
  x = tf.add(x, drop(m, a.dropout));
  const pooled =
    a.readout === 'cls' ? tf.reshape(tf.slice(x, [0, 0, 0], [B, 1, a.dim]), [B, a.dim]) : tf.mean(x, 1);
  return dense(tf, pooled, p['head.weight'], p['head.bias']);
}

/**
 * Logits [B, k] of `head` with parameters `p` on one batch: `inputs` is [x] for the MLP, one
 * tensor per token group for the attention head. `drop` applies dropout (training) or not.
 */
export function headForward(
  tf: TF,
  head: NeuralHead,
  _layout: HeadLayout,
  p: Params,
  inputs: Tensor[],
  drop: Dropout = NO_DROPOUT,
): Tensor {
  return head.kind === 'mlp'
    ? mlpForward(tf, head, p, inputs[0], drop)
    : attentionForward(tf, head, p, inputs, drop);
}

/** Mean cross-entropy of `logits` [B, k] against integer labels. */
export function crossEntropy(tf: TF, logits: Tensor, labels: Int32Array, k: number): tfc.Scalar {
  const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), k);
  return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), -1))) as tfc.Scalar;
}
