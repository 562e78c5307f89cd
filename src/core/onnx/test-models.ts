/**
 * @file Small U-Net-shaped ONNX graphs for the discovery tests, written with encodeModel and
 * random weights: each has one trap that discovery must not fall into. Node names follow torch's
 * exporter ("/down_blocks.0/resnets.0/Add", tensors "<node>_output_0"), spaces included once.
 */
import type { ManifestExtraInput } from '../manifest/types';
import { createRng, gaussian } from '../rng';
import {
  type AttributeValue,
  DataType,
  encodeModel,
  type InitializerSpec,
  type NodeSpec,
  type ValueSpec,
} from './model';

/**
 * The class input discovery finds in ADM-style graphs with a 10-row label embedding (attentionUNet,
 * the adm12 fixture): `y`, an int64 index per image, fed class 0 until the user chooses.
 */
export const TEN_CLASS_Y: ManifestExtraInput = {
  name: 'y',
  dtype: 'int64',
  shape: [],
  batched: true,
  value: 0,
  class: { encoding: 'index', count: 10, feed: 'constant' },
};

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

  /** Conv → Relu → Conv → Relu ("<prefix>/conv1/Conv" … "<prefix>/Relu_1"): a block without residual. */
  convBlock(prefix: string, x: string, cIn: number, cOut: number): string {
    const a = this.node(`${prefix}/Relu`, 'Relu', [this.conv(`${prefix}/conv1/Conv`, x, cIn, cOut)]);
    return this.node(`${prefix}/Relu_1`, 'Relu', [this.conv(`${prefix}/conv2/Conv`, a, cOut, cOut)]);
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
 * `outChannels` other than 2 (= 2·C) makes an output no parameterisation reads (3 = 2·C + 1).
 */
export function attentionUNet(outChannels = 2): Uint8Array {
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
  g.conv('/out/Conv', up, 8, outChannels);
  g.nodes[g.nodes.length - 1] = { ...g.nodes[g.nodes.length - 1], outputs: ['out'] };
  return g.encode(
    'attention-unet',
    [
      { name: 'x', type: DataType.FLOAT, dims: ['N', 1, 8, 8] },
      { name: 'timesteps', type: DataType.FLOAT, dims: ['N'] },
      { name: 'y', type: DataType.INT64, dims: ['N'] },
    ],
    [{ name: 'out', type: DataType.FLOAT, dims: ['N', outChannels, 8, 8] }],
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

/**
 * A float16 model (float16 image in and prediction out, float32 timestep) that is finite below
 * t = 256 and NaN from there on, as float16 exports go wrong at high t: t² cast to float16
 * overflows its 65504 to Inf, and Inf − Inf is NaN. Its one block is the residual sum r = (x + (t² − t²)) + x,
 * and out = r · 0.5, so out = x where finite.
 */
export function float16Overflow(): Uint8Array {
  const g = new GraphBuilder();
  // t² in float32, then cast to float16 (as an export casts the time embedding to the model's
  // dtype): an explicit Cast, which ONNX Runtime keeps even where it computes float16 ops in float32.
  const t2 = g.node('/time/Mul', 'Mul', ['t', 't']);
  const tt = g.node('/time/Cast', 'Cast', [t2], { to: DataType.FLOAT16 });
  // Reshaped before the Sub: ONNX Runtime drops a float32 → float16 → float32 Cast pair around
  // ops it computes in float32, which would hide the overflow on the CPU.
  const tt4 = g.node('/time/Reshape', 'Reshape', [tt, g.ints('shape4', [-1, 1, 1, 1])]);
  const d4 = g.node('/time/Sub', 'Sub', [tt4, tt4]);
  const h = g.node('/body/Add', 'Add', ['x', d4]);
  const r = g.node('/res/Add', 'Add', [h, 'x']);
  g.initializers.push({ name: 'half', type: DataType.FLOAT16, dims: [], data: Uint16Array.of(0x3800) });
  g.nodes.push({ name: '/out/Mul', op: 'Mul', inputs: [r, 'half'], outputs: ['out'] });
  return g.encode(
    'float16-overflow',
    [
      { name: 'x', type: DataType.FLOAT16, dims: ['N', 1, 8, 8] },
      { name: 't', type: DataType.FLOAT, dims: ['N'] },
    ],
    [{ name: 'out', type: DataType.FLOAT16, dims: ['N', 1, 8, 8] }],
  );
}

/**
 * ADM's operators exactly as torch 1.13 exports guided-diffusion's UNetModel (node forms and
 * attributes read off e2e/fixtures/models/adm32/model.onnx), on a 3×16×16 input with 64 channels:
 * GroupNorm(32) as Reshape [0, 32, −1] → InstanceNormalization → Reshape to the input's shape →
 * affine; legacy QKV attention as Split → Einsum "bct,bcs->bts" → Softmax(−1) → Einsum
 * "bts,bcs->bct"; down-sampling as Pad (a pads input, constant mode) → AveragePool 2×2; up-sampling
 * as Resize nearest (asymmetric, floor). Each stage ends in a residual Add (a block), so WebGPU's
 * results can be compared with WASM's stage by stage.
 */
export function admOps(): Uint8Array {
  const g = new GraphBuilder();
  const C = 64;
  const conv1 = (name: string, x: string, cIn: number, cOut: number) =>
    g.conv(name, x, cIn, cOut, { kernel_shape: [1, 1], pads: [0, 0, 0, 0] });
  const groupNorm = (prefix: string, x: string) => {
    const r = g.node(`${prefix}/Reshape`, 'Reshape', [x, g.ints(`${prefix}/groups`, [0, 32, -1])]);
    const n = g.node(
      `${prefix}/InstanceNormalization`,
      'InstanceNormalization',
      [
        r,
        g.floats(`${prefix}/ones`, [32], new Array(32).fill(1)),
        g.floats(`${prefix}/zeros`, [32], new Array(32).fill(0)),
      ],
      { epsilon: { float: 1e-5 } },
    );
    const back = g.node(`${prefix}/Reshape_1`, 'Reshape', [n, g.node(`${prefix}/Shape`, 'Shape', [x])]);
    const scaled = g.node(`${prefix}/Mul`, 'Mul', [back, g.weight(`${prefix}.weight`, [C, 1, 1])]);
    return g.node(`${prefix}/Add`, 'Add', [scaled, g.weight(`${prefix}.bias`, [C, 1, 1])]);
  };
  const silu = (prefix: string, x: string) =>
    g.node(`${prefix}/Mul_silu`, 'Mul', [x, g.node(`${prefix}/Sigmoid`, 'Sigmoid', [x])]);

  const h0 = g.conv('/input_blocks.0/Conv', 'x', 3, C);
  const t4 = g.node('/time/Reshape', 'Reshape', ['t', g.ints('/time/shape', [-1, 1, 1, 1])]);
  // t / 1000 keeps the activations near unit size (as a sinusoidal embedding does), so errors are comparable.
  const tScaled = g.node('/time/Mul_scale', 'Mul', [t4, g.floats('/time/scale', [], [1e-3])]);
  const emb = g.node('/time/Mul', 'Mul', [tScaled, g.weight('time.weight', [1, C, 1, 1])]);
  const h1 = g.node('/input_blocks.1/Add', 'Add', [h0, emb]);
  // ResBlock: norm → SiLU → conv, plus the input.
  const rb = g.conv(
    '/input_blocks.1/conv/Conv',
    silu('/input_blocks.1', groupNorm('/input_blocks.1/norm', h1)),
    C,
    C,
  );
  const h2 = g.node('/input_blocks.1/Add_1', 'Add', [h1, rb]);
  // Legacy attention over the 256 positions, 2 heads of 32 channels.
  const qkv = conv1('/input_blocks.2/qkv/Conv', groupNorm('/input_blocks.2/norm', h2), C, 3 * C);
  const heads = g.node('/input_blocks.2/Reshape', 'Reshape', [
    qkv,
    g.ints('/input_blocks.2/heads', [-1, 96, 256]),
  ]);
  const split = g.ints('/input_blocks.2/split', [32, 32, 32]);
  g.nodes.push({
    name: '/input_blocks.2/Split',
    op: 'Split',
    inputs: [heads, split],
    outputs: ['q', 'k', 'v'],
    attributes: { axis: 1 },
  });
  const scale = g.floats('/input_blocks.2/scale', [], [1 / Math.sqrt(Math.sqrt(32))]);
  const q = g.node('/input_blocks.2/Mul', 'Mul', ['q', scale]);
  const k = g.node('/input_blocks.2/Mul_1', 'Mul', ['k', scale]);
  const w = g.node('/input_blocks.2/Einsum', 'Einsum', [q, k], { equation: { string: 'bct,bcs->bts' } });
  const p = g.node('/input_blocks.2/Softmax', 'Softmax', [w], { axis: -1 });
  const a = g.node('/input_blocks.2/Einsum_1', 'Einsum', [p, 'v'], { equation: { string: 'bts,bcs->bct' } });
  const merged = g.node('/input_blocks.2/Reshape_1', 'Reshape', [
    a,
    g.ints('/input_blocks.2/map', [-1, C, 16, 16]),
  ]);
  const h3 = g.node('/input_blocks.2/Add', 'Add', [h2, conv1('/input_blocks.2/proj_out/Conv', merged, C, C)]);
  // Down: Pad (zero pads, as torch writes avg_pool2d) then AveragePool 2×2.
  const padded = g.node(
    '/input_blocks.3/op/Pad',
    'Pad',
    [h3, g.ints('/input_blocks.3/pads', [0, 0, 0, 0, 0, 0, 0, 0])],
    {
      mode: { string: 'constant' },
    },
  );
  const d = g.node('/input_blocks.3/op/AveragePool', 'AveragePool', [padded], {
    ceil_mode: 0,
    kernel_shape: [2, 2],
    pads: [0, 0, 0, 0],
    strides: [2, 2],
  });
  const mid = g.node('/middle_block/Add', 'Add', [
    d,
    g.conv('/middle_block/conv/Conv', silu('/middle_block', d), C, C),
  ]);
  // Up: nearest Resize ×2, the skip, a conv.
  const u = g.node(
    '/output_blocks.0/upsample/Resize',
    'Resize',
    [mid, '', g.floats('/output_blocks.0/scales', [4], [1, 1, 2, 2])],
    {
      coordinate_transformation_mode: { string: 'asymmetric' },
      mode: { string: 'nearest' },
      nearest_mode: { string: 'floor' },
    },
  );
  const cat = g.node('/output_blocks.0/Concat', 'Concat', [u, h3], { axis: 1 });
  const up = g.node('/output_blocks.0/Add', 'Add', [u, g.conv('/output_blocks.0/conv/Conv', cat, 2 * C, C)]);
  g.conv('/out/Conv', up, C, 3);
  g.nodes[g.nodes.length - 1] = { ...g.nodes[g.nodes.length - 1], outputs: ['out'] };
  return g.encode(
    'adm-ops',
    [
      { name: 'x', type: DataType.FLOAT, dims: ['N', 3, 16, 16] },
      { name: 't', type: DataType.FLOAT, dims: ['N'] },
    ],
    [{ name: 'out', type: DataType.FLOAT, dims: ['N', 3, 16, 16] }],
  );
}

export interface PlainUNetOptions {
  /** How the decoder up-samples: a stride-2 ConvTranspose (default), or a Resize then a 3×3 Conv. */
  readonly upsampling?: 'conv-transpose' | 'resize-conv';
  /** Where a decoder level's skip Concat sits: after its up-sampling (default), or before the next one. */
  readonly concat?: 'after' | 'before';
  /** Self-attention over the bottleneck's 16 positions, without a residual, before the up-sampling. */
  readonly attention?: boolean;
  /** The first up-sampling's output also feeds a side 1×1 Conv, added at the end of the next block. */
  readonly upsamplingTwoConsumers?: boolean;
  /** The encoder reaches 8×8 by two branches (a stride-2 Conv, a MaxPool + 1×1 Conv) joined by a Concat. */
  readonly twoBranches?: boolean;
  /**
   * Each block's output goes on as a float-to-float Cast of itself (guided-diffusion's GroupNorm32
   * traces so), and the first down-sampling pools a normalised, activated copy (as its ResBlocks
   * with down=True do): the block outputs must still be found under their own names.
   */
  readonly admQuirks?: boolean;
}

/**
 * A 1×16×16 U-Net of the classic kind (Ronneberger et al.; the course and tutorial DDPMs): blocks
 * of Conv → Relu → Conv → Relu ("/enc1", "/enc2", "/mid", "/dec1", "/dec2") with the time embedding
 * added to each block's input ([N, C, 1, 1]), MaxPool down-sampling, skip Concats, a 1×1 head, and no
 * residual additions: a decoder block's output is only ever the input of the next up-sampling op
 * (or of the head). int64 t, output eps.
 */
export function plainUNet(options: PlainUNetOptions = {}): Uint8Array {
  const g = new GraphBuilder();
  const tf = g.node('/time/Cast', 'Cast', ['t'], { to: DataType.FLOAT });
  const tu = g.node('/time/Unsqueeze', 'Unsqueeze', [tf, g.ints('axes_1', [1])]);
  const axes23 = g.ints('axes_23', [2, 3]);
  const block = (prefix: string, x: string, cIn: number, cOut: number) => {
    const te = g.node(`${prefix}/time/MatMul`, 'MatMul', [tu, g.weight(`${prefix}.time.weight`, [1, cIn])]);
    const te4 = g.node(`${prefix}/time/Unsqueeze`, 'Unsqueeze', [te, axes23]);
    const out = g.convBlock(prefix, g.node(`${prefix}/Add`, 'Add', [x, te4]), cIn, cOut);
    return options.admQuirks ? g.node(`${prefix}/Cast`, 'Cast', [out], { to: DataType.FLOAT }) : out;
  };
  const pool = (name: string, x: string) =>
    g.node(name, 'MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
  const normed = (prefix: string, x: string, c: number) => {
    const scale = g.floats(`${prefix}.scale`, [c], Array(c).fill(1));
    const bias = g.floats(`${prefix}.bias`, [c], Array(c).fill(0));
    const n = g.node(`${prefix}/InstanceNormalization`, 'InstanceNormalization', [x, scale, bias]);
    return g.node(`${prefix}/Relu`, 'Relu', [n]);
  };
  const up = (prefix: string, x: string, cIn: number, cOut: number) => {
    if (options.upsampling === 'resize-conv') {
      const scales = g.floats(`${prefix}.scales`, [4], [1, 1, 2, 2]);
      const resized = g.node(`${prefix}/Resize`, 'Resize', [x, '', scales]);
      return g.conv(`${prefix}/conv/Conv`, resized, cIn, cOut);
    }
    const w = g.weight(`${prefix}.weight`, [cIn, cOut, 2, 2]);
    return g.node(`${prefix}/ConvTranspose`, 'ConvTranspose', [x, w], {
      kernel_shape: [2, 2],
      strides: [2, 2],
    });
  };

  const e16 = block('/enc1', 'x', 1, 4);
  let p8 = pool('/pool1/MaxPool', options.admQuirks ? normed('/pool1/norm', e16, 4) : e16);
  if (options.twoBranches) {
    const a = g.conv('/branch_a/Conv', e16, 4, 2, { strides: [2, 2] });
    const b = g.conv('/branch_b/Conv', p8, 4, 2, { kernel_shape: [1, 1], pads: [0, 0, 0, 0] });
    p8 = g.node('/branches/Concat', 'Concat', [a, b], { axis: 1 });
  }
  const e8 = block('/enc2', p8, 4, 8);
  const p4 = pool('/pool2/MaxPool', e8);
  let mid = block('/mid', p4, 8, 16);
  if (options.attention) mid = selfAttention(g, '/mid/attn', mid, 16, 4);

  // The Resize default mode is nearest, as torch exports F.interpolate(scale_factor=2).
  if (options.concat === 'before') {
    const d8 = block('/dec1', up('/up1', mid, 16, 8), 8, 8);
    const u16 = up('/up2', g.node('/dec1/Concat', 'Concat', [d8, e8], { axis: 1 }), 16, 4);
    const d16 = block('/dec2', u16, 4, 4);
    g.conv('/head/Conv', g.node('/dec2/Concat', 'Concat', [d16, e16], { axis: 1 }), 8, 1, {
      kernel_shape: [1, 1],
      pads: [0, 0, 0, 0],
    });
  } else {
    const u8 = up('/up1', mid, 16, 8);
    let d8 = block('/dec1', g.node('/dec1/Concat', 'Concat', [e8, u8], { axis: 1 }), 16, 8);
    if (options.upsamplingTwoConsumers) {
      const side = g.conv('/side/Conv', u8, 8, 8, { kernel_shape: [1, 1], pads: [0, 0, 0, 0] });
      d8 = g.node('/dec1/Add_1', 'Add', [d8, side]);
    }
    const u16 = up('/up2', d8, 8, 4);
    const d16 = block('/dec2', g.node('/dec2/Concat', 'Concat', [e16, u16], { axis: 1 }), 8, 4);
    g.conv('/head/Conv', d16, 4, 1, { kernel_shape: [1, 1], pads: [0, 0, 0, 0] });
  }
  g.nodes[g.nodes.length - 1] = { ...g.nodes[g.nodes.length - 1], outputs: ['eps'] };
  return g.encode(
    'plain-unet',
    [
      { name: 'x', type: DataType.FLOAT, dims: ['N', 1, 16, 16] },
      { name: 't', type: DataType.INT64, dims: ['N'] },
    ],
    [{ name: 'eps', type: DataType.FLOAT, dims: ['N', 1, 16, 16] }],
  );
}

/** Single-head self-attention over an s×s map of c channels, returned as a map, without residual. */
function selfAttention(g: GraphBuilder, prefix: string, x: string, c: number, s: number): string {
  const tokens = g.node(`${prefix}/Reshape`, 'Reshape', [x, g.ints(`${prefix}.tokens`, [0, c, s * s])]);
  const tokT = g.node(`${prefix}/Transpose`, 'Transpose', [tokens], { perm: [0, 2, 1] });
  const q = g.node(`${prefix}/q/MatMul`, 'MatMul', [tokT, g.weight(`${prefix}.q`, [c, c])]);
  const k = g.node(`${prefix}/k/MatMul`, 'MatMul', [tokT, g.weight(`${prefix}.k`, [c, c])]);
  const v = g.node(`${prefix}/v/MatMul`, 'MatMul', [tokT, g.weight(`${prefix}.v`, [c, c])]);
  const kT = g.node(`${prefix}/Transpose_1`, 'Transpose', [k], { perm: [0, 2, 1] });
  const scores = g.node(`${prefix}/MatMul`, 'MatMul', [q, kT]);
  const attn = g.node(`${prefix}/Softmax`, 'Softmax', [scores], { axis: 2 });
  const mixed = g.node(`${prefix}/MatMul_1`, 'MatMul', [attn, v]);
  const back = g.node(`${prefix}/Transpose_2`, 'Transpose', [mixed], { perm: [0, 2, 1] });
  return g.node(`${prefix}/Reshape_1`, 'Reshape', [back, g.ints(`${prefix}.map`, [0, c, s, s])]);
}

/**
 * An encoder without a decoder: Conv blocks at 16×16, 8×8 and 4×4 (MaxPool between), then one
 * Resize straight back to 16×16 and a 1×1 head. With `flat`, no resolution change at all (three
 * 3×3 Convs at 16×16).
 */
export function encoderOnly(flat = false): Uint8Array {
  const g = new GraphBuilder();
  const block = g.convBlock.bind(g);
  // The timestep scales the input, so that it is used.
  const tf = g.node('/time/Cast', 'Cast', ['t'], { to: DataType.FLOAT });
  const t4 = g.node('/time/Unsqueeze', 'Unsqueeze', [tf, g.ints('axes_123', [1, 2, 3])]);
  const x = g.node('/time/Add', 'Add', ['x', t4]);
  let h: string;
  if (flat) h = block('/b2', block('/b1', x, 1, 4), 4, 4);
  else {
    const e8 = block('/enc2', g.node('/pool1/MaxPool', 'MaxPool', [block('/enc1', x, 1, 4)], pool2), 4, 8);
    const e4 = block('/enc3', g.node('/pool2/MaxPool', 'MaxPool', [e8], pool2), 8, 8);
    h = g.node('/up/Resize', 'Resize', [e4, '', g.floats('scales', [4], [1, 1, 4, 4])]);
  }
  g.conv('/head/Conv', h, flat ? 4 : 8, 1, { kernel_shape: [1, 1], pads: [0, 0, 0, 0] });
  g.nodes[g.nodes.length - 1] = { ...g.nodes[g.nodes.length - 1], outputs: ['eps'] };
  return g.encode(
    flat ? 'flat' : 'encoder-only',
    [
      { name: 'x', type: DataType.FLOAT, dims: ['N', 1, 16, 16] },
      { name: 't', type: DataType.INT64, dims: ['N'] },
    ],
    [{ name: 'eps', type: DataType.FLOAT, dims: ['N', 1, 16, 16] }],
  );
}
const pool2 = { kernel_shape: [2, 2], strides: [2, 2] };
