/**
 * @file The words of the "use the bundled data set with this model" choice: what feeding the data
 * set to a model that was not trained on it involves, so the choice is made knowingly.
 */
import type { DatasetIndex } from '../../core/dataset/index-file';
import type { ManifestInput } from '../../core/manifest/types';

/** e.g. "Use the bundled Fashion-MNIST with this model (28×28 grayscale, resized to 64×64 and repeated to 3 channels)". */
export function bundledChoiceLabel(
  index: Pick<DatasetIndex, 'name' | 'height' | 'width' | 'channels'>,
  input: Pick<ManifestInput, 'height' | 'width' | 'channels'>,
): string {
  const kind = index.channels === 1 ? 'grayscale' : 'RGB';
  const steps: string[] = [];
  if (index.height !== input.height || index.width !== input.width)
    steps.push(`resized to ${input.height}×${input.width}`);
  if (index.channels === 1 && input.channels === 3) steps.push('repeated to 3 channels');
  if (index.channels === 3 && input.channels === 1) steps.push('converted to grayscale');
  const how = steps.length ? `, ${steps.join(' and ')}` : ', the size and channels this model takes';
  return `Use the bundled ${index.name} with this model (${index.height}×${index.width} ${kind}${how})`;
}
