import { describe, expect, it } from 'vitest';
import { nodeRuntime } from '../../engine/onnx-node';
import { warmupModel } from './warmup-graph';

describe('warmupModel', () => {
  it('is a valid ONNX model that ONNX Runtime builds with every optimisation and runs', async () => {
    const runtime = nodeRuntime();
    const session = await runtime.createSession(warmupModel(), { graphOptimizationLevel: 'all' });
    const x = new Float32Array(32 * 16 * 16).map((_, i) => Math.sin(i));
    const out = await session.run({
      x: runtime.float32(x, [1, 32, 16, 16]),
      t: runtime.float32(Float32Array.of(10), [1]),
    });
    const y = out.y;
    expect(y.dims).toEqual([1, 8, 16, 16]);
    const data = y.data as Float32Array;
    expect(data.every((v) => Number.isFinite(v) && v >= -1 && v <= 1)).toBe(true);
    // Row 10 of the timestep table (t = 10): the lookup ran, not a constant folded away.
    expect(out.lookup.dims).toEqual([1, 32]);
    const row = Array.from(out.lookup.data as Float32Array);
    expect(row).toEqual(
      Array.from({ length: 32 }, (_, i) => Math.fround(0.01 * ((((320 + i) * 7919) % 13) - 6))),
    );
    await session.release();
  });
});
