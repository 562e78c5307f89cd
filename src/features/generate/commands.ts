/**
 * @file "Generate": DDIM samples from the loaded model, streamed as x̂_0 sharpens step by step.
 * The samples live in the store (not in the panel) because they belong to the model that made
 * them: a model change sets them aside with the model's other results (state/model-change.ts).
 */
import { runJob } from '../../state/jobs';
import { getState } from '../../state/store';

export async function generateSamples(settings: {
  count: number;
  steps: number;
  seed: number;
}): Promise<void> {
  const { count, steps, seed } = settings;
  getState().setGenerated(null);
  const result = await runJob(
    'generate',
    `Generating ${count} images (${steps} DDIM steps)`,
    'generate',
    { count, steps, seed, eta: 0, model: getState().model?.id },
    {
      onPartial: (p) =>
        getState().setGenerated({ step: p.step, steps: p.steps, t: p.t, images: p.x0Pred, final: false }),
    },
  );
  if (!result) return;
  const last = getState().generated;
  getState().setGenerated({
    step: last?.steps ?? steps,
    steps: last?.steps ?? steps,
    t: 0,
    images: result.images,
    final: true,
  });
}
