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

/**
 * 64-bit content hashes (hex) of `count` images of `pixels` floats. SHA-256, truncated: a 32-bit
 * hash would collide with a few percent probability across 20k images.
 */
export async function imageHashes(data: Float32Array, count: number, pixels: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = new Uint8Array(data.buffer, data.byteOffset + i * pixels * 4, pixels * 4);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes.slice()));
    out.push(Array.from(digest.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(''));
  }
  return out;
}
