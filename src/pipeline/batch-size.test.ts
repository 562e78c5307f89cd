import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../core/manifest/types';
import {
  extractionBatchSize,
  extractionBudgetBytes,
  outputBytesPerImage,
  WASM_OUTPUT_BUDGET,
} from './batch-size';

const bundled = (): Manifest =>
  JSON.parse(
    readFileSync(new URL('../../public/models/fashion-mnist-ddpm/manifest.json', import.meta.url), 'utf8'),
  );

/** A 3×256×256 model whose full-resolution blocks have 256 channels (64 MB a map per image). */
function big(): Manifest {
  const block = (name: string, level: number, channels: number) => ({
    name,
    output: name,
    stage: 'down' as const,
    level,
    resolution: [256 >> level, 256 >> level] as [number, number],
    channels,
  });
  return {
    ...bundled(),
    input: { name: 'x', channels: 3, height: 256, width: 256, range: [-1, 1] },
    blocks: [
      block('d0', 0, 256),
      block('d0b', 0, 256),
      block('d1', 1, 512),
      block('d2', 2, 512),
      { ...block('u0', 0, 256), stage: 'up' as const },
    ],
  };
}

describe('extraction batch size from bytes', () => {
  it('bytes per image: input, the fetched blocks, and what the pass holds (encoder maps, 3 × the largest), float32', () => {
    const m = big();
    const input = 3 * 256 * 256 * 4;
    const full = 256 * 256 * 256 * 4;
    const held = 2 * full + (512 * 128 * 128 + 512 * 64 * 64) * 4 + 3 * full;
    expect(outputBytesPerImage(m, ['d0'])).toBe(input + full + held);
    expect(outputBytesPerImage(m, ['d1', 'd2'])).toBe(input + (512 * 128 * 128 + 512 * 64 * 64) * 4 + held);
  });

  it('a 3×256×256 model with 256-channel full-resolution blocks gets batch 1–2 on WASM', () => {
    const m = big();
    const wasm = extractionBudgetBytes('wasm');
    expect(wasm).toBe(WASM_OUTPUT_BUDGET);
    const one = extractionBatchSize(m, ['d0'], 32, wasm);
    const all = extractionBatchSize(
      m,
      m.blocks.map((b) => b.name),
      32,
      wasm,
    );
    expect(one).toBe(1);
    expect(all).toBe(1);
    // Never 0, even when one image alone exceeds the budget.
    expect(extractionBatchSize(m, ['d0'], 32, 1000)).toBe(1);
  });

  it('the default 28×28 model keeps 32 (the caller’s batch size stays an upper bound)', () => {
    const m = bundled();
    const all = m.blocks.map((b) => b.name);
    expect(extractionBatchSize(m, all, 32, extractionBudgetBytes('wasm'))).toBe(32);
    expect(extractionBatchSize(m, all, 8, extractionBudgetBytes('wasm'))).toBe(8);
  });

  it('WebGPU: the smaller of maxBufferSize and maxStorageBufferBindingSize, never above the WASM budget', () => {
    expect(
      extractionBudgetBytes('webgpu', {
        maxBufferSize: 256 * 2 ** 20,
        maxStorageBufferBindingSize: 128 * 2 ** 20,
      }),
    ).toBe(128 * 2 ** 20);
    expect(
      extractionBudgetBytes('webgpu', { maxBufferSize: 2 ** 32, maxStorageBufferBindingSize: 2 ** 31 }),
    ).toBe(WASM_OUTPUT_BUDGET);
    expect(extractionBudgetBytes('webgpu', undefined)).toBe(WASM_OUTPUT_BUDGET);
    const m = big();
    expect(
      extractionBatchSize(
        m,
        ['d0'],
        32,
        extractionBudgetBytes('webgpu', { maxBufferSize: 2 ** 28, maxStorageBufferBindingSize: 2 ** 27 }),
      ),
    ).toBe(1);
  });
});
