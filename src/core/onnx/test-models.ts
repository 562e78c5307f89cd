/**
 * @file Small U-Net-shaped ONNX graphs for the discovery tests, written with encodeModel and
 * random weights: each has one trap that discovery must not fall into. Node names follow torch's
 * exporter ("/down_blocks.0/resnets.0/Add", tensors "<node>_output_0"), spaces included once.
 */
import { createRng, gaussian } from '../rng';
import {
  type AttributeValue,
  DataType,
  encodeModel,
  type InitializerSpec,
  type NodeSpec,
  type ValueSpec,
} from './model';

class GraphBuilder {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: InitializerSpec[] = [];
  private readonly rng = createRng(11);

  /** A random weight of `dims`, scaled so activations stay near unit size. */
  weight(name: string, dims: number[]): string {
    const size = dims.reduce((a, b) => a * b, 1);
    const fanIn = size / dims[0];
    const data = gaussian(this.rng, size).map((v) => v / Math.sqrt(fanIn));
    this.initializers.push({ name, type: DataType.FLOAT, dims, data });
    return name;
  }

  floats(name: string, dims: number[], values: number[]): string {
    this.initializers.push({ name, type: DataType.FLOAT, dims, data: Float32Array.from(values) });
    return name;
  }

  ints(name: string, values: number[]): string {
    const data = BigInt64Array.from(values.map(BigInt));
    this.initializers.push({ name, type: DataType.INT64, dims: [values.length], data });
    return name;
  }

  /** Adds node `name` and returns its output, `${name}_output_0` unless `output` is given. */
  node(
    name: string,
    op: string,
    inputs: string[],
    attributes?: Record<string, AttributeValue>,
    output = `${name}_output_0`,
  ): string {
    this.nodes.push({ name, op, inputs, outputs: [output], attributes });
    return output;
  }

  conv(
    name: string,
    x: string,
    cIn: number,
    cOut: number,
    attributes: Record<string, AttributeValue> = {},
    output?: string,
  ) {
    const k = (attributes.kernel_shape as number[] | undefined)?.[0] ?? 3;
    const w = this.weight(`${name}.weight`, [cOut, cIn, k, k]);
    return this.node(
      name,
      'Conv',
      [x, w],
      { kernel_shape: [k, k], pads: [1, 1, 1, 1], ...attributes },
      output,
    );
  }

  /** x + conv(relu(x)): a residual block whose sum is a real residual. */
  residual(prefix: string, x: string, c: number, addName = `${prefix}/Add`): string {
    const r = this.node(`${prefix}/Relu`, 'Relu', [x]);
    const conv = this.conv(`${prefix}/conv1/Conv`, r, c, c);
    return this.node(addName, 'Add', [x, conv]);
  }

  encode(name: string, inputs: ValueSpec[], outputs: ValueSpec[]): Uint8Array {
    return encodeModel({
      name,
      opset: 17,
      inputs,
      outputs,
      nodes: this.nodes,
      initializers: this.initializers,
    });
  }
}

export interface SyntheticUNetOptions {
  /** Reshape the time embedding to [1, C, 1, 1], as `t_emb.reshape(len(x), …)` freezes it. */
  readonly frozenBatch?: boolean;
  /** Declare the image input's batch as 1 instead of N. */
  readonly declaredBatch1?: boolean;
}

/**
 * A 3×16×16 ε-U-Net with int64 t: conv_in 8 ch → residual → stride-2 Conv (8×8, 16 ch) →
 * residual → stride-2 Conv without padding (an odd 3×3) → residual; mid residual; decoder
 * Concat skips at 3×3, 8×8 (after a Resize + Conv) and 16×16 (after a ConvTranspose).
 * Traps: the time-embedding broadcast Add ([N, 8, 1, 1]) and a GroupNorm-like affine Mul/Add
 * with initializers, both on the first feature map.
 */
export function syntheticUNet(options: SyntheticUNetOptions = {}): Uint8Array {
  const g = new GraphBuilder();
  const tf = g.node('/time_proj/Cast', 'Cast', ['t'], { to: DataType.FLOAT });
  const tu = g.node('/time_proj/Unsqueeze', 'Unsqueeze', [tf, g.ints('axes_1', [1])]);
  const te = g.node('/time_embedding/MatMul', 'MatMul', [tu, g.weight('time.weight', [1, 8])]);
  const te4 = options.frozenBatch
    ? g.node('/down_blocks.0/resnets.0/Reshape', 'Reshape', [te, g.ints('frozen_shape', [1, 8, 1, 1])])
    : g.node('/down_blocks.0/resnets.0/Unsqueeze', 'Unsqueeze', [te, g.ints('axes_23', [2, 3])]);
  const h0 = g.conv('/conv_in/Conv', 'x', 3, 8);
  const withTime = g.node('/down_blocks.0/resnets.0/Add', 'Add', [h0, te4]);
  const scaled = g.node('/down_blocks.0/resnets.0/norm1/Mul', 'Mul', [
    withTime,
    g.floats('gamma', [8, 1, 1], Array(8).fill(1.5)),
  ]);
  const normed = g.node('/down_blocks.0/resnets.0/norm1/Add', 'Add', [
    scaled,
    g.floats('beta', [8, 1, 1], Array(8).fill(0.1)),
  ]);
  const c0 = g.conv(
    '/down_blocks.0/resnets.0/conv1/Conv',
    g.node('/down_blocks.0/resnets.0/Relu', 'Relu', [normed]),
    8,
    8,
  );
  const res0 = g.node('/down_blocks.0/resnets.0/Add_1', 'Add', [h0, c0]);
  const d1 = g.conv('/down_blocks.0/downsamplers.0/conv/Conv', res0, 8, 16, { strides: [2, 2] });
  const res1 = g.residual('/down_blocks.1/resnets.0', d1, 16);
  const d2 = g.conv('/down_blocks.1/downsamplers.0/conv/Conv', res1, 16, 16, {
    strides: [2, 2],
    pads: [0, 0, 0, 0],
  });
  const res2 = g.residual('/down_blocks.2/resnets.0', d2, 16);
  const mid = g.residual('/mid block/resnets.0', res2, 16);
  const cat2 = g.node('/up_blocks.0/Concat', 'Concat', [mid, res2], { axis: 1 });
  const up2 = g.residual('/up_blocks.0/resnets.0', g.conv('/up_blocks.0/conv/Conv', cat2, 32, 16), 16);
  const scales = g.floats('scales', [4], [1, 1, 8 / 3, 8 / 3]);
  const resized = g.node('/up_blocks.0/upsamplers.0/Resize', 'Resize', [up2, '', scales]);
  const upConv = g.conv('/up_blocks.0/upsamplers.0/conv/Conv', resized, 16, 16);
  const cat1 = g.node('/up_blocks.1/Concat', 'Concat', [upConv, res1], { axis: 1 });
  const up1 = g.residual('/up_blocks.1/resnets.0', g.conv('/up_blocks.1/conv/Conv', cat1, 32, 16), 16);
  const ct = g.node(
    '/up_blocks.1/upsamplers.0/ConvTranspose',
    'ConvTranspose',
    [up1, g.weight('ct.weight', [16, 8, 2, 2])],
    {
      strides: [2, 2],
    },
  );
  const cat0 = g.node('/up_blocks.2/Concat', 'Concat', [ct, res0], { axis: 1 });
  const up0 = g.residual('/up_blocks.2/resnets.0', g.conv('/up_blocks.2/conv/Conv', cat0, 16, 8), 8);
  g.conv('/conv_out/Conv', up0, 8, 3);
  g.nodes[g.nodes.length - 1] = { ...g.nodes[g.nodes.length - 1], outputs: ['noise_pred'] };
  const batch = options.declaredBatch1 ? 1 : 'N';
  return g.encode(
    'synthetic-unet',
    [
      { name: 'x', type: DataType.FLOAT, dims: [batch, 3, 16, 16] },
      { name: 't', type: DataType.INT64, dims: [batch] },
    ],
    [{ name: 'noise_pred', type: DataType.FLOAT, dims: [batch, 3, 16, 16] }],
  );
}

/**
 * A 1×8×8 model with a class label `y` (int64 [N]) added to the time embedding, self-attention at
 * 4×4 (Reshape to tokens, MatMul/Softmax, a token-level residual, Reshape back, a residual
 * Add on the feature map) and a learned-variance output `out` of 2 channels. Traps: the
 * embedding sum ([N, 8]), the token residual ([N, 16, 8]), the time broadcast Add.
 */
export function attentionUNet(): Uint8Array {
  const g = new GraphBuilder();
  const classEmb = g.node('/label_emb/Gather', 'Gather', [g.weight('label_emb.weight', [10, 8]), 'y']);
  const tu = g.node('/time_embed/Unsqueeze', 'Unsqueeze', ['timesteps', g.ints('axes_1', [1])]);
  const te = g.node('/time_embed/MatMul', 'MatMul', [tu, g.weight('time.weight', [1, 8])]);
  const emb = g.node('/emb/Add', 'Add', [te, classEmb]);
  const emb4 = g.node('/emb/Unsqueeze', 'Unsqueeze', [emb, g.ints('axes_23', [2, 3])]);
  const h = g.conv('/input_blocks.0/Conv', 'x', 1, 8);
  const h1 = g.node('/input_blocks.1/Add', 'Add', [h, emb4]);
  const c1 = g.conv('/input_blocks.1/conv/Conv', g.node('/input_blocks.1/Relu', 'Relu', [h1]), 8, 8);
  const res = g.node('/input_blocks.1/Add_1', 'Add', [h, c1]);
  const d = g.conv('/input_blocks.2/op/Conv', res, 8, 8, { strides: [2, 2] });
  // Attention over the 16 positions of the 4×4 map.
  const tokens = g.node('/middle_block.1/Reshape', 'Reshape', [d, g.ints('to_tokens', [0, 8, 16])]);
  const tokT = g.node('/middle_block.1/Transpose', 'Transpose', [tokens], { perm: [0, 2, 1] });
  const q = g.node('/middle_block.1/q/MatMul', 'MatMul', [tokT, g.weight('q.weight', [8, 8])]);
  const k = g.node('/middle_block.1/k/MatMul', 'MatMul', [tokT, g.weight('k.weight', [8, 8])]);
  const v = g.node('/middle_block.1/v/MatMul', 'MatMul', [tokT, g.weight('v.weight', [8, 8])]);
  const kT = g.node('/middle_block.1/Transpose_1', 'Transpose', [k], { perm: [0, 2, 1] });
  const scores = g.node('/middle_block.1/MatMul', 'MatMul', [q, kT]);
  const scaled = g.node('/middle_block.1/Mul', 'Mul', [scores, g.floats('scale', [], [1 / Math.sqrt(8)])]);
  const attn = g.node('/middle_block.1/Softmax', 'Softmax', [scaled], { axis: 2 });
  const mixed = g.node('/middle_block.1/MatMul_1', 'MatMul', [attn, v]);
  const tokRes = g.node('/middle_block.1/Add', 'Add', [tokT, mixed]);
  const back = g.node('/middle_block.1/Transpose_2', 'Transpose', [tokRes], { perm: [0, 2, 1] });
  const o4 = g.node('/middle_block.1/Reshape_1', 'Reshape', [back, g.ints('to_map', [0, 8, 4, 4])]);
  const att = g.node('/middle_block.1/Add_1', 'Add', [d, o4]);
  const cat = g.node('/output_blocks.0/Concat', 'Concat', [att, d], { axis: 1 });
  const u = g.conv('/output_blocks.0/conv/Conv', cat, 16, 8);
  const ups = g.node('/output_blocks.0/upsample/Resize', 'Resize', [
    u,
    '',
    g.floats('scales', [4], [1, 1, 2, 2]),
  ]);
  const cat2 = g.node('/output_blocks.1/Concat', 'Concat', [ups, res], { axis: 1 });
  const up = g.residual('/output_blocks.1', g.conv('/output_blocks.1/in/Conv', cat2, 16, 8), 8);
  g.conv('/out/Conv', up, 8, 2);
  g.nodes[g.nodes.length - 1] = { ...g.nodes[g.nodes.length - 1], outputs: ['out'] };
  return g.encode(
    'attention-unet',
    [
      { name: 'x', type: DataType.FLOAT, dims: ['N', 1, 8, 8] },
      { name: 'timesteps', type: DataType.FLOAT, dims: ['N'] },
      { name: 'y', type: DataType.INT64, dims: ['N'] },
    ],
    [{ name: 'out', type: DataType.FLOAT, dims: ['N', 2, 8, 8] }],
  );
}

/**
 * Two 3-channel 4-D inputs (`x` and a conditioning image `cond`: which is the image is the user's
 * call) and a scalar int32 timestep `sigma_idx`, which scales the output.
 */
export function twoImageModel(): Uint8Array {
  const g = new GraphBuilder();
  const both = g.node('/Concat', 'Concat', ['x', 'cond'], { axis: 1 });
  const h = g.conv('/conv/Conv', both, 6, 3);
  const s = g.node('/Cast', 'Cast', ['sigma_idx'], { to: DataType.FLOAT });
  g.nodes.push({ name: '/Mul', op: 'Mul', inputs: [h, s], outputs: ['pred'] });
  return g.encode(
    'two-images',
    [
      { name: 'x', type: DataType.FLOAT, dims: ['N', 3, 8, 8] },
      { name: 'cond', type: DataType.FLOAT, dims: ['N', 3, 8, 8] },
      { name: 'sigma_idx', type: DataType.INT32, dims: [] },
    ],
    [{ name: 'pred', type: DataType.FLOAT, dims: ['N', 3, 8, 8] }],
  );
}

/**
 * A 1×8×8 ε-U-Net conditioned on text: `encoder_hidden_states` [N, sequence, 8] (symbolic length)
 * is averaged and added to the first feature map, so the embedding fed changes every output.
 */
export function textConditionedUNet(): Uint8Array {
  const g = new GraphBuilder();
  const h0 = g.conv('/conv_in/Conv', 'sample', 1, 4);
  const mean = g.node('/cond/ReduceMean', 'ReduceMean', ['encoder_hidden_states'], {
    axes: [1, 2],
    keepdims: 1,
  });
  const cond = g.node('/cond/Unsqueeze', 'Unsqueeze', [mean, g.ints('axes_3', [3])]);
  const h1 = g.node('/cond/Add', 'Add', [h0, cond]);
  const tu = g.node('/time/Unsqueeze', 'Unsqueeze', ['timestep', g.ints('axes_123', [1, 2, 3])]);
  const scale = g.floats('time_scale', [], [1e-3]);
  const h2 = g.node('/time/Add', 'Add', [h1, g.node('/time/Mul', 'Mul', [tu, scale])]);
  const r = g.residual('/down_blocks.0/resnets.0', h2, 4);
  const r2 = g.residual('/up_blocks.0/resnets.0', r, 4);
  g.conv('/conv_out/Conv', r2, 4, 1, {}, 'noise_pred');
  return g.encode(
    'text-unet',
    [
      { name: 'sample', type: DataType.FLOAT, dims: ['N', 1, 8, 8] },
      { name: 'timestep', type: DataType.FLOAT, dims: ['N'] },
      { name: 'encoder_hidden_states', type: DataType.FLOAT, dims: ['N', 'sequence', 8] },
    ],
    [{ name: 'noise_pred', type: DataType.FLOAT, dims: ['N', 1, 8, 8] }],
  );
}
