/**
 * @file The browser's door to ONNX Runtime: the only module that imports onnxruntime-web.
 *
 * Two builds, one per backend. WebGPU sessions use the `/webgpu` build: it carries the native
 * WebGPU execution provider (which, unlike the older JSEP backend, accepts Conv nodes without
 * explicit attributes). WASM sessions use the plain `/wasm` build: its .wasm is 14 MB against
 * 27 MB for the `/webgpu` build's (compiled with Asyncify so that GPU calls can suspend), so a
 * WASM-only page loads half the bytes. Speed in Chromium is about the same (bench:infer A/B,
 * 22–28 vs 24–28 images/s at one thread); in Node the Asyncify build was 3–5× slower.
 * Each build loads its own .wasm on first use, so a WASM-only session never fetches the other.
 * Backend choice is explicit (never ORT's silent fallback) so the status bar can say which
 * backend really runs, and why.
 */
import { warmupModel } from '../core/onnx/warmup-graph';
import type { Backend } from '../worker/jobs';
import type { OrtRuntime, SessionOptions } from './ort-types';

type OrtModule = typeof import('onnxruntime-web/wasm');

/**
 * Each build is imported dynamically, so that Vite puts it in a chunk of its own: ORT starts its
 * WASM threads as workers on the URL of the script that holds its glue code, and two builds in one
 * script would both answer those workers' messages (a deadlock we saw with both bundled).
 */
const modules: Partial<Record<Backend, Promise<OrtModule>>> = {};

function ortFor(backend: Backend): Promise<OrtModule> {
  watchWasmHeaps();
  modules[backend] ??= (
    backend === 'webgpu' ? import('onnxruntime-web/webgpu') : import('onnxruntime-web/wasm')
  ).then((ort) => {
    ort.env.wasm.numThreads = configuredThreads ?? 1;
    ort.env.logLevel = 'error';
    return ort as OrtModule;
  });
  return modules[backend];
}

let configuredThreads: number | null = null;

/** The WebAssembly memories made in this worker since ORT was first asked for (its heaps). */
const heaps: WebAssembly.Memory[] = [];

/**
 * ORT's glue code makes its heap with `new WebAssembly.Memory({ initial: 256, maximum: 65536,
 * shared: true })` and gives no handle to it, yet its size is what decides whether a big model fits
 * (4 GiB at most, core/onnx/memory.ts). The constructor is wrapped once, before a build is
 * imported, so that {@link wasmHeapBytes} can say how much the sessions really took.
 */
function watchWasmHeaps(): void {
  const Native = globalThis.WebAssembly?.Memory;
  if (!Native || (Native as { watched?: boolean }).watched) return;
  const Watched = function watchedMemory(descriptor: WebAssembly.MemoryDescriptor) {
    const memory = new Native(descriptor);
    heaps.push(memory);
    return memory;
  } as unknown as typeof WebAssembly.Memory & { watched?: boolean };
  Watched.prototype = Native.prototype;
  Watched.watched = true;
  WebAssembly.Memory = Watched;
}

/**
 * Bytes of ONNX Runtime Web's WASM heaps now. A heap only grows (WASM memory cannot shrink), so
 * this is also the most the sessions have needed at once so far. 0 before any session.
 */
export function wasmHeapBytes(): number {
  return heaps.reduce((sum, m) => sum + m.buffer.byteLength, 0);
}

/**
 * Threads for WASM: one core is left to the page, up to 4 threads (hardwareConcurrency − 1,
 * clamped to 1…4), and only when cross-origin isolated — without
 * SharedArrayBuffer ORT would silently drop to one thread and log a warning. ORT reads this once,
 * at the first session, so it is fixed for the life of the worker: call this before webRuntime().
 */
export function configureWasm(isolated: boolean, hardwareConcurrency: number, requested = 0): number {
  if (configuredThreads === null) {
    // On two cores a second ORT thread fights the page for the other core: the explorer's
    // timestep step measured p95 148–181 ms with 2 threads and 104–120 ms with 1 (bench:explorer).
    const auto = Math.max(1, Math.min(4, (hardwareConcurrency || 1) - 1));
    configuredThreads = isolated ? (requested > 0 ? requested : auto) : 1;
  }
  return configuredThreads;
}

let wasmStarted: Promise<void> | null = null;

/**
 * Starts ONNX Runtime's WASM backend now: fetches and compiles its .wasm, starts its threads, and
 * builds and runs a small graph of the operators U-Nets use (core/onnx/warmup-graph.ts), which ORT
 * otherwise does at the first real session, after the model has been downloaded and read.
 * Chromium compiles WebAssembly lazily, function by function at first call, so the warm-up run
 * is what moves the compilation of the kernels (and of the graph optimiser) off the path to a
 * ready page: it happens while the model is still downloading. ORT shares one initialisation
 * between sessions, so the model's session simply waits for this one. Call configureWasm() first.
 * Never rejects: a failure here shows again, with its real message, when the model's session is
 * created.
 */
export function startWasm(): Promise<void> {
  wasmStarted ??= (async () => {
    const ort = await ortFor('wasm');
    const session = await ort.InferenceSession.create(warmupModel(), {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    });
    try {
      const x = new Float32Array(32 * 16 * 16).map((_, i) => ((i % 17) - 8) / 8);
      await session.run({
        x: new ort.Tensor('float32', x, [1, 32, 16, 16]),
        t: new ort.Tensor('float32', Float32Array.of(10), [1]),
      });
    } finally {
      await session.release();
    }
  })().catch(() => {});
  return wasmStarted;
}

export async function webRuntime(backend: Backend): Promise<OrtRuntime> {
  const executionProviders: SessionOptions['executionProviders'] =
    backend === 'webgpu' ? [{ name: 'webgpu', preferredLayout: 'NCHW' }] : ['wasm'];
  const ort = await ortFor(backend);
  return {
    name: backend,
    createSession: (model, options) =>
      ort.InferenceSession.create(model, {
        graphOptimizationLevel: 'all',
        // ORT logs warnings (e.g. shape ops placed on CPU) through console.error; keep real errors only.
        logSeverityLevel: 3,
        ...options,
        executionProviders,
      }),
    float32: (data, dims) => new ort.Tensor('float32', data, dims),
    int64: (data, dims) => new ort.Tensor('int64', data, dims),
    int32: (data, dims) => new ort.Tensor('int32', data, dims),
    float16: (data, dims) => new ort.Tensor('float16', data, dims),
  };
}

/** onnxruntime-web's version, as the build for `backend` reports it (for provenance records). */
export async function webRuntimeVersion(backend: Backend): Promise<string | null> {
  const ort = await ortFor(backend);
  return ort.env.versions.web ?? ort.env.versions.common ?? null;
}

/** The GPUDevice ORT created, once a WebGPU session exists (used to watch for device loss). */
export async function webgpuDevice(): Promise<GPUDevice | undefined> {
  const gpu = modules.webgpu;
  if (!gpu) return undefined;
  // Depending on the execution provider this is the device itself or a promise of it.
  return (await ((
    await gpu
  ).env.webgpu?.device as unknown)) as GPUDevice | undefined;
}
