/**
 * @file How many images one extraction batch may hold, from bytes rather than a fixed count.
 *
 * A batch's outputs are the fetched blocks' full maps, N·C·H·W float32 each, before pooling: a
 * 256×256 model's 256-channel full-resolution block is 64 MB per image, so a fixed batch of 32
 * would ask for 2 GB per block. Per image we count the input x_t, every fetched block's map, and
 * the largest block map of the manifest once more (a floor on what the pass itself holds while it
 * runs, fetched or not), and fit that into a budget:
 * - WASM: {@link WASM_OUTPUT_BUDGET}, well under the 4 GB wasm32 heap, which also holds the
 *   weights and the network's other activations;
 * - WebGPU: the device's min(maxBufferSize, maxStorageBufferBindingSize) (one output is one
 *   buffer), and never more than the WASM budget (the outputs are downloaded into the worker's
 *   memory, and a lost device moves the same batch to WASM).
 * The caller's batch size stays an upper bound; the result is at least 1.
 */
import { predictionChannels } from '../core/manifest/prediction';
import type { Manifest, ManifestPrediction } from '../core/manifest/types';

/** Bytes of a batch's input and outputs on WASM: 512 MB. */
export const WASM_OUTPUT_BUDGET = 512 * 2 ** 20;

/** The WebGPU limits that bound one buffer (GPUSupportedLimits' names). */
export interface GpuBufferLimits {
  maxBufferSize?: number;
  maxStorageBufferBindingSize?: number;
}

type Shapes = Pick<Manifest, 'input' | 'blocks'> & { prediction?: Pick<ManifestPrediction, 'variance'> };

/** Bytes one image adds to a batch that fetches `blocks` (see the file comment). */
export function outputBytesPerImage(manifest: Shapes, blocks: readonly string[]): number {
  const { channels, height, width } = manifest.input;
  const mapBytes = (b: Manifest['blocks'][number]) => b.channels * b.resolution[0] * b.resolution[1] * 4;
  const byName = new Map(manifest.blocks.map((b) => [b.name, b]));
  let bytes = channels * height * width * 4;
  for (const name of blocks) {
    const block = byName.get(name);
    // A name the manifest does not list ('eps'): the prediction output, C or 2·C channels.
    bytes += block
      ? mapBytes(block)
      : predictionChannels(manifest.prediction ?? {}, channels) * height * width * 4;
  }
  let largest = 0;
  for (const b of manifest.blocks) largest = Math.max(largest, mapBytes(b));
  return bytes + largest;
}

/** The bytes a batch may take on `backend`; `gpu` are the WebGPU device's limits, when known. */
export function extractionBudgetBytes(backend: 'wasm' | 'webgpu', gpu?: GpuBufferLimits | null): number {
  if (backend === 'wasm') return WASM_OUTPUT_BUDGET;
  const limits = [gpu?.maxBufferSize, gpu?.maxStorageBufferBindingSize].filter(
    (v): v is number => typeof v === 'number' && v > 0,
  );
  return Math.min(WASM_OUTPUT_BUDGET, ...limits);
}

/**
 * Images per batch for fetching `blocks`: as many as fit `budgetBytes`, at most `upper` (the
 * caller's batch size), at least 1.
 *
 * @example extractionBatchSize(manifest, ['mid'], 32, extractionBudgetBytes('wasm')) // 32 for 28×28
 */
export function extractionBatchSize(
  manifest: Shapes,
  blocks: readonly string[],
  upper: number,
  budgetBytes: number,
): number {
  const fit = Math.floor(budgetBytes / outputBytesPerImage(manifest, blocks));
  return Math.max(1, Math.min(Math.floor(upper) || 1, fit));
}
