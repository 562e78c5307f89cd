/** The worker's one FeatureCache (opened lazily) and content hashes of images for its keys. */
import { FeatureCache } from './feature-cache';

let opening: Promise<FeatureCache | null> | null = null;

export function featureCache(): Promise<FeatureCache | null> {
  opening ??= FeatureCache.open();
  return opening;
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
