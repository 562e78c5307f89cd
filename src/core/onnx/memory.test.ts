import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  dryRunRoom,
  estimateMemory,
  fitsWasmHeap,
  formatBytes,
  MIN_DRY_RUN_BYTES,
  WASM_HEAP_BYTES,
} from './memory';
import { readModel } from './reader';

const MODELS = join(import.meta.dirname, '../../../e2e/fixtures/models');
const read = (file: string) => readModel(new Uint8Array(readFileSync(join(MODELS, file))));

describe('estimateMemory', () => {
  it('counts a 3 GB float32 model’s external weights from the graph alone, and it does not fit WASM', () => {
    const m = estimateMemory(read('too-big/model-3gb.onnx'));
    expect(m.weights).toBe(80 * 1024 * 1024 * 9 * 4 + (1024 * 27 + 6 * 1024) * 4);
    expect(m.weightsInRuntime).toBe(m.weights);
    // Without a manifest: three maps of the widest Conv (1024 channels) at 256×256.
    expect(m.activations).toBe(3 * 1024 * 256 * 256 * 4);
    const fit = fitsWasmHeap(m);
    expect(fit.fits).toBe(false);
    expect(fit.limit).toBe(WASM_HEAP_BYTES);
    expect(formatBytes(m.weights)).toBe('2.81 GB');
  });

  it('counts float16 weights as stored and as float32 in ONNX Runtime’s WASM kernels; small models fit', () => {
    const full = estimateMemory(read('adm32/model.onnx'));
    const half = estimateMemory(read('adm32/model-fp16.onnx'));
    expect(full.weightsInRuntime).toBe(full.weights);
    expect(half.weights).toBeLessThan(0.9 * full.weights);
    expect(half.weightsInRuntime).toBeGreaterThan(half.weights);
    expect(fitsWasmHeap(full).fits).toBe(true);
  });

  it('with a manifest: the encoder’s maps (held for the skips) plus three of the largest', () => {
    const info = read('adm32/model.onnx');
    const block = (stage: 'down' | 'mid' | 'up', size: number) => ({
      name: `${stage}${size}`,
      output: `${stage}${size}`,
      stage,
      level: 0,
      resolution: [size, size] as const,
      channels: 32,
    });
    const manifest = {
      input: { name: 'x', channels: 3 as const, height: 32, width: 32, range: [-1, 1] as const },
      blocks: [block('down', 32), block('down', 16), block('mid', 8), block('up', 32)],
    };
    expect(estimateMemory(info, manifest).activations).toBe(
      (32 * 32 + 16 * 16) * 32 * 4 + 3 * 32 * 32 * 32 * 4,
    );
  });

  it('dryRunRoom: what the heap leaves a dry run beside one session, or how much two sessions lack', () => {
    const estimate = (weights: number, activations: number) => ({
      weights,
      weightsInRuntime: weights,
      activations,
      total: weights + activations,
    });
    const small = estimate(10 * 2 ** 20, 2 ** 20);
    expect(dryRunRoom(small)).toBe(WASM_HEAP_BYTES - fitsWasmHeap(small).need);
    expect(dryRunRoom(small, 2)).toBeGreaterThan(3 * 2 ** 30);
    // 2.2 GB of float32 weights (the ImageNet-256 ADM): room for one session, not for two.
    const adm = estimate(2.21e9, 0.48e9);
    expect(dryRunRoom(adm)).toBeGreaterThanOrEqual(MIN_DRY_RUN_BYTES);
    expect(dryRunRoom(adm, 2)).toBeLessThan(-2e9);
  });
});
