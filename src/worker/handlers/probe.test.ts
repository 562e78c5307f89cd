import { describe, expect, it } from 'vitest';
import { DiffProbeError } from '../../core/errors';
import { createRng } from '../../core/rng';
import { createJobContext } from '../context';
import type { ProbeParams } from '../jobs';
import { trainProbe } from './probe';

/** A small probe (below ORT_OBJECTIVE_MIN_WORK, so the JavaScript loop runs it here in Node). */
function params(nTrain: number, nTest: number, seed = 11): ProbeParams {
  const d = 4;
  const k = 3;
  const rng = createRng(seed);
  const side = (n: number) => {
    const y = Int32Array.from({ length: n }, (_, i) => i % k);
    const X = Float32Array.from(
      { length: n * d },
      (_, i) => rng.nextFloat() + (i % d === y[Math.floor(i / d)] ? 2 : 0),
    );
    return { X, y };
  };
  return { train: side(nTrain), test: side(nTest), d, k, C: 1, maxIter: 50 };
}

const ctx = () => createJobContext(1, () => {}, new AbortController());

async function problemKinds(p: ProbeParams): Promise<string[]> {
  try {
    await trainProbe(p, ctx());
  } catch (error) {
    expect(error).toBeInstanceOf(DiffProbeError);
    expect((error as DiffProbeError).code).toBe('probe-data');
    return (error as DiffProbeError).detail?.problems as string[];
  }
  throw new Error('trainProbe accepted bad data');
}

describe('trainProbe (worker job)', () => {
  it('trains on good data', async () => {
    const r = await trainProbe(params(60, 30), ctx());
    expect(r.solver).toBe('javascript');
    expect(r.testAccuracy).toBeGreaterThan(0.9);
    expect(r.confusion.reduce((a, b) => a + b, 0)).toBe(30);
  });

  it('streams the validation accuracy at every iteration and evaluates the test rows once, at the end', async () => {
    const p = params(60, 30);
    const validation = params(20, 0, 12).train;
    const steps: Record<string, unknown>[] = [];
    const post = (m: { kind: string; partial?: unknown }) => {
      if (m.kind === 'partial') steps.push(m.partial as Record<string, unknown>);
    };
    const r = await trainProbe({ ...p, validation }, createJobContext(1, post, new AbortController()));
    expect(steps.length).toBeGreaterThan(1);
    for (const s of steps) {
      expect(s).not.toHaveProperty('testAccuracy');
      expect(typeof s.validationAccuracy).toBe('number');
    }
    expect(r.validationAccuracy).toBe(steps.at(-1)!.validationAccuracy);
    expect(r.testAccuracy).toBeGreaterThan(0.9);
    // Without validation rows the curve has none; without test rows there is no test accuracy.
    const bare = await trainProbe({ ...p, test: undefined }, ctx());
    expect(bare.testAccuracy).toBeNull();
    expect(bare.validationAccuracy).toBeNull();
    expect(bare.confusion.every((v) => v === 0)).toBe(true);
  });

  it('builds a large probe’s objective with the factory it is given (the CLI: onnxruntime-node)', async () => {
    const asked: number[] = [];
    const failing = async (input: { n: number }) => {
      asked.push(input.n);
      throw new Error('no ONNX Runtime here');
    };
    // 60 × 4 × 3 is small: the JavaScript loop, the factory is not asked.
    await trainProbe(params(60, 30), ctx(), failing);
    expect(asked).toEqual([]);
    // 2,000 × 100 × 3 is large: the factory is asked; when it fails, the loop computes the same objective.
    const big = params(2000, 10);
    const d = 100;
    const widen = (X: Float32Array, n: number) =>
      Float32Array.from({ length: n * d }, (_, i) => X[Math.floor(i / d) * 4 + (i % 4)] + (i % d) * 1e-3);
    const wide = {
      ...big,
      d,
      train: { ...big.train, X: widen(big.train.X, 2000) },
      test: { ...big.test!, X: widen(big.test!.X, 10) },
    };
    const r = await trainProbe({ ...wide, maxIter: 3 }, ctx(), failing);
    expect(asked).toEqual([2000]);
    expect(r.solver).toBe('javascript');
  });

  it('refuses NaN or infinite validation rows, naming them', async () => {
    const p = params(60, 30);
    const validation = params(20, 0, 12).train;
    validation.X[3] = Number.NaN;
    expect(await problemKinds({ ...p, validation })).toEqual(['non-finite']);
  });

  it('refuses NaN or infinite features on either side, before training', async () => {
    const a = params(60, 30);
    a.train.X[13] = Number.NaN;
    expect(await problemKinds(a)).toEqual(['non-finite']);
    const b = params(60, 30);
    b.test!.X[5] = Number.NEGATIVE_INFINITY;
    expect(await problemKinds(b)).toEqual(['non-finite']);
  });

  it('refuses an empty training set and a single class', async () => {
    expect(await problemKinds(params(0, 30))).toContain('one-class');
    const one = params(60, 30);
    one.train.y.fill(1);
    expect(await problemKinds(one)).toContain('one-class');
  });
});
