/**
 * Conditional models on onnxruntime-node: ADM's class label `y` (the adm12 fixture, an embedding of
 * 10 classes) fed a fixed class, each image's label or an out-of-range class; a text-conditioned
 * U-Net fed zeros or a user's embedding from a .npy. Opened bare, as the app opens them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inputDataFromNpy } from '../core/conditioning/input-data';
import { DiffProbeError } from '../core/errors';
import type { Manifest, ManifestExtraInput } from '../core/manifest/types';
import { validateManifest } from '../core/manifest/validate';
import { writeNpy } from '../core/npy';
import { withBlockOutputs } from '../core/onnx/block-outputs';
import { manifestFromDiscovery } from '../core/onnx/discover';
import { readModel } from '../core/onnx/reader';
import { textConditionedUNet } from '../core/onnx/test-models';
import { discoverModel } from './discover';
import { nodeRuntime } from './onnx-node';
import { UNetSession } from './unet-session';

const runtime = nodeRuntime(1);
const ADM = new Uint8Array(readFileSync('e2e/fixtures/models/adm12/model-with-attention.onnx'));

async function bare(bytes: Uint8Array): Promise<Manifest> {
  const found = await discoverModel(runtime, bytes);
  return manifestFromDiscovery(found, {
    name: 'm',
    fileName: 'm.onnx',
    bytes: bytes.length,
    sha256: '0'.repeat(64),
  });
}

async function open(bytes: Uint8Array, manifest: Manifest, constants: Record<string, Float32Array> = {}) {
  return UNetSession.create(
    runtime,
    withBlockOutputs(bytes, readModel(bytes), manifest),
    manifest,
    undefined,
    constants,
  );
}

const withExtra = (m: Manifest, patch: Partial<ManifestExtraInput>): Manifest =>
  validateManifest({ ...m, extraInputs: m.extraInputs!.map((e) => ({ ...e, ...patch })) });

describe('class-conditional U-Net (ADM y)', () => {
  const xt = Float32Array.from({ length: 2 * 144 }, (_, i) => Math.sin(i));

  it('feeds a fixed class to every image, or each image its own label: the same numbers', async () => {
    const m = await bare(ADM);
    expect(m.extraInputs?.[0].class).toEqual({ encoding: 'index', count: 10, feed: 'constant' });
    const fixed = await open(ADM, withExtra(m, { value: 3 }));
    const own = await open(ADM, withExtra(m, { class: { encoding: 'index', count: 10, feed: 'label' } }));
    const a = (await fixed.run(xt, 2, [100, 100], ['eps'])).eps.data;
    const b = (await own.run(xt, 2, [100, 100], ['eps'], { labels: [3, 3] })).eps.data;
    expect(Array.from(b)).toEqual(Array.from(a));
    const c = (await own.run(xt, 2, [100, 100], ['eps'], { labels: [3, 7] })).eps.data;
    expect(Array.from(c.subarray(0, 144))).toEqual(Array.from(a.subarray(0, 144)));
    expect(Array.from(c.subarray(144))).not.toEqual(Array.from(a.subarray(144)));
    await Promise.all([fixed.release(), own.release()]);
  });

  it('refuses a class out of range with one clear message, in the manifest, the labels and the raw graph', async () => {
    const m = await bare(ADM);
    expect(() => withExtra(m, { value: 12 })).toThrow(
      /extraInputs\[0\]\.value: got 12, expected a class in 0…9/,
    );
    const own = await open(ADM, withExtra(m, { class: { encoding: 'index', count: 10, feed: 'label' } }));
    await expect(own.run(xt, 2, [5, 5], ['eps'], { labels: [1, 12] })).rejects.toThrow(
      /an image's label 12 is not a class "y" takes \(0…9\)/,
    );
    // A manifest that does not say y is a class: ONNX Runtime's lookup error, explained.
    const { class: _, ...plain } = m.extraInputs![0];
    const raw = await open(ADM, validateManifest({ ...m, extraInputs: [{ ...plain, value: 12 }] }));
    const error = await raw.run(xt, 2, [5, 5], ['eps']).catch((e) => e);
    expect(error).toBeInstanceOf(DiffProbeError);
    expect((error as DiffProbeError).code).toBe('model-input');
    expect(error.message).toMatch(/^the model refused an integer input \(y = 12\): ONNX Runtime says/);
    await Promise.all([own.release(), raw.release()]);
  });
});

describe('text-conditioned U-Net', () => {
  const bytes = textConditionedUNet();
  const xt = Float32Array.from({ length: 64 }, (_, i) => Math.cos(i));

  it('opens with zeros for its embedding, says so, and takes a user-supplied constant embedding', async () => {
    const m = await bare(bytes);
    const ehs = m.extraInputs![0];
    expect(ehs).toEqual({
      name: 'encoder_hidden_states',
      dtype: 'float32',
      shape: [1, 8],
      batched: true,
      value: 0,
    });
    const zeros = await open(bytes, m);
    const z = (await zeros.run(xt, 1, [10], ['eps'])).eps.data;
    // A prompt's embedding, as a text encoder returns it: [1, 77, 8].
    const values = Float32Array.from({ length: 77 * 8 }, (_, i) => (i % 13) / 13);
    const npy = writeNpy(values, [1, 77, 8]);
    const { createHash } = await import('node:crypto');
    const sha256 = createHash('sha256').update(npy).digest('hex');
    const withPrompt = validateManifest({
      ...m,
      extraInputs: [{ ...ehs, shape: [77, 8], data: { file: 'prompt.npy', sha256 } }],
    });
    const data = await inputDataFromNpy(withPrompt.extraInputs![0], npy);
    const prompted = await open(bytes, withPrompt, { encoder_hidden_states: data });
    const p = (await prompted.run(xt, 1, [10], ['eps'])).eps.data;
    expect(Array.from(p)).not.toEqual(Array.from(z));
    // Two images get the same embedding.
    const two = (await prompted.run(Float32Array.of(...xt, ...xt), 2, [10, 10], ['eps'])).eps.data;
    expect(Array.from(two.subarray(64))).toEqual(Array.from(p));
    await Promise.all([zeros.release(), prompted.release()]);
  });
});
