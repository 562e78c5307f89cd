import { describe, expect, it } from 'vitest';
import { predictionChannels, predictionShapeProblem, splitLearnedVariance } from './prediction';

describe('the prediction output’s channels', () => {
  it('are C, or 2·C with a learned variance', () => {
    expect(predictionChannels({}, 3)).toBe(3);
    expect(predictionChannels({ variance: 'learned_range' }, 3)).toBe(6);
    expect(predictionChannels({ variance: 'learned' }, 1)).toBe(2);
  });

  it('fit or say exactly what is wrong', () => {
    const input = [2, 3, 32, 32] as const;
    expect(predictionShapeProblem([2, 3, 32, 32], input, undefined)).toBeNull();
    expect(predictionShapeProblem([2, 6, 32, 32], input, 'learned_range')).toBeNull();
    expect(predictionShapeProblem([2, 6, 32, 32], input, undefined)).toBe(
      'gives [2,6,32,32]: 2·C channels for a 3-channel input, a learned-variance model ([prediction | variance]); set prediction.variance to "learned_range" (guided-diffusion / improved DDPM / DiT: values in [−1, 1] between log β_t and log β̃_t) or "learned" (log σ² itself)',
    );
    expect(predictionShapeProblem([2, 3, 32, 32], input, 'learned')).toBe(
      'gives [2,3,32,32]: the input\'s 3 channels, but prediction.variance "learned" says [prediction | variance] of 2·C = 6; remove prediction.variance',
    );
    expect(predictionShapeProblem([2, 7, 32, 32], input, undefined)).toBe(
      'gives [2,7,32,32]: 7 channels for a 3-channel input; DiffProbe reads C = 3 channels (the prediction) or 2·C = 6 ([prediction | learned variance]), so this output cannot be read (2·C + 1: an extra channel no known parameterisation has)',
    );
    expect(predictionShapeProblem([2, 7, 32, 32], input, 'learned_range')).toMatch(
      /^gives \[2,7,32,32\]: 7 channels/,
    );
    expect(predictionShapeProblem([2, 3, 16, 16], input, undefined)).toBe(
      "gives [2,3,16,16], expected [2,3,32,32] (the input's batch and size)",
    );
  });
});

describe('splitLearnedVariance', () => {
  it('takes each image’s first C channels as the prediction and its last C as the variance', () => {
    // 2 images, C = 2, 3 pixels: values encode (image, channel, pixel).
    const data = Float32Array.from({ length: 2 * 4 * 3 }, (_, i) => {
      const n = Math.floor(i / 12);
      const c = Math.floor((i % 12) / 3);
      return 100 * n + 10 * c + (i % 3);
    });
    const { prediction, variance } = splitLearnedVariance(data, 2, 2, 3);
    expect([...prediction]).toEqual([0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112]);
    expect([...variance]).toEqual([20, 21, 22, 30, 31, 32, 120, 121, 122, 130, 131, 132]);
    expect(() => splitLearnedVariance(data, 3, 2, 3)).toThrow(RangeError);
  });
});
