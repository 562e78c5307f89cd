/**
 * @file The version of the numbers the pipeline computes, part of every persisted feature cache
 * key (see worker/cache/feature-cache.ts).
 *
 * Bump PIPELINE_VERSION whenever a change would make the same model, manifest, image, t, seed and
 * pooling give different features: the noise generator or how ε is keyed (core/rng.ts), x_t or
 * the prediction's reading (core/noise.ts), the schedule's ᾱ arithmetic (core/schedule.ts), x_0's
 * preprocessing (core/image, core/dataset), pooling (core/pooling.ts), or what extraction feeds
 * the U-Net (pipeline/extract.ts, engine/unet-session.ts). Features cached under the old version
 * are then never served again (they age out of the cache). Refactors that keep the numbers
 * bit-identical need no bump.
 */
export const PIPELINE_VERSION = 1;
