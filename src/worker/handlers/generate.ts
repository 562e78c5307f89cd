/**
 * @file generate: DDIM sampling with the loaded model (the network we probe is also a generator).
 * Starts from seeded Gaussian noise, runs `steps` denoising steps, streams x̂_0 after each.
 * The model's output is read per the manifest's `prediction.type` (ε, x_0 or v).
 */
import { DiffProbeError } from '../../core/errors';
import { ddimStep, ddimTimesteps, interpretPrediction } from '../../core/noise';
import { createRng, gaussian } from '../../core/rng';
import type { JobContext } from '../context';
import type { Jobs } from '../jobs';
import { requireModel } from './run-model';

export async function generate(
  params: Jobs['generate']['params'],
  ctx: JobContext,
): Promise<Jobs['generate']['result']> {
  const started = performance.now();
  const model = requireModel(params.model);
  const { count, steps, seed, eta } = params;
  if (!(Number.isInteger(count) && count >= 1 && count <= 64))
    throw new DiffProbeError('internal', `generate: count must be 1…64, got ${count}`);
  const { channels, height, width } = model.unet.manifest.input;
  const pixels = channels * height * width;
  const abar = model.alphasCumprod;
  const predictionType = model.unet.manifest.prediction.type;
  const ts = ddimTimesteps(abar.length, Math.max(1, Math.min(steps, abar.length)));
  const rng = createRng(seed, 0x6e6e);
  let x: Float32Array = gaussian(rng, count * pixels);
  let x0Pred: Float32Array = new Float32Array(x.length);
  for (const [i, t] of ts.entries()) {
    await ctx.checkpoint();
    // 'eps' is UNetSession's key for the prediction output, whatever the model predicts.
    const out = (await model.unet.run(x, count, new Float32Array(count).fill(t), ['eps'])).eps.data;
    const abarPrev = i + 1 < ts.length ? abar[ts[i + 1]] : 1;
    x0Pred = interpretPrediction(predictionType, x, out, abar[t]).x0;
    x = ddimStep(x, out, abar[t], abarPrev, eta, (n) => gaussian(rng, n), predictionType);
    ctx.partial({ step: i + 1, steps: ts.length, t, x0Pred: x0Pred.slice() });
    ctx.progress(i + 1, ts.length, `t = ${t}`);
  }
  return { images: x, count, ms: performance.now() - started };
}
