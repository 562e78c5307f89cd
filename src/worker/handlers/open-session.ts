/**
 * @file A U-Net session that is known to work: created, run once at batch 1 on every output (which
 * also checks each output's shape against the manifest) and once at batch 2 (a model exported with
 * a fixed batch size fails here, with a message that says how to fix the export, instead of at the
 * first batch of 32 with a raw ONNX Runtime error). A model whose one image already fills an
 * extraction batch (pipeline/batch-size.ts; the full-size ImageNet ADM) is never run at batch 2
 * by extraction, so it is not checked there: for that model the run would take minutes and more
 * heap than the 4 GiB left beside its weights.
 */
import { DiffProbeError } from '../../core/errors';
import type { Manifest } from '../../core/manifest/types';
import type { OrtRuntime } from '../../engine/ort-types';
import { UNetSession } from '../../engine/unet-session';
import { extractionBatchSize, WASM_OUTPUT_BUDGET } from '../../pipeline/batch-size';

/** ONNX external data files, by the path the graph names them with. */
export type ExternalData = { path: string; data: Uint8Array }[];

export async function openSession(
  runtime: OrtRuntime,
  bytes: Uint8Array,
  manifest: Manifest,
  externalData: ExternalData = [],
  constants: Readonly<Record<string, Float32Array>> = {},
  /** The bytes an extraction batch may take (pipeline/batch-size.ts); tests pass a small one. */
  outputBudget: number = WASM_OUTPUT_BUDGET,
  /**
   * The app's own model, its bytes checked against the SHA-256 in the manifest it ships with
   * (and the pair tested at build time): its outputs and batch axis are known, so the two check
   * runs are skipped. They cost a fifth of the default model's time to a ready page.
   */
  knownGood = false,
): Promise<UNetSession> {
  const unet = await UNetSession.create(
    runtime,
    bytes,
    manifest,
    externalData.length ? { externalData } : undefined,
    constants,
  );
  if (knownGood) return unet;
  const { channels, height, width } = manifest.input;
  const pixels = channels * height * width;
  // Class inputs fed each image's label get class 0 here: these runs check shapes, not numbers.
  try {
    await unet.run(new Float32Array(pixels), 1, [0], ['eps', ...unet.blockNames], { labels: [0] });
    if (extractionBatchSize(manifest, ['eps'], 2, outputBudget) < 2) return unet;
    try {
      await unet.run(new Float32Array(2 * pixels), 2, [0, 0], ['eps'], { labels: [0, 0] });
    } catch (error) {
      if (error instanceof DiffProbeError && error.code !== 'model-mismatch') throw error;
      throw new DiffProbeError(
        'model-unsupported',
        `the model runs at batch size 1 but not at 2, so its batch size is fixed: re-export it with a dynamic batch axis (dynamic_axes, and x.shape[0] rather than len(x) in the model's code; see docs/export.md). ONNX Runtime said: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  } catch (error) {
    await unet.release().catch(() => {});
    throw error;
  }
  return unet;
}
