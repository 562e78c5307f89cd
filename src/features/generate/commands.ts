/**
 * @file "Generate": samples from the loaded model (core/sampler/), streamed as x̂_0 sharpens step by
 * step. The samples live in the store (not in the panel) because they belong to the model that made
 * them: a model change sets them aside with the model's other results (state/model-change.ts).
 */

import type { SamplerOptions } from '../../core/sampler/options';
import type { X0Stats } from '../../core/sampler/x0';
import { runJob } from '../../state/jobs';
import { getState } from '../../state/store';
import { downloadBytes } from '../../ui/download';
import { samplesFileName, samplesToJson } from './export';
import { samplesPng } from './png';
import type { GeneratedSamples } from './samples';

export type { GeneratedSamples };

export async function generateSamples(settings: {
  count: number;
  seed: number;
  options: SamplerOptions;
}): Promise<void> {
  const { count, seed, options } = settings;
  const model = getState().model;
  if (!model) return;
  const run = { model: model.id, count, seed, options };
  const timesteps: number[] = [];
  const stats: X0Stats[] = [];
  getState().setGenerated(null);
  const method = options.method === 'ddim' ? 'DDIM' : 'DDPM';
  const result = await runJob(
    'generate',
    `Generating ${count} images (${options.steps} ${method} steps)`,
    'generate',
    { count, seed, options, model: model.id },
    {
      onPartial: (p) => {
        timesteps.push(p.t);
        stats.push(p.stats);
        getState().setGenerated({
          step: p.step,
          steps: p.steps,
          t: p.t,
          images: p.x0Pred,
          final: false,
          run,
          timesteps: [...timesteps],
          stats: [...stats],
        });
      },
      onError: (error) => {
        // The frames so far stay in the gallery, marked; the notice still shows (return false).
        const last = getState().generated;
        if (last && last.run === run) getState().setGenerated({ ...last, failed: (error as Error).message });
        return false;
      },
    },
  );
  if (!result) return;
  getState().setGenerated({
    step: result.timesteps.length,
    steps: result.timesteps.length,
    t: result.timesteps.at(-1) ?? 0,
    images: result.images,
    final: true,
    run,
    timesteps: result.timesteps,
    stats: result.stats,
  });
}

/** Saves the final samples with everything that made them (JSON). */
export function saveSamplesJson(g: GeneratedSamples): void {
  const model = getState().model;
  if (!model || model.id !== g.run.model) return;
  downloadBytes(samplesToJson(g, model), `${samplesFileName(g, model)}.json`, 'application/json');
}

/** Saves the final samples as a PNG grid, the settings in its text chunk. */
export async function saveSamplesPng(g: GeneratedSamples): Promise<void> {
  const model = getState().model;
  if (!model || model.id !== g.run.model) return;
  downloadBytes(await samplesPng(g, model), `${samplesFileName(g, model)}.png`, 'image/png');
}
