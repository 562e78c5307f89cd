/**
 * @file generate: sampling with the loaded model (the network we probe is also a generator), by
 * the reference samplers' rules (core/sampler/: DDIM or ancestral DDPM, x̂_0 clipped or
 * thresholded, η, timestep spacing). Starts from seeded Gaussian noise and streams every step's
 * x̂_0 and its range, so a failure or a Stop keeps what was done.
 */
import { DiffProbeError, isDiffProbeError } from '../../core/errors';
import { type ModelStepOutput, runSampler } from '../../core/sampler/run';
import type { JobContext } from '../context';
import type { Jobs } from '../jobs';
import type { LoadedModel } from '../model-state';
import { requireModel, withRecovery } from './run-model';

export const MAX_GENERATE_COUNT = 64;

export async function generate(
  params: Jobs['generate']['params'],
  ctx: JobContext,
): Promise<Jobs['generate']['result']> {
  const started = performance.now();
  const model = requireModel(params.model);
  const { count, seed, options } = params;
  if (!(Number.isInteger(count) && count >= 1 && count <= MAX_GENERATE_COUNT))
    throw new DiffProbeError(
      'sampler-options',
      `number of images ${count}: expected 1…${MAX_GENERATE_COUNT}`,
      {
        field: 'count',
      },
    );
  const { manifest } = model.unet;
  const { channels, height, width, range } = manifest.input;
  let done = 0;
  try {
    const result = await runSampler(
      {
        count,
        pixels: channels * height * width,
        alphasCumprod: model.alphasCumprod,
        range,
        type: manifest.prediction.type,
        learned: manifest.prediction.variance,
        options,
        seed,
      },
      async (x, t) => {
        await ctx.checkpoint();
        return predict(model, x, count, t);
      },
      (frame) => {
        done = frame.step;
        ctx.partial({
          step: frame.step,
          steps: frame.steps,
          t: frame.t,
          x0Pred: frame.x0,
          stats: frame.stats,
        });
        ctx.progress(frame.step, frame.steps, `t = ${frame.t}`);
      },
    );
    return {
      images: result.x,
      count,
      timesteps: [...result.timesteps],
      stats: [...result.stats],
      ms: performance.now() - started,
    };
  } catch (error) {
    if (isDiffProbeError(error, 'model-nonfinite'))
      throw new DiffProbeError(
        'model-nonfinite',
        `${error.message}; ${done ? `the x̂₀ of step ${done} stays in the gallery` : 'no step was completed'}`,
        error.detail,
      );
    throw error;
  }
}

/**
 * The model's prediction at (x, t) and, for a learned-σ model, its variance values: the last C of
 * its 2·C output channels, per image (the manifest's prediction.variance contract).
 */
async function predict(
  model: LoadedModel,
  x: Float32Array,
  count: number,
  t: number,
): Promise<ModelStepOutput> {
  const times = new Float32Array(count).fill(t);
  // 'eps' is UNetSession's key for the prediction output, whatever the model predicts.
  const out = (await withRecovery(model, () => model.unet.run(x, count, times, ['eps'])))!.eps;
  if (out.data.length === x.length) return { output: out.data };
  const per = x.length / count;
  const output = new Float32Array(x.length);
  const variance = new Float32Array(x.length);
  for (let k = 0; k < count; k++) {
    output.set(out.data.subarray(2 * k * per, (2 * k + 1) * per), k * per);
    variance.set(out.data.subarray((2 * k + 1) * per, (2 * k + 2) * per), k * per);
  }
  return { output, variance };
}
