import type { Page } from '@playwright/test';
import { decodeFloat32 } from './backend';

/**
 * The added images as the page holds them, in the order added: names, polarity and decoder, x₀
 * (28×28 grey, the default model's input) and their up1_0 features at t = 0 (global average, 64
 * values) from the worker's extraction, without the cache.
 */
export async function uploadsAndFeatures(page: Page) {
  const r = await page.evaluate(async () => {
    const s = window.diffprobe.state();
    const ups = s.uploads;
    const x0 = new Float32Array(ups.length * 784);
    for (const [i, u] of ups.entries()) x0.set(u.x0, i * 784);
    const rows = new Float32Array(ups.length * 64);
    await window.diffprobe.runWithPartials(
      'extractFeatures',
      {
        images: { data: x0.slice(), count: ups.length },
        t: 0,
        seed: 0,
        blocks: ['up1_0'],
        pooling: { kind: 'avg' },
        batchSize: 32,
        cache: false,
        model: s.model!.id,
      },
      (chunk) => {
        for (const [i, r] of chunk.rows.entries())
          rows.set(chunk.features.up1_0.subarray(i * 64, (i + 1) * 64), r * 64);
      },
    );
    return {
      names: ups.map((u) => u.name),
      inverted: ups.map((u) => Boolean(u.polarity?.inverted)),
      decoders: ups.map((u) => u.decoder),
      x0: window.toBase64(x0),
      features: window.toBase64(rows),
    };
  });
  return { ...r, x0: decodeFloat32(r.x0), features: decodeFloat32(r.features) };
}
