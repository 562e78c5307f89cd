/**
 * @file Train/validation/test leakage by content. Ids cannot show it: two files with the same
 * pixels (a copy under another name, the same picture saved as PNG and JPEG) have different ids,
 * yet the same model input x_0, hence (noise being keyed by content) the very same features. A test
 * image identical to a training image is then counted as "unseen" when it was fitted on.
 */

export interface DuplicatePair {
  /** The held-out image (validation or test)… */
  id: string;
  /** …and an image of an earlier part with the same content. */
  sameAs: string;
}

export interface Duplicates {
  /** Test images with the same content as a training or validation image. */
  test: DuplicatePair[];
  /** Validation images with the same content as a training image. */
  validation: DuplicatePair[];
}

/**
 * Held-out images whose content equals an image of an earlier part. `ids` and `hashes` are in the
 * pipeline's order: `sizes.train` training images, then validation, then test.
 */
export function findDuplicates(
  ids: readonly string[],
  hashes: readonly string[],
  sizes: { train: number; validation: number; test: number },
): Duplicates {
  const inTrain = new Map<string, string>();
  const inFit = new Map<string, string>();
  const out: Duplicates = { test: [], validation: [] };
  const nTrain = sizes.train;
  const nFit = nTrain + sizes.validation;
  for (let i = 0; i < nFit + sizes.test; i++) {
    const h = hashes[i];
    if (i < nTrain) {
      if (!inTrain.has(h)) inTrain.set(h, ids[i]);
    } else if (i < nFit) {
      // Validation against training only: two equal validation images leak nothing.
      const same = inTrain.get(h);
      if (same !== undefined) out.validation.push({ id: ids[i], sameAs: same });
    } else {
      const same = inTrain.get(h) ?? inFit.get(h);
      if (same !== undefined) out.test.push({ id: ids[i], sameAs: same });
      continue;
    }
    if (!inFit.has(h)) inFit.set(h, ids[i]);
  }
  return out;
}

const example = (pairs: DuplicatePair[]) =>
  pairs
    .slice(0, 3)
    .map((p) => `${p.id} = ${p.sameAs}`)
    .join(', ');

/** The problems to show, one per kind of leak (empty when there is none). */
export function duplicateProblems(d: Duplicates): string[] {
  const out: string[] = [];
  if (d.test.length)
    out.push(
      `${d.test.length} test image${d.test.length === 1 ? ' has' : 's have'} the same pixels as training or validation images (e.g. ${example(d.test)}): the test accuracy would count images the probe has seen. Remove the duplicates or pick another split seed.`,
    );
  if (d.validation.length)
    out.push(
      `${d.validation.length} validation image${d.validation.length === 1 ? ' has' : 's have'} the same pixels as training images (e.g. ${example(d.validation)}): choosing by validation accuracy would reward memorising them. Remove the duplicates or pick another split seed.`,
    );
  return out;
}
