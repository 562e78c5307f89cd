/**
 * @file Jobs about the loaded model itself: its graph's candidate blocks (for the "Model…" dialog)
 * and its ONNX with the block tensors as graph outputs (for "Save ONNX").
 */

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
  ctx.progress(0, 1, 'dry run');
  const graph = readGraph(model.bytes, model.info.fileName);
  const found = await discoverInWorker(
    model.bytes,
    graph,
    model.info.fileName,
    model.info.fileSha256,
    model.externalData,
    model.unet.manifest.input.name,
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
