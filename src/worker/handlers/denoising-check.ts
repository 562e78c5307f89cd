/**
 * @file denoisingCheck: the loaded model's prediction error under each timestep convention, on the
 * images the page sends (pipeline/denoising-check.ts), with progress and Stop between runs.
 */
import { type DenoisingCheckResult, denoisingCheck } from '../../pipeline/denoising-check';
import type { JobContext } from '../context';
import type { JobParams } from '../protocol';
import { requireModel, withRecovery } from './run-model';

export async function checkDenoising(
  params: JobParams<'denoisingCheck'>,
  ctx: JobContext,
): Promise<DenoisingCheckResult> {
  const model = requireModel(params.model);
  const { data, count } = params.images;
  const result = await withRecovery(model, () =>
    denoisingCheck(
      model.unet,
      data,
      count,
      { seed: params.seed, timesteps: params.timesteps },
      async (done, total) => {
        ctx.progress(done, total, 'denoising check');
        await ctx.checkpoint();
      },
    ),
  );
  return result!;
}
