/**
 * @file Jobs about the loaded model itself: its graph's candidate blocks (for the "Model…" dialog)
 * and its ONNX with the block tensors as graph outputs (for "Save ONNX").
 */

import { DiffProbeError } from '../../core/errors';
import { dryRunRoom, formatBytes, WASM_HEAP_BYTES } from '../../core/onnx/memory';
import { unsupportedOnWebGpu } from '../../engine/webgpu-ops';
import type { JobContext } from '../context';
import type { ModelDiscovery } from '../jobs';
import { discoverInWorker, readGraph } from './discover-model';
import { requireModel } from './run-model';

export async function discoverBlocks(
  _params: Record<string, never>,
  ctx: JobContext,
): Promise<ModelDiscovery> {
  const model = requireModel();
  if (model.info.discovery) return model.info.discovery;
  // The dry run is a second session beside the loaded one: a full-size model has no room for two.
  const memory = model.info.memory;
  const room = memory ? dryRunRoom(memory, 2) : Number.POSITIVE_INFINITY;
  if (room < 0)
    throw new DiffProbeError(
      'model-unsupported',
      `finding candidate blocks dry-runs a second copy of ${model.info.fileName} beside the loaded one, about ${formatBytes(-room)} more than ONNX Runtime Web's ${formatBytes(WASM_HEAP_BYTES)} heap holds. Open the .onnx (and its data file) without a manifest instead: the blocks are then found before the model's session is made.`,
      { need: -room },
    );
  ctx.progress(0, 1, 'dry run');
  const graph = readGraph(model.bytes, model.info.fileName);
  const found = await discoverInWorker(
    model.bytes,
    graph,
    model.info.fileName,
    model.info.fileSha256,
    model.externalData,
    model.unet.manifest.input.name,
    {
      maxBytesPerRun: room,
      onProgress: async (done, total) => {
        ctx.progress(done, total, `dry run ${done} of ${total}`);
        await ctx.checkpoint();
      },
    },
  );
  const discovery = { ...found.discovery, webgpuUnsupported: unsupportedOnWebGpu(graph.nodes) };
  model.info = { ...model.info, discovery };
  ctx.progress(1, 1, 'done');
  return discovery;
}

export async function exportModel(): Promise<{ bytes: Uint8Array; fileName: string }> {
  const model = requireModel();
  // The result is transferred to the page; the worker keeps its own bytes for later sessions.
  return { bytes: model.sessionBytes.slice(), fileName: model.info.fileName };
}
