import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimateMemory, fitsWasmHeap, formatBytes, WASM_HEAP_BYTES } from './memory';
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
});
