/**
 * @file The generated samples as the store keeps them (a type only, so that the store, the
 * commands and the exports share it without importing one another).
 */
import type { SamplerOptions } from '../../core/sampler/options';
import type { X0Stats } from '../../core/sampler/x0';

/** The latest generated batch: a live frame while sampling, then the final images. */
export interface GeneratedSamples {
  step: number;
  steps: number;
  t: number;
  /** count × C×H×W model-space floats: x̂_0 of the latest step while running, the samples when final. */
  images: Float32Array;
  final: boolean;
  /** What made them (exports and the gallery's words read these, not the panel's current fields). */
  run: {
    /** ModelInfo.id of the model that made them. */
    model: string;
    count: number;
    seed: number;
    options: SamplerOptions;
  };
  /** Per completed step: t and the raw x̂_0's range. */
  timesteps: number[];
  stats: X0Stats[];
  /** Set when the run failed part-way (the frames before stay). */
  failed?: string;
}
