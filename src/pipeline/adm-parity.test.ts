/**
 * The paper's own architecture: guided-diffusion's UNetModel (ADM: attention at 16 and 8,
 * scale-shift norm, learned σ), small, random weights, opened bare as a user would
 * (e2e/fixtures/models/adm32, made by tools/export/make_adm_fixture.py from guided-diffusion's
 * source). On onnxruntime-node with the same discovery, manifest and pipeline code the browser runs:
 * its blocks are found under their module paths, and a block, x̂₀ and the learned variance match
 * PyTorch within 1e-4.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiffProbeError } from '../core/errors';
import type { Manifest } from '../core/manifest/types';
import { validateManifest } from '../core/manifest/validate';
import { readNpy } from '../core/npy';
import { withBlockOutputs } from '../core/onnx/block-outputs';
import { manifestFromDiscovery } from '../core/onnx/discover';
import { readModel } from '../core/onnx/reader';
import { float16Overflow } from '../core/onnx/test-models';
import { createRng, gaussian } from '../core/rng';
import { type LearnedVariance, samplerStep } from '../core/sampler/step';
import { scheduleFromManifest } from '../core/schedule';
import { BlockSession } from '../engine/block-session';
import { discoverModel, type ModelDiscoveryResult } from '../engine/discover';
import { nodeRuntime } from '../engine/onnx-node';
import { UNetSession, VARIANCE_KEY } from '../engine/unet-session';
import { maxAbsDiff } from '../testing/fixtures';
import { forwardOne } from './extract';

const DIR = join(import.meta.dirname, '../../e2e/fixtures/models/adm32');
const reference = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8'));
const npy = (name: string) => readNpy(new Uint8Array(readFileSync(join(DIR, `${name}.npy`))));
const bytes = new Uint8Array(readFileSync(join(DIR, 'model.onnx')));
const runtime = nodeRuntime();
/** A block named after one of ADM's modules: "/input_blocks.4/…", "/middle_block/…", "/output_blocks.7/…". */
const ADM_MODULE = /^\/(input_blocks\.\d+|middle_block|output_blocks\.\d+)\//;

let found: ModelDiscoveryResult;
let manifest: Manifest;
let unet: UNetSession;

beforeAll(async () => {
  found = await discoverModel(runtime, bytes);
  const blocks = reference.referenceBlocks.map((b: { node: string }) => b.node);
  manifest = validateManifest(
    manifestFromDiscovery(found, {
      name: 'adm32',
      fileName: 'model.onnx',
      bytes: bytes.length,
      sha256: reference.model.sha256,
      blocks,
    }),
  );
  unet = await UNetSession.create(runtime, withBlockOutputs(bytes, readModel(bytes), manifest), manifest);
}, 120_000);
afterAll(() => unet?.release());

describe('guided-diffusion’s UNetModel opened bare', () => {
  it('is read as a learned-σ ε-model with int64 timesteps', () => {
    expect(found.roles.image).toMatchObject({ name: 'x', channels: 3, height: 32, width: 32 });
    expect(found.roles.timestep).toEqual({ name: 'timesteps', dtype: 'int64', rank: 1 });
    expect(found.prediction).toEqual({ output: 'out', channels: 6, learnedVariance: true });
    expect(manifest.prediction).toEqual({ type: 'epsilon', output: 'out', variance: 'learned_range' });
  });

  it('offers ≥ 10 candidate blocks named from input_blocks.N / middle_block / output_blocks.N, every module’s output among them', () => {
    const named = found.blocks.filter((b) => ADM_MODULE.test(b.name));
    console.log(
      `adm32: ${found.blocks.length} candidates (${named.length} named from ADM's modules), ${found.counts.preselected} preselected, discovery ${Math.round(found.timings.totalMs)} ms`,
    );
    expect(named.length).toBeGreaterThanOrEqual(10);
    expect(found.blocks.every((b) => ADM_MODULE.test(b.name))).toBe(true);
    const byName = new Map(found.blocks.map((b) => [b.name, b]));
    for (const ref of reference.blocks) {
      const block = byName.get(ref.node);
      expect(block, `${ref.module} → ${ref.node}`).toBeDefined();
      expect(block!.name.startsWith(`/${ref.module}/`), ref.module).toBe(true);
      expect({ stage: block!.stage, resolution: block!.resolution, channels: block!.channels }).toEqual({
        stage: ref.stage,
        resolution: ref.resolution,
        channels: ref.channels,
      });
    }
    for (const stage of ['down', 'mid', 'up']) expect(found.blocks.some((b) => b.stage === stage)).toBe(true);
  });

  it('matches PyTorch within 1e-4: x_t, blocks, x̂₀ from the first C channels, the variance from the last C', async () => {
    const alphas = scheduleFromManifest(manifest.schedule).alphasCumprod;
    const x0 = npy('x0');
    const xt = npy('x_t');
    const out = npy('out');
    const x0Pred = npy('x0_pred');
    const per = x0.data.length / x0.shape[0];
    const rows: string[] = [];
    let worst = 0;
    for (const c of reference.cases as { index: number; t: number }[]) {
      const slice = (a: ReturnType<typeof npy>, k = c.index) => {
        const n = a.data.length / a.shape[0];
        return a.data.subarray(k * n, (k + 1) * n) as Float32Array;
      };
      const blocks = reference.referenceBlocks.map((b: { node: string }) => b.node);
      const got = await forwardOne(unet, slice(x0).slice(), c.t, reference.seed, blocks, alphas);
      expect(maxAbsDiff(got.xt, slice(xt))).toBeLessThanOrEqual(1e-6);
      const errs: Record<string, number> = { x0Pred: maxAbsDiff(got.x0Pred, slice(x0Pred)) };
      for (const b of reference.referenceBlocks as { module: string; node: string }[])
        errs[b.module] = maxAbsDiff(got.maps[b.node].data, slice(npy(b.module)));
      const variance = await unet.run(got.xt, 1, [c.t], [VARIANCE_KEY]);
      errs.variance = maxAbsDiff(variance.variance.data, slice(out).subarray(per, 2 * per));
      for (const [k, e] of Object.entries(errs)) {
        worst = Math.max(worst, e);
        rows.push(`case ${c.index} (t = ${c.t}) ${k}: ${e.toExponential(2)}`);
      }
    }
    console.log(
      `adm32 parity vs PyTorch (onnxruntime-node):\n${rows.join('\n')}\nworst ${worst.toExponential(2)}`,
    );
    expect(worst).toBeLessThanOrEqual(1e-4);
  });
});

describe('its learned σ in a DDPM step (core/sampler)', () => {
  it('one step from PyTorch’s x_t, as the reference formulas give it from PyTorch’s output', async () => {
    const fx = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../tools/model/fixtures/sampler/adm32-ddpm.json'), 'utf8'),
    ) as { noiseSeed: number; steps: { case: number; t: number; tPrev: number; learned: LearnedVariance }[] };
    const want = readNpy(
      new Uint8Array(
        readFileSync(join(import.meta.dirname, '../../tools/model/fixtures/sampler/adm32-ddpm.npy')),
      ),
    ).data as Float32Array;
    const alphas = scheduleFromManifest(manifest.schedule).alphasCumprod;
    const xt = npy('x_t').data as Float32Array;
    const n = 3 * 32 * 32;
    let worst = 0;
    for (const [i, s] of fx.steps.entries()) {
      const x = xt.slice(s.case * n, (s.case + 1) * n);
      const out = await unet.run(x, 1, [s.t], ['eps', VARIANCE_KEY]);
      const { x: got } = samplerStep(
        {
          xt: x,
          output: out.eps.data,
          varianceValues: out[VARIANCE_KEY].data,
          count: 1,
          abarT: alphas[s.t],
          abarPrev: alphas[s.tPrev],
          last: false,
          noise: gaussian(createRng(fx.noiseSeed, s.case), n),
        },
        {
          method: 'ddpm',
          type: 'epsilon',
          process: { kind: 'clip', range: [-1, 1] },
          eta: 0,
          epsFromX0: false,
          variance: 'small',
          learned: s.learned,
        },
      );
      worst = Math.max(worst, maxAbsDiff(got, want.subarray(i * n, (i + 1) * n)));
    }
    console.info(
      `adm32 DDPM step with learned σ vs the PyTorch reference: max |diff| ${worst.toExponential(2)}`,
    );
    expect(worst).toBeLessThanOrEqual(1e-4);
  });
});

describe('the same ADM as a float16 export (inputs and outputs cast at the boundary)', () => {
  const half = new Uint8Array(readFileSync(join(DIR, reference.float16.file)));
  let halfUnet: UNetSession;
  let halfManifest: Manifest;

  beforeAll(async () => {
    const halfFound = await discoverModel(runtime, half);
    expect(halfFound.roles.image).toMatchObject({ name: 'x', dtype: 'float16', channels: 3 });
    // The same candidates under the same names: the float16 graph is the float32 one, retyped.
    expect(halfFound.blocks.map((b) => b.name)).toEqual(found.blocks.map((b) => b.name));
    halfManifest = validateManifest(
      manifestFromDiscovery(halfFound, {
        name: 'adm32-fp16',
        fileName: 'model-fp16.onnx',
        bytes: half.length,
        sha256: reference.float16.sha256,
        blocks: manifest.blocks.map((b) => b.name),
      }),
    );
    halfUnet = await UNetSession.create(
      runtime,
      withBlockOutputs(half, readModel(half), halfManifest),
      halfManifest,
    );
  }, 120_000);
  afterAll(() => halfUnet?.release());

  it('is fed float16 and read back as float32; x̂₀ and blocks stay within float16’s precision of the float32 model', async () => {
    expect(halfUnet.imageDtype).toBe('float16');
    expect(halfUnet.float16).toBe(true);
    const alphas = scheduleFromManifest(manifest.schedule).alphasCumprod;
    const x0 = npy('x0');
    const per = x0.data.length / x0.shape[0];
    const rows: string[] = [];
    let worstRelative = 0;
    for (const c of reference.cases as { index: number; t: number }[]) {
      const image = x0.data.subarray(c.index * per, (c.index + 1) * per) as Float32Array;
      const blocks = manifest.blocks.map((b) => b.name);
      const full = await forwardOne(unet, image.slice(), c.t, reference.seed, blocks, alphas);
      const halfOut = await forwardOne(halfUnet, image.slice(), c.t, reference.seed, blocks, alphas);
      const pairs: [string, Float32Array, Float32Array][] = [
        ['x̂₀', halfOut.x0Pred, full.x0Pred],
        ...blocks.map((b): [string, Float32Array, Float32Array] => [
          b,
          halfOut.maps[b].data,
          full.maps[b].data,
        ]),
      ];
      for (const [name, got, want] of pairs) {
        const err = maxAbsDiff(got, want);
        const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        worstRelative = Math.max(worstRelative, err / scale);
        rows.push(
          `case ${c.index} (t = ${c.t}) ${name}: max |Δ| ${err.toExponential(2)} (max |x| ${scale.toFixed(2)})`,
        );
      }
    }
    console.log(
      `adm32 float16 vs float32 (onnxruntime-node):\n${rows.join('\n')}\nworst relative ${worstRelative.toExponential(2)}`,
    );
    // float16 keeps 11 bits (2^-11 ≈ 4.9e-4 relative per rounding), accumulated over ~40 layers.
    expect(worstRelative).toBeLessThan(1e-2);
  });

  it('pools a float16 block in ONNX (cast to float32 first) as the JavaScript pooling does', async () => {
    const x0 = npy('x0');
    const per = x0.data.length / x0.shape[0];
    const xt = Float32Array.from(npy('x_t').data as Float32Array);
    expect(xt.length).toBe(2 * per);
    const block = manifest.blocks[1].name;
    const session = await BlockSession.create(
      halfUnet,
      withBlockOutputs(half, readModel(half), halfManifest),
      readModel(withBlockOutputs(half, readModel(half), halfManifest)),
      [block],
      { kind: 'avg' },
    );
    const pooled = await session.run(xt, 2, [100, 400]);
    const maps = await halfUnet.run(xt, 2, [100, 400], [block]);
    const [, c, h, w] = maps[block].dims;
    const want = new Float32Array(2 * c);
    for (let i = 0; i < 2 * c; i++) {
      let sum = 0;
      for (let k = 0; k < h * w; k++) sum += maps[block].data[i * h * w + k];
      want[i] = sum / (h * w);
    }
    expect(maxAbsDiff(pooled.features[block], want)).toBeLessThan(1e-5);
    await session.release();
  });
});

describe('a float16 model that overflows at high t', () => {
  it('runs below t = 256, and at t = 600 says NaN, names the block and t, and blames float16', async () => {
    const bytes = float16Overflow();
    const found = await discoverModel(runtime, bytes);
    const m = validateManifest(
      manifestFromDiscovery(found, {
        name: 'f16',
        fileName: 'f16.onnx',
        bytes: bytes.length,
        sha256: '0'.repeat(64),
      }),
    );
    const unet16 = await UNetSession.create(runtime, withBlockOutputs(bytes, readModel(bytes), m), m);
    const x = Float32Array.from({ length: 64 }, (_, i) => (i - 32) / 16);
    const ok = await unet16.run(x, 1, [100], ['eps', m.blocks[0].name]);
    expect(maxAbsDiff(ok.eps.data, x)).toBe(0);
    expect(
      maxAbsDiff(
        ok[m.blocks[0].name].data,
        x.map((v) => 2 * v),
      ),
    ).toBe(0);
    try {
      await unet16.run(x, 1, [600], ['eps', m.blocks[0].name]);
      throw new Error('no error');
    } catch (error) {
      expect((error as DiffProbeError).code).toBe('model-nonfinite');
      expect((error as Error).message).toBe(
        'block "/res/Add", the prediction output hold NaN at t = 600; this is a float16 model, whose values end at ±65504: an activation overflowed at t = 600. Use a lower t, or a float32 export of the model (tools/export/export_unet.py)',
      );
    }
    await unet16.release();
  });
});
