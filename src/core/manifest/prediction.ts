/**
 * @file The prediction output's channel layout: C channels (fixed variance) or 2·C read as
 * [prediction | variance] (`prediction.variance`, docs/manifest.md). One place says what shape
 * the output must have, what to tell a user whose output has another, and how to split it, so the
 * engine, discovery and the CLI agree.
 */
import type { ManifestPrediction, PredictionVariance } from './types';

/** Channels the prediction output has for an input of `inputChannels`: C, or 2·C with a variance. */
export function predictionChannels(prediction: Pick<ManifestPrediction, 'variance'>, inputChannels: number) {
  return prediction.variance ? 2 * inputChannels : inputChannels;
}

const VARIANCE_HINT =
  'set prediction.variance to "learned_range" (guided-diffusion / improved DDPM / DiT: values in [−1, 1] between log β_t and log β̃_t) or "learned" (log σ² itself)';

/**
 * Why a prediction output of `dims` does not fit an input of `[count, C, H, W]` under `variance`,
 * or null when it fits. The text starts with the output's actual shape and says what to change.
 *
 * @example predictionShapeProblem([1, 7, 32, 32], [1, 3, 32, 32], undefined)
 *   // "gives [1,7,32,32]: 7 channels for a 3-channel input; …"
 */
export function predictionShapeProblem(
  dims: readonly number[],
  input: readonly [number, number, number, number],
  variance: PredictionVariance | undefined,
): string | null {
  const [count, c, h, w] = input;
  const want = [count, variance ? 2 * c : c, h, w];
  if (dims.join() === want.join()) return null;
  const gives = `gives [${dims}]`;
  const spatialOk = dims.length === 4 && dims[0] === count && dims[2] === h && dims[3] === w;
  if (!spatialOk) return `${gives}, expected [${want}] (the input's batch and size)`;
  const k = dims[1];
  if (k === 2 * c)
    return `${gives}: 2·C channels for a ${c}-channel input, a learned-variance model ([prediction | variance]); ${VARIANCE_HINT}`;
  if (k === c && variance)
    return `${gives}: the input's ${c} channels, but prediction.variance "${variance}" says [prediction | variance] of 2·C = ${2 * c}; remove prediction.variance`;
  return `${gives}: ${k} channels for a ${c}-channel input; DiffProbe reads C = ${c} channels (the prediction) or 2·C = ${2 * c} ([prediction | learned variance]), so this output cannot be read${k === 2 * c + 1 ? ' (2·C + 1: an extra channel no known parameterisation has)' : ''}`;
}

/**
 * Splits an [N, 2·C, H, W] output into its first C channels (the prediction) and its last C (the
 * variance values), each [N, C, H, W], copied.
 */
export function splitLearnedVariance(
  data: Float32Array,
  count: number,
  channels: number,
  pixels: number,
): { prediction: Float32Array; variance: Float32Array } {
  const half = channels * pixels;
  if (data.length !== count * 2 * half)
    throw new RangeError(`${data.length} values, expected ${count} × 2·${channels} × ${pixels}`);
  const prediction = new Float32Array(count * half);
  const variance = new Float32Array(count * half);
  for (let n = 0; n < count; n++) {
    prediction.set(data.subarray(2 * n * half, (2 * n + 1) * half), n * half);
    variance.set(data.subarray((2 * n + 1) * half, (2 * n + 2) * half), n * half);
  }
  return { prediction, variance };
}
