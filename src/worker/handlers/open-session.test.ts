// openSession's batch-2 check: run where extraction may batch two images, skipped where one image
// already fills an extraction batch (the full-size ImageNet ADM), on real sessions (onnxruntime-node).
import { describe, expect, it } from 'vitest';
import { withBlockOutputs } from '../../core/onnx/block-outputs';
import { manifestFromDiscovery } from '../../core/onnx/discover';
import { readModel } from '../../core/onnx/reader';
import { syntheticUNet } from '../../core/onnx/test-models';
import { discoverModel } from '../../engine/discover';
import { nodeRuntime } from '../../engine/onnx-node';
import { outputBytesPerImage, WASM_OUTPUT_BUDGET } from '../../pipeline/batch-size';
import { rejection } from '../../testing/rejection';
import { openSession } from './open-session';

const runtime = nodeRuntime();

/** A frozen-batch graph (t_emb reshaped to [1, C, 1, 1]) with the manifest discovery gives it. */
async function frozenModel() {
  const bytes = syntheticUNet({ frozenBatch: true });
  const found = await discoverModel(runtime, bytes, { checkBatch: false });
  const manifest = manifestFromDiscovery(found, {
    name: 'frozen',
    fileName: 'model.onnx',
    bytes: bytes.length,
    sha256: '0'.repeat(64),
  });
  // The preselected blocks are tensors inside the graph: made graph outputs, as the loader does.
  return { bytes: withBlockOutputs(bytes, readModel(bytes), manifest), manifest };
}

describe('openSession', () => {
  it('refuses a fixed batch size where extraction would run two images at once', async () => {
    const { bytes, manifest } = await frozenModel();
    expect(2 * outputBytesPerImage(manifest, ['eps'])).toBeLessThan(WASM_OUTPUT_BUDGET);
    const error = await rejection(openSession(runtime, bytes, manifest));
    expect(error.code).toBe('model-unsupported');
    expect(error.message).toMatch(/^the model runs at batch size 1 but not at 2, so its batch size is fixed/);
  });

  it('opens it without the batch-2 run where one image fills an extraction batch', async () => {
    const { bytes, manifest } = await frozenModel();
    // A budget below two images' bytes: what the ImageNet-256 ADM's ~480 MB per image is to 512 MB.
    const budget = Math.floor(1.5 * outputBytesPerImage(manifest, ['eps']));
    const unet = await openSession(runtime, bytes, manifest, [], {}, budget);
    try {
      const { channels, height, width } = manifest.input;
      const out = await unet.run(new Float32Array(channels * height * width).fill(0.5), 1, [10], ['eps']);
      expect(out.eps.dims).toEqual([1, channels, height, width]);
    } finally {
      await unet.release();
    }
  });
});
