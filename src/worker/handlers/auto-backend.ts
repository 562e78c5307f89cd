/**
 * @file "Auto" decides by measuring. With a hardware WebGPU adapter and no operator WebGPU lacks,
 * the model is opened on both backends and one warm batch of the model's real input is timed on
 * each; the faster serves the model (batch work: extraction, sweeps, probes) and the other session
 * is released. Software adapters (SwiftShader, llvmpipe…) are never measured: they run the U-Net
 * 40–85× slower than WASM.
 *
 * Speed is not enough: a faulty GPU kernel can be fast and wrong. Both sessions run the same
 * inputs, so their outputs are compared (two images on ε and every block, then the measured batch
 * on ε); beyond {@link OUTPUT_TOLERANCE} WebGPU is not used, and the status says which output differed
 * and by how much.
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

/**
 * How far WebGPU's outputs may be from WASM's: max |Δ| ≤ OUTPUT_TOLERANCE · max(1, max |WASM|) per
 * output. Float32 kernels that sum in another order differ by ~1e-6 relative (SwiftShader: 3e-6 on
 * the default model); a wrong kernel differs by whole units.
 */
export const OUTPUT_TOLERANCE = 1e-3;

type Outputs = Record<string, { data: Float32Array }>;

/**
 * One run of `count` images; ms and the outputs. ε only unless `outputs` says more: every backend
 * computes the whole U-Net either way. The input is the same on every call, so two sessions'
 * outputs can be compared.
 */
export async function timeRun(
  unet: UNetSession,
  count: number,
  outputs: readonly string[] = ['eps'],
): Promise<{ ms: number; outputs: Outputs }> {
  const { channels, height, width } = unet.manifest.input;
  const xt = Float32Array.from({ length: count * channels * height * width }, (_, i) => Math.sin(i * 0.1));
  // t = 0: the cost does not depend on t, and every model is finite there.
  const t = new Float32Array(count);
  const started = performance.now();
  const result = await unet.run(xt, count, t, [...outputs], { labels: new Int32Array(count) });
  return { ms: performance.now() - started, outputs: result };
}

/**
 * The first output of `gpu` that differs from `wasm`'s beyond OUTPUT_TOLERANCE (a value finite on
 * one side only counts), described for people; null when all agree.
 */
export function outputsDiffer(wasm: Outputs, gpu: Outputs, label: string): string | null {
  for (const [name, { data: w }] of Object.entries(wasm)) {
    const g = gpu[name]?.data;
    if (!g || g.length !== w.length)
      return `${name} ${label}: WebGPU gave ${g?.length ?? 'no'} values, WASM ${w.length}`;
    let scale = 1;
    let worst = 0;
    let at = -1;
    for (let i = 0; i < w.length; i++) {
      if (Number.isFinite(w[i]) !== Number.isFinite(g[i]))
        return `${name} ${label}: value ${i} is ${g[i]} on WebGPU, ${w[i]} on WASM`;
      if (!Number.isFinite(w[i])) continue;
      scale = Math.max(scale, Math.abs(w[i]));
      const d = Math.abs(w[i] - g[i]);
      if (d > worst) [worst, at] = [d, i];
    }
    const tolerance = OUTPUT_TOLERANCE * scale;
    if (worst > tolerance)
      return `${name} ${label}: differs by up to ${worst.toPrecision(2)} (value ${at}), more than the tolerance ${tolerance.toPrecision(2)}`;
  }
  return null;
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
  /** WebGPU's outputs differ from WASM's (outputsDiffer's account); the backend is then WASM. */
  mismatch: string | null;
}

/**
 * Times one warm batch on each session (both already ran batches of 1 and 2 when they were
 * opened), compares their outputs, and says which to use: the faster, unless WebGPU's outputs are
 * not WASM's.
 */
export async function measure(wasm: UNetSession, webgpu: UNetSession): Promise<Measurement> {
  const wasm2 = (await timeRun(wasm, 2)).ms / 2;
  const batch = measuredBatch(wasm.manifest, wasm2);
  const wasmRun = batch === 2 ? null : await timeRun(wasm, batch);
  const wasmMs = wasmRun ? wasmRun.ms / batch : wasm2;
  let webgpuMs = (await timeRun(webgpu, 2)).ms / 2;
  let webgpuEstimated = batch !== 2;
  // Two images with every block as well, untimed: a faulty kernel may show in a block before ε.
  const all = ['eps', ...wasm.blockNames];
  let mismatch = outputsDiffer(
    (await timeRun(wasm, 2, all)).outputs,
    (await timeRun(webgpu, 2, all)).outputs,
    'at batch 2',
  );
  // Far slower already at batch 2 (a GPU batch only gets cheaper per image): no need to wait.
  if (!mismatch && wasmRun && webgpuMs < 4 * wasmMs) {
    await timeRun(webgpu, batch); // the first run at a new size builds its shader pipelines
    const gpuRun = await timeRun(webgpu, batch);
    webgpuMs = gpuRun.ms / batch;
    webgpuEstimated = false;
    mismatch = outputsDiffer(wasmRun.outputs, gpuRun.outputs, `at batch ${batch}`);
  }
  return {
    backend: !mismatch && webgpuMs < wasmMs ? 'webgpu' : 'wasm',
    wasmMsPerImage: wasmMs,
    webgpuMsPerImage: webgpuMs,
    batch,
    webgpuEstimated,
    mismatch,
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
  if (d.mismatch)
    return `Auto: WASM; WebGPU's outputs differ from WASM's (${d.mismatch}), so WebGPU is not used (${when})`;
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
