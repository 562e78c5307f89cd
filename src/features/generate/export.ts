/**
 * @file What a saved batch of samples carries: the model (id, bytes' sha256, manifest), the seed,
 * every sampler setting, the timesteps visited and x̂_0's range at each, and the samples. Enough to
 * make the same images again (same model, same settings, same seed → same numbers).
 */
import type { X0Stats } from '../../core/sampler/x0';
import { APP_VERSION } from '../../pipeline/feature-spec';
import type { ModelInfo } from '../../worker/jobs';
import type { GeneratedSamples } from './samples';

/** Everything but the pixels (the PNG's text chunk carries this). */
export function samplesRecord(g: GeneratedSamples, model: ModelInfo) {
  const { channels, height, width, range } = model.manifest.input;
  return {
    format: 'diffprobe-samples',
    version: 1,
    appVersion: APP_VERSION,
    model: { id: model.id, sha256: model.hash, file: model.fileName, name: model.manifest.name },
    manifest: model.manifest,
    seed: g.run.seed,
    noise:
      'x_T = gaussian(createRng(seed, 0x6e6e), count·C·H·W), then z from the same generator at each step that adds noise (src/core/sampler/run.ts)',
    count: g.run.count,
    options: g.run.options,
    timesteps: g.timesteps,
    shape: [g.run.count, channels, height, width],
    range,
    x0PerStep: g.stats.map((s: X0Stats, i) => ({ t: g.timesteps[i], ...s })),
    ...(g.failed && { failed: g.failed }),
  };
}

/** The JSON file: {@link samplesRecord} plus the samples (final, or x̂_0 of the last step done). */
export function samplesToJson(g: GeneratedSamples, model: ModelInfo): string {
  return `${JSON.stringify(
    {
      ...samplesRecord(g, model),
      samplesAre: g.final
        ? 'the final samples'
        : `x̂₀ of step ${g.step} of ${g.steps} (the run did not finish)`,
      samples: Array.from(g.images),
    },
    null,
    1,
  )}\n`;
}

/** "samples_ddim-50_clip_seed0" */
export function samplesFileName(g: GeneratedSamples, _model: ModelInfo): string {
  const o = g.run.options;
  return `samples_${o.method}-${o.steps}_${o.x0}_seed${g.run.seed}`;
}
