/**
 * extractFeatures with several runners (the worker's primary engine and its helper): every batch
 * is run exactly once, rows come out in order and equal to a single runner's, a failing helper
 * hands its batches back, a failing primary or a cancel stops everything.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { scheduleFromManifest } from '../core/schedule';
import type { PooledBatch } from '../engine/block-session';
import type { UNetSession } from '../engine/unet-session';
import { type BatchFeatures, type BatchRunner, extractFeatures } from './extract';

const PIXELS = 4;
const unet = { manifest: { input: { channels: 1, height: 2, width: 2 } } } as unknown as UNetSession;
const alphasCumprod = scheduleFromManifest({ type: 'cosine', steps: 1000 }).alphasCumprod;
const options = {
  t: 100,
  seed: 3,
  blocks: ['a'],
  pooling: { kind: 'avg' as const },
  batchSize: 4,
  alphasCumprod,
};
const count = 37;
const x0 = Float32Array.from({ length: count * PIXELS }, (_, i) => Math.cos(i));

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pools x_t to its per-image sum after `delay` ms, and records which batch (by first value) it ran. */
function runner(delay: number, seen: number[], fail?: (call: number) => Error | null): BatchRunner {
  let calls = 0;
  return async (xt, n) => {
    const call = calls++;
    await tick(delay);
    const error = fail?.(call);
    if (error) throw error;
    seen.push(xt[0]);
    const sums = new Float32Array(n);
    for (let i = 0; i < n; i++) for (let p = 0; p < PIXELS; p++) sums[i] += xt[i * PIXELS + p];
    return { features: { a: sums }, dims: { a: 1 } } satisfies PooledBatch;
  };
}

async function collect(runners: BatchRunner | BatchRunner[], checkpoint?: () => Promise<void>) {
  const batches: BatchFeatures[] = [];
  await extractFeatures(unet, x0, count, options, (b) => void batches.push(b), checkpoint, runners);
  return batches;
}

const rows = (batches: BatchFeatures[]) => batches.flatMap((b) => Array.from(b.features.a));

describe('extraction on several runners', () => {
  // A failing helper is reported with console.warn.
  beforeEach(() => void vi.spyOn(console, 'warn').mockImplementation(() => {}));
  afterEach(() => vi.restoreAllMocks());

  it('gives the rows of one runner, in order, each batch run once', async () => {
    const single = await collect(runner(0, []));
    const seenA: number[] = [];
    const seenB: number[] = [];
    // 30× slower, so that the order holds on a loaded machine where timers fire late.
    const two = await collect([runner(30, seenA), runner(1, seenB)]);
    expect(two.map((b) => b.start)).toEqual(single.map((b) => b.start));
    expect(two.map((b) => b.count)).toEqual(single.map((b) => b.count));
    expect(rows(two)).toEqual(rows(single));
    expect(seenA.length + seenB.length).toBe(Math.ceil(count / 4));
    // The faster helper takes more batches.
    expect(seenB.length).toBeGreaterThan(seenA.length);
  });

  it('a helper that fails hands its batches back to the primary', async () => {
    const single = rows(await collect(runner(0, [])));
    const seenB: number[] = [];
    const helper = runner(1, seenB, (call) => (call === 2 ? new Error('helper worker died') : null));
    expect(rows(await collect([runner(2, []), helper]))).toEqual(single);
    expect(seenB.length).toBe(2);
    expect(console.warn).toHaveBeenCalledTimes(1);
  });

  it('a helper failing after the primary found the queue empty: the primary runs its batches', async () => {
    const single = rows(await collect(runner(0, [])));
    // The helper is slow and fails its first batch, long after the fast primary has finished the rest.
    const helper = runner(40, [], (call) => (call === 0 ? new Error('out of memory') : null));
    expect(rows(await collect([runner(0, []), helper]))).toEqual(single);
  });

  it("the primary's failure fails the extraction without waiting for the helper", async () => {
    const primary = runner(1, [], (call) => (call === 1 ? new Error('NaN in block a') : null));
    // The helper's batch takes 5 s: rejecting well before it proves nobody waited for it.
    const helper = runner(5000, []);
    const started = performance.now();
    await expect(collect([primary, helper])).rejects.toThrow('NaN in block a');
    expect(performance.now() - started).toBeLessThan(2500);
  });

  it('a cancel stops every runner and keeps the batches emitted before it', async () => {
    let checkpoints = 0;
    const emitted: BatchFeatures[] = [];
    const cancel = async () => {
      if (++checkpoints > 4) throw new Error('cancelled');
    };
    await expect(
      extractFeatures(unet, x0, count, options, (b) => void emitted.push(b), cancel, [
        runner(1, []),
        runner(1, []),
      ]),
    ).rejects.toThrow('cancelled');
    expect(emitted.length).toBeGreaterThan(0);
    expect(emitted.length).toBeLessThan(Math.ceil(count / 4));
    expect(emitted.map((b) => b.start)).toEqual(emitted.map((_, i) => i * 4));
    const before = emitted.length;
    await tick(20);
    expect(emitted.length).toBe(before);
  });
});
