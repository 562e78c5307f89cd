// "Auto" decides by measuring: which sessions get opened, measured, kept and released, and what the
// status says, with sessions whose speed is set by the test.
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DiffProbeError } from '../../core/errors';
import type { Manifest } from '../../core/manifest/types';
import type { UNetSession } from '../../engine/unet-session';
import type { AutoDecision, EnvironmentInfo } from '../jobs';

const world = vi.hoisted(() => ({
  env: null as unknown as EnvironmentInfo,
  /** ms per image of each backend's runs. */
  speed: { wasm: 3, webgpu: 1 } as Record<'wasm' | 'webgpu', number>,
  opened: [] as string[],
  released: [] as string[],
  runs: [] as [string, number][],
  clock: 0,
  webgpuFails: null as Error | null,
  /** Added to every value WebGPU's session returns for this output (a faulty kernel). */
  gpuError: null as { output: string; by: number } | null,
}));

vi.mock('../../engine/onnx-web', () => ({
  configureWasm: () => 1,
  webRuntime: async (backend: string) => ({ name: backend }),
  webgpuDevice: async () => undefined,
}));
vi.mock('./environment', () => ({ environment: async () => world.env }));
vi.mock('./open-session', () => ({
  openSession: async (runtime: { name: 'wasm' | 'webgpu' }, _bytes: Uint8Array, manifest: Manifest) => {
    if (runtime.name === 'webgpu' && world.webgpuFails) throw world.webgpuFails;
    world.opened.push(runtime.name);
    return {
      name: runtime.name,
      manifest,
      blockNames: manifest.blocks.map((b) => b.name),
      async run(xt: Float32Array, count: number, _t: unknown, outputs: string[]) {
        world.runs.push([runtime.name, count]);
        // A virtual clock (performance.now is mocked): timings that a loaded machine cannot blur.
        world.clock += world.speed[runtime.name] * count;
        // Each output a function of the input, the same on both backends unless a kernel is off.
        return Object.fromEntries(
          outputs.map((name, k) => {
            const off = runtime.name === 'webgpu' && world.gpuError?.output === name ? world.gpuError.by : 0;
            return [name, { data: xt.map((v) => 3 * v + k + off), dims: [count] }];
          }),
        );
      },
      async release() {
        world.released.push(runtime.name);
      },
    } as unknown as UNetSession;
  },
}));

const { openOnBestBackend } = await import('./open-backend');
const { measuredBatch, describeDecision, outputsDiffer, rememberedDecision } = await import('./auto-backend');

const manifest: Manifest = JSON.parse(
  readFileSync(new URL('../../../public/models/fashion-mnist-ddpm/manifest.json', import.meta.url), 'utf8'),
);
const hardware = (software = false): EnvironmentInfo => ({
  crossOriginIsolated: true,
  hardwareConcurrency: 2,
  webgpu: {
    available: true,
    adapter: software ? 'google swiftshader' : 'nvidia ampere',
    reason: null,
    software,
  },
});
const open = (choice: 'auto' | 'webgpu' | 'wasm', decisions?: AutoDecision[], unsupported: string[] = []) =>
  openOnBestBackend(choice, new Uint8Array(1), manifest, 0, [], unsupported, {
    model: 'model-id',
    decisions,
  });

vi.spyOn(performance, 'now').mockImplementation(() => world.clock);

beforeEach(() => {
  world.env = hardware();
  world.speed = { wasm: 3, webgpu: 1 };
  world.opened = [];
  world.released = [];
  world.runs = [];
  world.webgpuFails = null;
  world.gpuError = null;
});

describe('Auto with a hardware adapter', () => {
  it('times one warm batch on each backend, keeps the faster, releases the other, and says why', async () => {
    const r = await open('auto');
    expect(r.backend).toBe('webgpu');
    expect(world.opened).toEqual(['wasm', 'webgpu']);
    expect(world.released).toEqual(['wasm']);
    expect(r.autoDecision).toMatchObject({
      model: 'model-id',
      adapter: 'nvidia ampere',
      threads: 1,
      backend: 'webgpu',
    });
    const d = r.autoDecision!;
    // A batch of ~250 ms is 32 at most (extraction's batch).
    expect(d.batch).toBe(32);
    expect(d.wasmMsPerImage).toBeGreaterThan(d.webgpuMsPerImage);
    expect(world.runs).toEqual([
      ['wasm', 2],
      ['wasm', 32],
      ['webgpu', 2],
      ['wasm', 2],
      ['webgpu', 2],
      ['webgpu', 32],
      ['webgpu', 32],
    ]);
    expect(r.backendReason).toMatch(
      /^Auto: WebGPU [\d.]+ ms\/image, WASM [\d.]+ ms\/image \(measured at batch 32\)$/,
    );
    expect(r.fallbackReason).toBeNull();
  });

  it('keeps WASM when it is faster, and does not run a far slower WebGPU at the larger batch', async () => {
    world.speed = { wasm: 2, webgpu: 20 };
    const r = await open('auto');
    expect(r.backend).toBe('wasm');
    expect(world.released).toEqual(['webgpu']);
    expect(world.runs.filter(([b]) => b === 'webgpu')).toEqual([
      ['webgpu', 2],
      ['webgpu', 2],
    ]);
    expect(r.backendReason).toMatch(/^Auto: WASM [\d.]+ ms\/image, WebGPU [\d.]+ ms\/image/);
  });

  it('a remembered decision for this model, adapter and thread count is used without measuring', async () => {
    const known: AutoDecision = {
      model: 'model-id',
      adapter: 'nvidia ampere',
      threads: 1,
      backend: 'webgpu',
      wasmMsPerImage: 38,
      webgpuMsPerImage: 2.1,
      batch: 8,
    };
    const r = await open('auto', [{ ...known, model: 'other' }, known]);
    expect(r.backend).toBe('webgpu');
    expect(world.opened).toEqual(['webgpu']);
    expect(world.runs).toEqual([]);
    expect(r.autoDecision).toBeNull();
    expect(r.backendReason).toBe(
      'Auto: WebGPU 2.1 ms/image, WASM 38 ms/image (measured earlier on this device)',
    );
    // Another model (or adapter, or thread count): measured again.
    expect(rememberedDecision([known], 'model-id', 'intel xe', 1)).toBeUndefined();
    expect(rememberedDecision([known], 'model-id', 'nvidia ampere', 2)).toBeUndefined();
    const again = await open('auto', [{ ...known, model: 'other' }]);
    expect(again.autoDecision).not.toBeNull();
  });

  it('WebGPU failing to open leaves WASM, with the reason', async () => {
    world.webgpuFails = new Error('GPUDevice creation failed');
    const r = await open('auto');
    expect(r.backend).toBe('wasm');
    expect(r.fallbackReason).toContain('WebGPU failed: GPUDevice creation failed');
    expect(r.autoDecision).toBeNull();
  });

  it('a WebGPU session that fails to build as a model error falls back to WASM: the load goes on, the measuring WASM session is kept, nothing leaks', async () => {
    // What UNetSession.create throws when ORT cannot build the graph (here: only on WebGPU).
    world.webgpuFails = new DiffProbeError('model-corrupt', 'the ONNX file could not be loaded: no kernel');
    for (const choice of ['auto', 'webgpu'] as const) {
      world.opened = [];
      const r = await open(choice);
      expect(r.backend).toBe('wasm');
      expect(r.fallbackReason).toContain('WebGPU failed: the ONNX file could not be loaded: no kernel');
      // One WASM session, the one returned; none opened and dropped.
      expect(world.opened).toEqual(['wasm']);
      expect(world.released).toEqual([]);
      expect(r.unet).toMatchObject({ name: 'wasm' });
    }
  });

  it("a faster WebGPU whose outputs differ from WASM's is not used, and the status says which output and by how much", async () => {
    world.gpuError = { output: 'up1_0', by: 0.5 };
    const r = await open('auto');
    expect(r.backend).toBe('wasm');
    expect(world.released).toEqual(['webgpu']);
    expect(r.adapter).toBeNull();
    // Caught on the two images with every block: WebGPU never runs the larger batch.
    expect(world.runs.filter(([b]) => b === 'webgpu')).toEqual([
      ['webgpu', 2],
      ['webgpu', 2],
    ]);
    expect(r.autoDecision).toMatchObject({ backend: 'wasm', mismatch: expect.stringContaining('up1_0') });
    expect(r.backendReason).toMatch(
      /^Auto: WASM; WebGPU's outputs differ from WASM's \(up1_0 at batch 2: differs by up to 0\.50 .*tolerance .*\), so WebGPU is not used/,
    );
    // Remembered, the decision keeps its reason and WebGPU is not opened again.
    world.opened = [];
    const again = await open('auto', [r.autoDecision!]);
    expect(again.backend).toBe('wasm');
    expect(world.opened).toEqual(['wasm']);
    expect(again.backendReason).toContain("WebGPU's outputs differ");
  });

  it('differences within the tolerance (float32 sums in another order) keep the faster WebGPU', async () => {
    world.gpuError = { output: 'eps', by: 1e-5 };
    const r = await open('auto');
    expect(r.backend).toBe('webgpu');
    expect(r.adapter).toBe('nvidia ampere');
    expect(r.autoDecision?.mismatch).toBeNull();
  });
});

describe('outputsDiffer', () => {
  const o = (...v: number[]) => ({ eps: { data: Float32Array.from(v) } });
  it('scales the tolerance with the output and counts a value finite on one side only', () => {
    expect(outputsDiffer(o(100, 1), o(100.05, 1), 'x')).toBeNull(); // 0.05 ≤ 1e-3·100
    expect(outputsDiffer(o(1, 1), o(1, 1.01), 'x')).toMatch(/^eps x: differs by up to 0\.010 \(value 1\)/);
    expect(outputsDiffer(o(1, 1), o(1, Number.NaN), 'x')).toBe('eps x: value 1 is NaN on WebGPU, 1 on WASM');
    expect(outputsDiffer(o(1, 1), { eps: { data: new Float32Array(1) } }, 'x')).toMatch(
      /gave 1 values, WASM 2/,
    );
  });
});

describe('Auto never measures a software adapter; explicit choices are honoured', () => {
  it('software adapter: WASM, WebGPU not even opened, and the status says so', async () => {
    world.env = hardware(true);
    const r = await open('auto');
    expect(r.backend).toBe('wasm');
    expect(world.opened).toEqual(['wasm']);
    expect(r.backendReason).toContain('google swiftshader');
    expect(r.backendReason).toContain('renders in software');
    expect(r.fallbackReason).toBeNull();
    expect(r.autoDecision).toBeNull();
  });

  it('WebGPU chosen by hand runs on the software adapter; WASM chosen by hand never opens WebGPU', async () => {
    world.env = hardware(true);
    expect((await open('webgpu')).backend).toBe('webgpu');
    expect(world.runs).toEqual([]);
    world.env = hardware();
    world.opened = [];
    expect((await open('wasm')).backend).toBe('wasm');
    expect(world.opened).toEqual(['wasm']);
  });

  it('an operator WebGPU lacks: WASM, as before', async () => {
    const r = await open('auto', undefined, ['Sign']);
    expect(r.backend).toBe('wasm');
    expect(r.fallbackReason).toContain('Sign');
    expect(world.opened).toEqual(['wasm']);
  });
});

describe('measurement sizing and wording', () => {
  it('the batch takes about 250 ms on WASM, between 2 and 32', () => {
    expect(measuredBatch(manifest, 100)).toBe(2);
    expect(measuredBatch(manifest, 25)).toBe(10);
    expect(measuredBatch(manifest, 0.5)).toBe(32);
  });

  it('describes the decision with the faster first', () => {
    const d = { backend: 'wasm' as const, wasmMsPerImage: 37.6, webgpuMsPerImage: 2400, batch: 4 };
    expect(describeDecision(d, false)).toBe(
      'Auto: WASM 38 ms/image, WebGPU 2400 ms/image (measured at batch 4)',
    );
  });
});
