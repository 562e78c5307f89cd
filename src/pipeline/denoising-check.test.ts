/**
 * The denoising check on real networks (onnxruntime-node): the trained default model must come out
 * `index`, the same network behind a t/T or an EDM σ front end `fraction` and `sigma`, and an
 * untrained network (the default's weights shuffled; the random-weight rgb32 fixture) "cannot tell".
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNodeDataset } from '../cli/load';
import type { Manifest } from '../core/manifest/types';
import { scheduleFromManifest } from '../core/schedule';
import type { TimestepConvention } from '../core/timestep/convention';
import { bundledModelInput } from '../data/bundled';
import { nodeRuntime } from '../engine/onnx-node';
import { openBare } from '../testing/open-bare';
import { fractionWrapped, shuffledWeights, sigmaWrapped } from '../testing/timestep-wrappers';
import { type DenoisingCheckResult, denoisingCheck } from './denoising-check';

const MANIFEST_PATH = 'public/models/fashion-mnist-ddpm/manifest.json';
const bundledManifest: Manifest = JSON.parse(readFileSync(MANIFEST_PATH, 'utf8'));
const DEFAULT = new Uint8Array(readFileSync('public/models/fashion-mnist-ddpm/model.onnx'));
const runtime = nodeRuntime(1);
const COUNT = 4;

let split: Awaited<ReturnType<typeof loadNodeDataset>>;
beforeAll(async () => {
  split = await loadNodeDataset(bundledManifest, MANIFEST_PATH, 'test');
});

/** Opens `bytes` as the app does a bare file, under `convention`, and runs the check on 4 test images. */
async function check(bytes: Uint8Array, convention?: TimestepConvention): Promise<DenoisingCheckResult> {
  const unet = await openBare(runtime, bytes, convention);
  const { manifest } = unet;
  const ds = { index: split.index, splits: { test: split.split } };
  const ids = Array.from({ length: COUNT }, (_, i) => `test:${i}`);
  try {
    return await denoisingCheck(unet, bundledModelInput(ds, ids, manifest), COUNT, { seed: 0 });
  } finally {
    await unet.release();
  }
}

function summary(r: DenoisingCheckResult): string {
  return r.rows.map((row) => `${row.same.join('=')}/${row.type} ${row.score.toPrecision(3)}`).join(', ');
}

describe('denoisingCheck', () => {
  it('finds index on the trained default model, clearly, with ε as the reading', async () => {
    const r = await check(DEFAULT);
    console.log(`default: ${summary(r)} → ${r.verdict.text}`);
    expect(r.verdict).toMatchObject({ clarity: 'clear', best: 'index' });
    // At T = 1000, t·1000/T is t: one candidate.
    expect(r.rows[0].same).toEqual(['index', 'scaled']);
    expect(r.rows[0].type).toBe('epsilon');
    expect(r.rows[0].relative.every((e) => e < 0.5)).toBe(true);
    expect(r.timesteps).toEqual([50, 250, 500, 750, 950]);
  }, 60_000);

  it('finds fraction on the default model behind t/T, and σ behind an EDM front end', async () => {
    const frac = await check(fractionWrapped(DEFAULT), 'fraction');
    console.log(`fraction wrapper: ${summary(frac)} → ${frac.verdict.text}`);
    expect(frac.verdict).toMatchObject({ clarity: 'clear', best: 'fraction' });

    const abar = scheduleFromManifest(bundledManifest.schedule).alphasCumprod;
    const sigma = await check(sigmaWrapped(DEFAULT, abar), 'sigma');
    console.log(`σ wrapper: ${summary(sigma)} → ${sigma.verdict.text}`);
    expect(sigma.verdict).toMatchObject({ clarity: 'clear', best: 'sigma' });
    // The wrapper is exact: its EDM error equals the plain model's index error to float32 rounding.
    const plain = await check(DEFAULT);
    const s = sigma.rows.find((row) => row.convention === 'sigma')!;
    const i = plain.rows.find((row) => row.convention === 'index')!;
    for (const [k, e] of s.mse.entries()) expect(Math.abs(e - i.mse[k]) / i.mse[k]).toBeLessThan(1e-3);
  }, 120_000);

  it('cannot tell on untrained networks: the default shuffled, and the random-weight rgb32', async () => {
    const shuffled = await check(shuffledWeights(DEFAULT));
    console.log(`shuffled: ${summary(shuffled)} → ${shuffled.verdict.text}`);
    expect(shuffled.verdict.clarity).toBe('cannot-tell');
    expect(shuffled.verdict.best).toBeNull();
    const rgb32 = await check(new Uint8Array(readFileSync('e2e/fixtures/models/rgb32/model.onnx')));
    console.log(`rgb32: ${summary(rgb32)} → ${rgb32.verdict.text}`);
    expect(rgb32.verdict.clarity).toBe('cannot-tell');
    // int64 timestep: only the step itself can be fed.
    expect(rgb32.skipped).toEqual(['fraction', 'scaled', 'sigma']);
  }, 120_000);
});
