/**
 * @file "Auto" decides by measuring. With a hardware WebGPU adapter and no operator WebGPU lacks,
 * the model is opened on both backends and one warm batch of the model's real input is timed on
 * each; the faster serves the model (batch work: extraction, sweeps, probes) and the other session
 * is released. Software adapters (SwiftShader, llvmpipe…) are never measured: they run the U-Net
 * 40–85× slower than WASM.
 *
 * The measurement is kept short: the batch is sized from WASM's warm batch-2 time so that one run
 * takes about {@link RUN_BUDGET_MS}, and a WebGPU whose batch-2 time already shows it far slower is
 * not run at the larger batch. The page remembers the decision per model and device
 * (app/backend-memory.ts) and passes it back, so a reload does not measure again.
 */
import type { Manifest } from '../../core/manifest/types';
import type { UNetSession } from '../../engine/unet-session';
import { extractionBatchSize, WASM_OUTPUT_BUDGET } from '../../pipeline/batch-size';
import type { AutoDecision, Backend } from '../jobs';

/** About how long one timed run may take. */
export const RUN_BUDGET_MS = 250;
/** The largest batch measured (extraction's default batch size). */
export const MAX_MEASURED_BATCH = 32;

/** Milliseconds per image, as people read them. */
export function formatMs(ms: number): string {
  return ms < 10 ? ms.toFixed(1) : ms.toFixed(0);
}

/** One run of `count` images (ε only: every backend computes the whole U-Net either way); ms. */
export async function timeRun(unet: UNetSession, count: number): Promise<number> {
  const { channels, height, width } = unet.manifest.input;
  const xt = Float32Array.from({ length: count * channels * height * width }, (_, i) => Math.sin(i * 0.1));
  // t = 0: the cost does not depend on t, and every model is finite there.
  const t = new Float32Array(count);
  const started = performance.now();
  await unet.run(xt, count, t, ['eps'], { labels: new Int32Array(count) });
  return performance.now() - started;
}

/** The batch to time: about RUN_BUDGET_MS on WASM, at least 2, at most what extraction would run. */
export function measuredBatch(manifest: Manifest, wasmMsPerImage: number): number {
  const upper = extractionBatchSize(manifest, [], MAX_MEASURED_BATCH, WASM_OUTPUT_BUDGET);
  const fit = Math.floor(RUN_BUDGET_MS / Math.max(wasmMsPerImage, 1e-3));
  return Math.max(Math.min(2, upper), Math.min(upper, fit));
}

export interface Measurement {
  backend: Backend;
  wasmMsPerImage: number;
  webgpuMsPerImage: number;
  batch: number;
  /** WebGPU was far slower at batch 2 and was not run at `batch` (its figure is the batch-2 one). */
  webgpuEstimated: boolean;
}

/**
 * Times one warm batch on each session (both already ran batches of 1 and 2 when they were
 * opened) and says which is faster per image.
 */
export async function measure(wasm: UNetSession, webgpu: UNetSession): Promise<Measurement> {
  const wasm2 = (await timeRun(wasm, 2)) / 2;
  const batch = measuredBatch(wasm.manifest, wasm2);
  const wasmMs = batch === 2 ? wasm2 : (await timeRun(wasm, batch)) / batch;
  const gpu2 = (await timeRun(webgpu, 2)) / 2;
  let webgpuMs = gpu2;
  let webgpuEstimated = batch !== 2;
  // Far slower already at batch 2 (a GPU batch only gets cheaper per image): no need to wait.
  if (batch !== 2 && gpu2 < 4 * wasmMs) {
    await timeRun(webgpu, batch); // the first run at a new size builds its shader pipelines
    webgpuMs = (await timeRun(webgpu, batch)) / batch;
    webgpuEstimated = false;
  }
  return {
    backend: webgpuMs < wasmMs ? 'webgpu' : 'wasm',
    wasmMsPerImage: wasmMs,
    webgpuMsPerImage: webgpuMs,
    batch,
    webgpuEstimated,
  };
}

/** The status line's account of a measured (or remembered) decision. */
export function describeDecision(
  d: Omit<AutoDecision, 'model' | 'adapter' | 'threads'>,
  remembered: boolean,
): string {
  const [mine, other] =
    d.backend === 'webgpu'
      ? [`WebGPU ${formatMs(d.webgpuMsPerImage)} ms/image`, `WASM ${formatMs(d.wasmMsPerImage)} ms/image`]
      : [`WASM ${formatMs(d.wasmMsPerImage)} ms/image`, `WebGPU ${formatMs(d.webgpuMsPerImage)} ms/image`];
  const when = remembered ? 'measured earlier on this device' : `measured at batch ${d.batch}`;
  return `Auto: ${mine}, ${other} (${when})`;
}

/** The remembered decision for this model, adapter and thread count, if any. */
export function rememberedDecision(
  decisions: readonly AutoDecision[] | undefined,
  model: string,
  adapter: string,
  threads: number,
): AutoDecision | undefined {
  return decisions?.find((d) => d.model === model && d.adapter === adapter && d.threads === threads);
}
