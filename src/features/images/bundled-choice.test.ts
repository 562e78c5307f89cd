import { describe, expect, it } from 'vitest';
import { bundledChoiceLabel } from './bundled-choice';

const fashion = { name: 'Fashion-MNIST', height: 28, width: 28, channels: 1 as const };

describe('bundledChoiceLabel', () => {
  it('says how the images are adapted to an RGB model of another size', () => {
    expect(bundledChoiceLabel(fashion, { height: 64, width: 32, channels: 3 })).toBe(
      'Use the bundled Fashion-MNIST with this model (28×28 grayscale, resized to 64×32 and repeated to 3 channels)',
    );
  });

  it('names each adaptation only when it happens', () => {
    expect(bundledChoiceLabel(fashion, { height: 32, width: 32, channels: 1 })).toBe(
      'Use the bundled Fashion-MNIST with this model (28×28 grayscale, resized to 32×32)',
    );
    expect(bundledChoiceLabel(fashion, { height: 28, width: 28, channels: 3 })).toBe(
      'Use the bundled Fashion-MNIST with this model (28×28 grayscale, repeated to 3 channels)',
    );
    expect(
      bundledChoiceLabel({ ...fashion, name: 'CIFAR', channels: 3 }, { height: 28, width: 28, channels: 1 }),
    ).toBe('Use the bundled CIFAR with this model (28×28 RGB, converted to grayscale)');
    expect(bundledChoiceLabel(fashion, { height: 28, width: 28, channels: 1 })).toMatch(
      /\(28×28 grayscale, the size and channels this model takes\)$/,
    );
  });
});
