/**
 * @file The default model (public/models/fashion-mnist-ddpm) made to take its timestep another
 * way, by graph surgery (graph-surgery.ts): the same trained U-Net behind a few extra nodes, so the
 * denoising check has models whose right convention is known. Also a copy with its weights
 * shuffled within each tensor: the same architecture, as good as untrained.
 */
import { DataType, type NodeSpec } from '../core/onnx/model';
import { createRng } from '../core/rng';
import { editGraph } from './graph-surgery';

const IMAGE = { name: 'x_t', type: DataType.FLOAT, dims: ['N', 1, 28, 28] } as const;
const f32 = (name: string, values: number[], dims: number[] = []) => ({
  name,
  type: DataType.FLOAT,
  dims,
  data: Float32Array.from(values),
});

/** Takes t/T as `t_frac` ([N] float) and feeds the U-Net t = t_frac·T. */
export function fractionWrapped(defaultModel: Uint8Array, steps = 1000): Uint8Array {
  return editGraph(defaultModel, {
    dropInputs: ['t'],
    inputs: [{ name: 't_frac', type: DataType.FLOAT, dims: ['N'] }],
    initializers: [f32('wrap_T', [steps])],
    nodes: [{ op: 'Mul', inputs: ['t_frac', 'wrap_T'], outputs: ['t'], name: '/wrap/Mul' }],
  });
}

/**
 * An EDM network F (Karras et al. 2022, Table 1) around the ε-predicting U-Net: inputs `x_in`
 * = c_in·x_σ and `c_noise` = ¼·ln σ ([N]); it finds σ, x_σ, x_t = x_σ/√(1 + σ²) and the step t whose
 * σ_t is nearest (ArgMin over the schedule's ln σ_t), runs the U-Net, and outputs
 * F = (D − c_skip·x_σ)/c_out with D = x_σ − σ·ε̂ (`denoiser_F`). ln σ is clipped to the schedule's
 * range ± 1, as a real network stays finite off its range.
 */
export function sigmaWrapped(
  defaultModel: Uint8Array,
  alphasCumprod: ArrayLike<number>,
  sigmaData = 0.5,
): Uint8Array {
  const T = alphasCumprod.length;
  const lnSigma = Array.from(
    { length: T },
    (_, t) => 0.5 * Math.log((1 - alphasCumprod[t]) / alphasCumprod[t]),
  );
  const n = (
    op: string,
    inputs: string[],
    output: string,
    attributes?: NodeSpec['attributes'],
  ): NodeSpec => ({
    op,
    inputs,
    outputs: [output],
    name: `/edm/${op}_${output}`,
    ...(attributes && { attributes }),
  });
  return editGraph(defaultModel, {
    dropInputs: ['x_t', 't'],
    dropOutputs: ['eps'],
    inputs: [
      { name: 'x_in', type: DataType.FLOAT, dims: ['N', 1, 28, 28] },
      { name: 'c_noise', type: DataType.FLOAT, dims: ['N'] },
    ],
    outputs: [{ ...IMAGE, name: 'denoiser_F' }],
    initializers: [
      f32('edm_four', [4]),
      f32('edm_one', [1]),
      f32('edm_sd', [sigmaData]),
      f32('edm_sd2', [sigmaData * sigmaData]),
      f32('edm_lo', [lnSigma[0] - 1]),
      f32('edm_hi', [lnSigma[T - 1] + 1]),
      f32('edm_table', lnSigma, [1, T]),
      { name: 'edm_shape4', type: DataType.INT64, dims: [4], data: BigInt64Array.of(-1n, 1n, 1n, 1n) },
      { name: 'edm_axis1', type: DataType.INT64, dims: [1], data: BigInt64Array.of(1n) },
    ],
    nodes: [
      n('Mul', ['c_noise', 'edm_four'], 'ln_raw'),
      n('Clip', ['ln_raw', 'edm_lo', 'edm_hi'], 'ln_s'),
      n('Exp', ['ln_s'], 'sigma'),
      n('Reshape', ['sigma', 'edm_shape4'], 'sigma4'),
      n('Mul', ['sigma4', 'sigma4'], 's2'),
      n('Add', ['s2', 'edm_sd2'], 's2d'),
      n('Sqrt', ['s2d'], 'root'),
      n('Mul', ['x_in', 'root'], 'x_sigma'),
      n('Add', ['s2', 'edm_one'], 's2p1'),
      n('Sqrt', ['s2p1'], 'rootp1'),
      n('Div', ['x_sigma', 'rootp1'], 'x_t'),
      n('Unsqueeze', ['ln_s', 'edm_axis1'], 'ln_col'),
      n('Sub', ['ln_col', 'edm_table'], 'ln_diff'),
      n('Abs', ['ln_diff'], 'ln_dist'),
      n('ArgMin', ['ln_dist'], 't_index', { axis: 1, keepdims: 0 }),
      n('Cast', ['t_index'], 't', { to: DataType.FLOAT }),
      n('Div', ['edm_sd2', 's2d'], 'c_skip'),
      n('Mul', ['sigma4', 'edm_sd'], 'sigma_sd'),
      n('Div', ['sigma_sd', 'root'], 'c_out'),
      n('Mul', ['sigma4', 'eps'], 'sigma_eps'),
      n('Sub', ['x_sigma', 'sigma_eps'], 'denoised'),
      n('Mul', ['c_skip', 'x_sigma'], 'skip_x'),
      n('Sub', ['denoised', 'skip_x'], 'f_num'),
      n('Div', ['f_num', 'c_out'], 'denoiser_F'),
    ],
  });
}

/** The same graph with every float tensor of 16+ values permuted (seeded): trained structure gone. */
export function shuffledWeights(model: Uint8Array, seed = 1): Uint8Array {
  const rng = createRng(seed);
  return editGraph(model, {
    mapWeights: (_name, values) => {
      if (values.length < 16) return values;
      const out = values.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = rng.nextUint32() % (i + 1);
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
  });
}
