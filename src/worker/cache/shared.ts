/** The worker's one FeatureCache (opened lazily) and content hashes of images for its keys. */
import { type FeatureCache, type OpenedCache, openFeatureCache } from './feature-cache';

let opening: Promise<OpenedCache> | null = null;
let retryAfter = Number.POSITIVE_INFINITY;
/** After an open blocked by another tab, try again no sooner than this (each try may wait seconds). */
const RETRY_BLOCKED_MS = 60_000;

/** The cache, or why there is none (logged once per attempt). Only a blocked open is retried. */
export function featureCacheStatus(): Promise<OpenedCache> {
  if (!opening || Date.now() >= retryAfter) {
    retryAfter = Number.POSITIVE_INFINITY;
    opening = openFeatureCache().then((r) => {
      if (r.reason) console.warn(`feature cache off: ${r.reason}`);
      if (r.blocked) retryAfter = Date.now() + RETRY_BLOCKED_MS; // the other tab may close
      return r;
    });
  }
  return opening;
}

export async function featureCache(): Promise<FeatureCache | null> {
  return (await featureCacheStatus()).cache;
}

/** Content hashes of images, computed as the CLI's cache computes them (pipeline/cache-key.ts). */
export { imageHashes } from '../../pipeline/cache-key';
