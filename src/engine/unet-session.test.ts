import { describe, expect, it } from 'vitest';
import type { Manifest } from '../core/manifest/types';
import { validateManifest } from '../core/manifest/validate';
import { withBlockOutputs } from '../core/onnx/block-outputs';
import { manifestFromDiscovery } from '../core/onnx/discover';
import { readModel } from '../core/onnx/reader';
import { attentionUNet } from '../core/onnx/test-models';
import { createRng, gaussian } from '../core/rng';
import { rejection } from '../testing/rejection';
import { discoverModel } from './discover';
import { nodeRuntime } from './onnx-node';
import { PREDICTION_KEY, UNetSession, VARIANCE_KEY } from './unet-session';

const runtime = nodeRuntime();

async function discovered(bytes: Uint8Array): Promise<Manifest> {
  const found = await discoverModel(runtime, bytes);
  return validateManifest(
    manifestFromDiscovery(found, {
      name: 'attention',
      fileName: 'a.onnx',
      bytes: bytes.length,
      sha256: '0'.repeat(64),
    }),
  );
}

describe('a learned-variance model (2·C output channels)', () => {
  const bytes = attentionUNet();
  const count = 3;
  const xt = Float32Array.from(gaussian(createRng(5), count * 64));
  const t = [10, 500, 999];

  it('is opened bare with prediction.variance learned_range, the first C channels as the prediction and the last C as the variance', async () => {
    const manifest = await discovered(bytes);
    expect(manifest.prediction).toEqual({ type: 'epsilon', output: 'out', variance: 'learned_range' });
    const unet = await UNetSession.create(
      runtime,
      withBlockOutputs(bytes, readModel(bytes), manifest),
      manifest,
    );
    const out = await unet.run(xt, count, t, [PREDICTION_KEY, VARIANCE_KEY, manifest.blocks[0].name]);
    // The raw output, fetched from the session itself: [N, 2, 8, 8].
    const raw = (await unet.session.run(unet.feeds(xt, count, t), ['out'])).out;
    expect(raw.dims).toEqual([count, 2, 8, 8]);
    const data = raw.data as Float32Array;
    expect(out.eps.dims).toEqual([count, 1, 8, 8]);
    expect(out.variance.dims).toEqual([count, 1, 8, 8]);
    for (let n = 0; n < count; n++) {
      expect([...out.eps.data.subarray(n * 64, (n + 1) * 64)]).toEqual([
        ...data.subarray(n * 128, n * 128 + 64),
      ]);
      expect([...out.variance.data.subarray(n * 64, (n + 1) * 64)]).toEqual([
        ...data.subarray(n * 128 + 64, (n + 1) * 128),
      ]);
    }
    expect(out[manifest.blocks[0].name].dims[0]).toBe(count);
    await unet.release();
  });

  it('without prediction.variance is refused, saying how to read it', async () => {
    const learned = await discovered(bytes);
    const manifest = { ...learned, prediction: { type: 'epsilon', output: 'out' } } as Manifest;
    const unet = await UNetSession.create(
      runtime,
      withBlockOutputs(bytes, readModel(bytes), manifest),
      manifest,
    );
    const error = await rejection(unet.run(xt, count, t, [PREDICTION_KEY]));
    expect(error.code).toBe('model-mismatch');
    expect(error.message).toBe(
      'output shapes do not match the manifest: prediction.output: gives [3,2,8,8]: 2·C channels for a 1-channel input, a learned-variance model ([prediction | variance]); set prediction.variance to "learned_range" (guided-diffusion / improved DDPM / DiT: values in [−1, 1] between log β_t and log β̃_t) or "learned" (log σ² itself)',
    );
    const noVariance = await rejection(unet.run(xt, count, t, [VARIANCE_KEY]));
    expect(noVariance.message).toMatch(/has no learned variance/);
    await unet.release();
  });

  it('a 2·C + 1-channel output gets one clear message, bare or with a manifest', async () => {
    const odd = attentionUNet(3);
    const bare = await rejection(discoverModel(runtime, odd));
    expect(bare.code).toBe('model-unsupported');
    expect(bare.message).toBe(
      'the prediction output "out" gives [1,3,8,8]: 3 channels for a 1-channel input; DiffProbe reads C = 1 channels (the prediction) or 2·C = 2 ([prediction | learned variance]), so this output cannot be read (2·C + 1: an extra channel no known parameterisation has)',
    );
    const manifest = await discovered(bytes);
    const unet = await UNetSession.create(runtime, withBlockOutputs(odd, readModel(odd), manifest), manifest);
    const error = await rejection(unet.run(xt, count, t, [PREDICTION_KEY]));
    expect(error.message).toMatch(
      /^output shapes do not match the manifest: prediction\.output: gives \[3,3,8,8\]: 3 channels/,
    );
    await unet.release();
  });
});
