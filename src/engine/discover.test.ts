import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../core/manifest/types';
import { validateManifest } from '../core/manifest/validate';
import { manifestFromDiscovery } from '../core/onnx/discover';
import { withOnlyGraphOutputs } from '../core/onnx/graph-outputs';
import { readModel } from '../core/onnx/reader';
import { attentionUNet, syntheticUNet, TEN_CLASS_Y, twoImageModel } from '../core/onnx/test-models';
import { rejection } from '../testing/rejection';
import { discoverModel, type ModelDiscoveryResult } from './discover';
import { nodeRuntime } from './onnx-node';

const runtime = nodeRuntime();
const DEFAULT_DIR = 'public/models/fashion-mnist-ddpm';

/** name, stage, level, resolution, channels, preselected: one line per block. */
function table(found: ModelDiscoveryResult): string[] {
  return found.blocks.map(
    (b) =>
      `${b.preselected ? '*' : ' '} ${b.stage} ${b.level} ${b.resolution.join('x')} ${b.channels} ${b.name}`,
  );
}

describe('discoverModel on the default model stripped to ε', () => {
  const original = new Uint8Array(readFileSync(`${DEFAULT_DIR}/model.onnx`));
  const manifest = JSON.parse(readFileSync(`${DEFAULT_DIR}/manifest.json`, 'utf8')) as Manifest;
  const plain = withOnlyGraphOutputs(original, ['eps']);

  it('finds the 16 manifest blocks among its blocks, with the manifest’s stages, levels and sizes', async () => {
    const found = await discoverModel(runtime, plain);
    expect(found.roles.image.name).toBe('x_t');
    expect(found.prediction).toEqual({ output: 'eps', channels: 1, learnedVariance: false });
    expect(found.counts).toMatchObject({ nodes: 920, candidates: 47, blocks: 30, preselected: 7 });
    // The manifest's block outputs are tensors inside the stripped graph; their producers name the blocks.
    const producer = new Map(
      readModel(plain).nodes.flatMap((n) => n.outputs.map((o) => [o, n.name] as const)),
    );
    const byOutput = new Map(found.blocks.map((b) => [b.output, b]));
    for (const block of manifest.blocks) {
      const got = byOutput.get(block.output);
      expect(got, block.name).toBeDefined();
      expect(got).toMatchObject({
        name: producer.get(block.output),
        stage: block.stage,
        level: block.level,
        resolution: block.resolution,
        channels: block.channels,
      });
    }
    // The last block of each stage at each resolution.
    expect(found.blocks.filter((b) => b.preselected).map((b) => b.output)).toEqual([
      'down0_1',
      'down1_1',
      'down2_1',
      'mid',
      'up2_2',
      'up1_2',
      'up0_2',
    ]);
    // Time-embedding broadcasts ([N, C, 1, 1]) and the norms' affine Adds are not blocks.
    expect(found.blocks.some((b) => b.name === '/net/down.0/res/Add')).toBe(false);
    expect(found.blocks.some((b) => b.name.includes('norm'))).toBe(false);
    expect(found.timings.totalMs).toBeGreaterThan(0);
  });

  it('fetches in runs of at most maxOutputsPerRun with the same result', async () => {
    const a = await discoverModel(runtime, plain);
    const b = await discoverModel(runtime, plain, { maxOutputsPerRun: 16 });
    expect(b.counts.runs).toBe(Math.ceil(b.counts.fetched / 16));
    expect(a.counts.runs).toBe(Math.ceil(a.counts.fetched / 64));
    expect(b.blocks).toEqual(a.blocks);
  });

  it('fetches within maxBytesPerRun (a full-size model’s heap) with the same result', async () => {
    const a = await discoverModel(runtime, plain);
    // The default model's maps are 28×28 of up to 64 channels (≤ 200 KB): 256 KB holds one or two.
    const b = await discoverModel(runtime, plain, { maxBytesPerRun: 256 * 1024 });
    expect(a.counts.runs).toBe(Math.ceil(a.counts.fetched / 64));
    expect(b.counts.runs).toBeGreaterThan(a.counts.fetched / 4);
    expect(b.blocks).toEqual(a.blocks);
    expect(b.prediction).toEqual(a.prediction);
  });

  it('writes a manifest that the validator accepts and that names the same blocks as the shipped one', async () => {
    const found = await discoverModel(runtime, plain);
    const names = manifest.blocks.map((b) => byOutputName(found, b.output));
    const m = manifestFromDiscovery(found, {
      name: 'rediscovered',
      fileName: 'model.onnx',
      bytes: plain.length,
      sha256: manifest.model.sha256,
      blocks: names,
    });
    expect(validateManifest(JSON.parse(JSON.stringify(m)))).toEqual(m);
    expect(m.blocks.map((b) => [b.output, b.stage, b.level, b.resolution, b.channels])).toEqual(
      manifest.blocks.map((b) => [b.output, b.stage, b.level, b.resolution, b.channels]),
    );
  });
});

function byOutputName(found: ModelDiscoveryResult, output: string): string {
  const block = found.blocks.find((b) => b.output === output);
  if (!block) throw new Error(`no block for ${output}`);
  return block.name;
}

describe('discoverModel on synthetic graphs', () => {
  it('a U-Net with strided Convs, an odd 3×3 bottleneck, Resize, ConvTranspose and Concat skips', async () => {
    const found = await discoverModel(runtime, syntheticUNet());
    expect(found.roles.timestep).toEqual({ name: 't', dtype: 'int64', rank: 1 });
    expect(found.prediction.output).toBe('noise_pred');
    expect(table(found)).toEqual([
      '* down 0 16x16 8 /down_blocks.0/resnets.0/Add_1',
      '  down 1 8x8 16 /down_blocks.0/downsamplers.0/conv/Conv',
      '* down 1 8x8 16 /down_blocks.1/resnets.0/Add',
      '  down 2 3x3 16 /down_blocks.1/downsamplers.0/conv/Conv',
      '* down 2 3x3 16 /down_blocks.2/resnets.0/Add',
      '* mid 2 3x3 16 /mid block/resnets.0/Add',
      '* up 2 3x3 16 /up_blocks.0/resnets.0/Add',
      '  up 1 8x8 16 /up_blocks.0/upsamplers.0/Resize',
      '  up 1 8x8 16 /up_blocks.0/upsamplers.0/conv/Conv',
      '* up 1 8x8 16 /up_blocks.1/resnets.0/Add',
      '  up 0 16x16 8 /up_blocks.1/upsamplers.0/ConvTranspose',
      '* up 0 16x16 8 /up_blocks.2/resnets.0/Add',
    ]);
    // 13 candidates: the time-embedding Add was one, until its [1, 8, 1, 1] operand showed.
    expect(found.counts).toMatchObject({ candidates: 13, blocks: 12, preselected: 7, runs: 1 });
  });

  it('attention over tokens, a class-label input and a learned-variance output', async () => {
    const found = await discoverModel(runtime, attentionUNet());
    expect(found.roles.timestep).toEqual({ name: 'timesteps', dtype: 'float32', rank: 1 });
    expect(found.roles.extras).toEqual([TEN_CLASS_Y]);
    expect(found.prediction).toEqual({ output: 'out', channels: 2, learnedVariance: true });
    // Not blocks: the embedding sum [N, 8], the token residual [N, 16, 8], the time broadcast.
    // The decoder's conv block at 4×4 has no residual: it is found as the tensor entering the Resize.
    expect(table(found)).toEqual([
      '* down 0 8x8 8 /input_blocks.1/Add_1',
      '* down 1 4x4 8 /input_blocks.2/op/Conv',
      '* mid 1 4x4 8 /middle_block.1/Add_1',
      '* up 1 4x4 8 /output_blocks.0/conv/Conv',
      '  up 0 8x8 8 /output_blocks.0/upsample/Resize',
      '* up 0 8x8 8 /output_blocks.1/Add',
    ]);
    expect(found.counts).toMatchObject({ candidates: 9, blocks: 6, preselected: 5 });
  });

  it('asks which input is the image when two could be, then runs a scalar int32 timestep', async () => {
    const bytes = twoImageModel();
    const error = await rejection(discoverModel(runtime, bytes));
    expect(error.code).toBe('model-unsupported');
    expect(error.message).toBe('the model has 2 inputs that could be the image ("x", "cond"): choose one');
    expect(error.detail).toEqual({ imageInputs: ['x', 'cond'] });
    const found = await discoverModel(runtime, bytes, { imageInput: 'x' });
    expect(found.roles.timestep).toEqual({ name: 'sigma_idx', dtype: 'int32', rank: 0 });
    expect(found.roles.extras).toEqual([
      { name: 'cond', dtype: 'float32', shape: [3, 8, 8], batched: true, value: 0 },
    ]);
    expect(found.prediction.output).toBe('pred');
    expect(found.blocks).toEqual([]);
  });

  it('refuses a batch size frozen by the export, or declared as 1', async () => {
    const frozen = await rejection(discoverModel(runtime, syntheticUNet({ frozenBatch: true })));
    expect(frozen.code).toBe('model-unsupported');
    expect(frozen.message).toMatch(
      /^the model's batch size is fixed at 1: re-export with a dynamic batch axis \(dynamic_axes, and x\.shape\[0\] rather than len\(x\)\) — see docs\/export\.md \(ONNX Runtime at batch 2: .*Reshape/s,
    );
    const declared = await rejection(discoverModel(runtime, syntheticUNet({ declaredBatch1: true })));
    expect(declared.message).toBe(
      "the model's batch size is fixed at 1: re-export with a dynamic batch axis (dynamic_axes, and x.shape[0] rather than len(x)) — see docs/export.md",
    );
  });

  it('checkBatch: false (a model whose second image would not fit the heap) skips only the batch-2 run', async () => {
    // The frozen batch the check above refuses goes unseen: the same roles and blocks as a dynamic
    // model's, and no time spent at batch 2.
    const dynamic = await discoverModel(runtime, syntheticUNet());
    const frozen = await discoverModel(runtime, syntheticUNet({ frozenBatch: true }), { checkBatch: false });
    expect(frozen.timings.batchCheckMs).toBe(0);
    expect(dynamic.timings.batchCheckMs).toBeGreaterThan(0);
    expect(table(frozen)).toEqual(table(dynamic));
    expect(frozen.prediction).toEqual(dynamic.prediction);
  });

  it('says which file is not a model', async () => {
    const png = new Uint8Array(readFileSync('docs/img/samples.png'));
    const error = await rejection(discoverModel(runtime, png));
    expect([error.code, error.message]).toEqual(['model-corrupt', 'not an ONNX model (it is a PNG image)']);
  });
});

interface ReferenceBlock {
  readonly module: string;
  readonly node: string;
  readonly tensor: string;
  readonly stage: string;
  readonly level: number;
  readonly resolution: number[];
  readonly channels: number;
}

function referenceBlocks(path: string, key: 'modules' | 'blocks'): ReferenceBlock[] {
  return JSON.parse(readFileSync(path, 'utf8'))[key];
}

/** The reference's blocks must be discovered under their node's name, at the same place in the U. */
function expectReferenceBlocks(found: ModelDiscoveryResult, reference: ReferenceBlock[]): void {
  const byName = new Map(found.blocks.map((b) => [b.name, b]));
  for (const ref of reference) {
    const got = byName.get(ref.node);
    expect(got, `${ref.module} (${ref.node})`).toBeDefined();
    expect([got!.output, got!.stage, got!.level, got!.resolution, got!.channels], ref.module).toEqual([
      ref.tensor,
      ref.stage,
      ref.level,
      ref.resolution,
      ref.channels,
    ]);
  }
}

const FIXTURES = 'e2e/fixtures/models';

describe('discoverModel on the diffusers-like RGB 32×32 fixture', () => {
  it('finds its inputs, its v-prediction output and the reference’s blocks', async () => {
    const found = await discoverModel(runtime, new Uint8Array(readFileSync(`${FIXTURES}/rgb32/model.onnx`)));
    expect(found.roles.image).toEqual({
      name: 'sample',
      dtype: 'float32',
      channels: 3,
      height: 32,
      width: 32,
      fixedBatch: null,
    });
    expect(found.roles.timestep).toEqual({ name: 'timestep', dtype: 'int64', rank: 1 });
    expect(found.prediction).toEqual({ output: 'out_sample', channels: 3, learnedVariance: false });
    expectReferenceBlocks(found, referenceBlocks(`${FIXTURES}/rgb32/reference.json`, 'modules'));
    expect(found.counts).toMatchObject({ candidates: 42, blocks: 25, preselected: 7 });
  });
});

describe('discoverModel on the ADM-like fixture', () => {
  it('finds the class-label input and every reference block, attention outputs included', async () => {
    const found = await discoverModel(
      runtime,
      new Uint8Array(readFileSync(`${FIXTURES}/adm12/model-with-attention.onnx`)),
    );
    expect(found.roles.timestep).toEqual({ name: 'timesteps', dtype: 'float32', rank: 1 });
    expect(found.roles.extras).toEqual([TEN_CLASS_Y]);
    expect(found.prediction.output).toBe('eps');
    expectReferenceBlocks(found, referenceBlocks(`${FIXTURES}/adm12/reference.json`, 'blocks'));
    // The output block before each Upsample ends with its attention: that Reshape (entering the
    // Resize) is the stage's last tensor at 3×3, no longer the ResBlock's sum before it.
    expect(found.blocks.filter((b) => b.preselected && b.stage === 'up').map((b) => b.name)).toEqual([
      '/output_blocks.1/output_blocks.1.1/Reshape_1',
      '/output_blocks.3/output_blocks.3.0/Add_1',
      '/output_blocks.5/output_blocks.5.0/Add_1',
    ]);
    expect(found.counts).toMatchObject({ candidates: 37, blocks: 21, preselected: 7 });
  });
});
