/**
 * @file generate: sampling with the loaded model (the network we probe is also a generator), by
 * the reference samplers' rules (core/sampler/: DDIM or ancestral DDPM, x̂_0 clipped or
 * thresholded, η, timestep spacing). Starts from seeded Gaussian noise and streams every step's
 * x̂_0 and its range, so a failure or a Stop keeps what was done.
 */
import { DiffProbeError, isDiffProbeError } from '../../core/errors';
import { type ModelStepOutput, runSampler } from '../../core/sampler/run';
import { VARIANCE_KEY } from '../../engine/unet-session';
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
 * The model's prediction at (x, t) and, for a learned-σ model (manifest prediction.variance), its
 * variance values: the engine gives the first C of the 2·C output channels as 'eps' and the last C
 * under VARIANCE_KEY.
 */
async function predict(
  model: LoadedModel,
  x: Float32Array,
  count: number,
  t: number,
): Promise<ModelStepOutput> {
  const times = new Float32Array(count).fill(t);
  const learned = Boolean(model.unet.manifest.prediction.variance);
  // 'eps' is UNetSession's key for the prediction output, whatever the model predicts.
  const out = (await withRecovery(model, () =>
    model.unet.run(x, count, times, learned ? ['eps', VARIANCE_KEY] : ['eps']),
  ))!;
  return { output: out.eps.data, variance: learned ? out[VARIANCE_KEY].data : undefined };
}
