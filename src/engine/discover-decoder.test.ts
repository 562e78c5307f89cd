import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { manifestFromDiscovery } from '../core/onnx/discover';
import { encoderOnly, type PlainUNetOptions, plainUNet } from '../core/onnx/test-models';
import { discoverModel, type ModelDiscoveryResult } from './discover';
import { nodeRuntime } from './onnx-node';

/**
 * Discovery on U-Nets without residual additions: a decoder block's output is only the input of
 * the next up-sampling op (or of the head), so it must be found as that.
 */
const runtime = nodeRuntime();

const suggested = (found: ModelDiscoveryResult) =>
  found.blocks.filter((b) => b.preselected).map((b) => b.name);
const UPSAMPLING = new Set(['ConvTranspose', 'Resize', 'Upsample', 'DepthToSpace']);

/** The rule: no suggested decoder tensor is an up-sampling op's own output when a block follows it. */
function expectNoSuggestedUpsamplingOutput(found: ModelDiscoveryResult) {
  for (const b of found.blocks.filter((x) => x.preselected && x.stage === 'up'))
    expect(UPSAMPLING.has(b.op), `${b.name} is an up-sampling output`).toBe(false);
}

describe('discoverModel on classic U-Nets without residual additions', () => {
  const encoder = ['/enc1/Relu_1', '/enc2/Relu_1', '/mid/Relu_1'];
  const variants: [string, PlainUNetOptions, string[]][] = [
    ['ConvTranspose, Concat after it', {}, [...encoder, '/dec1/Relu_1', '/dec2/Relu_1']],
    [
      'attention at the bottleneck',
      { attention: true },
      ['/enc1/Relu_1', '/enc2/Relu_1', '/mid/attn/Reshape_1', '/dec1/Relu_1', '/dec2/Relu_1'],
    ],
    [
      'Resize + Conv up-sampling',
      { upsampling: 'resize-conv' },
      [...encoder, '/dec1/Relu_1', '/dec2/Relu_1'],
    ],
    ['the Concat before the up-sampling', { concat: 'before' }, [...encoder, '/dec1/Relu_1', '/dec2/Relu_1']],
    [
      'float Casts of every block output, a normalised copy down-sampled',
      { admQuirks: true },
      [...encoder, '/dec1/Relu_1', '/dec2/Relu_1'],
    ],
  ];
  for (const [what, options, expected] of variants)
    it(`${what}: every stage's last tensor is suggested, the decoder's included`, async () => {
      const found = await discoverModel(runtime, plainUNet(options));
      expect(suggested(found)).toEqual(expected);
      expect(found.blocks.filter((b) => b.preselected).map((b) => `${b.stage}${b.level}`)).toEqual([
        'down0',
        'down1',
        'mid2',
        'up1',
        'up0',
      ]);
      expectNoSuggestedUpsamplingOutput(found);
      expect(found.blockNotes).toEqual([]);
      // Each decoder block says why: the op it enters.
      const byName = new Map(found.blocks.map((b) => [b.name, b]));
      const dec1 = byName.get('/dec1/Relu_1')!;
      const up2 = options.upsampling === 'resize-conv' ? '/up2/Resize' : '/up2/ConvTranspose';
      expect(dec1.why).toContain(`input of ${up2}: the end of a stage at 8×8`);
      expect(dec1.consumers.map((c) => c.node)).toContain(options.concat === 'before' ? '/dec1/Concat' : up2);
      expect(byName.get('/dec2/Relu_1')!.why).toContain(
        "input of the prediction head (/head/Conv): the last block's output",
      );
    });

  it('draws each skip from the encoder block to the first chosen decoder block after its Concat', async () => {
    const found = await discoverModel(runtime, plainUNet());
    expect(found.skips.map((s) => [s.from, s.concat])).toEqual([
      ['/enc2/Relu_1', '/dec1/Concat'],
      ['/enc1/Relu_1', '/dec2/Concat'],
    ]);
    const file = { fileName: 'plain.onnx', bytes: 1, sha256: '0'.repeat(64) };
    const m = manifestFromDiscovery(found, { name: 'plain', ...file });
    expect(m.skips).toEqual([
      { from: '/enc2/Relu_1', to: '/dec1/Relu_1' },
      { from: '/enc1/Relu_1', to: '/dec2/Relu_1' },
    ]);
    // Without /dec1's block chosen, the skip reaches the next chosen block after the Concat.
    const fewer = manifestFromDiscovery(found, {
      name: 'plain',
      ...file,
      blocks: ['/enc1/Relu_1', '/enc2/Relu_1', '/up2/ConvTranspose', '/dec2/Relu_1'],
    });
    expect(fewer.skips).toEqual([
      { from: '/enc2/Relu_1', to: '/up2/ConvTranspose' },
      { from: '/enc1/Relu_1', to: '/dec2/Relu_1' },
    ]);
  });
});

describe('discoverModel on bad inputs: candidates with reasons, no crash', () => {
  it('an up-sampling output that feeds two consumers', async () => {
    const found = await discoverModel(runtime, plainUNet({ upsamplingTwoConsumers: true }));
    const up1 = found.blocks.find((b) => b.name === '/up1/ConvTranspose')!;
    expect(up1.consumers.map((c) => c.node)).toEqual(['/dec1/Concat', '/side/Conv']);
    expect(up1.preselected).toBe(false);
    // The block's end is the Add of the side branch, which enters the next up-sampling.
    expect(suggested(found)).toEqual([
      '/enc1/Relu_1',
      '/enc2/Relu_1',
      '/mid/Relu_1',
      '/dec1/Add_1',
      '/dec2/Relu_1',
    ]);
    for (const b of found.blocks) expect(b.why.length, b.name).toBeGreaterThan(0);
  });

  it('two branches that reach the same resolution: their Concat is no skip connection', async () => {
    const found = await discoverModel(runtime, plainUNet({ twoBranches: true }));
    const branch = found.blocks.find((b) => b.name === '/branch_a/Conv')!;
    expect([branch.stage, branch.level, branch.reasons]).toEqual(['down', 1, ['resolution-change']]);
    expect(suggested(found)).toEqual([
      '/enc1/Relu_1',
      '/enc2/Relu_1',
      '/mid/Relu_1',
      '/dec1/Relu_1',
      '/dec2/Relu_1',
    ]);
    expect(found.skips.map((s) => s.concat)).toEqual(['/dec1/Concat', '/dec2/Concat']);
  });

  it('an encoder only (a Resize straight into the head): says there is no decoder', async () => {
    const found = await discoverModel(runtime, encoderOnly());
    expect(found.blockNotes).toEqual([
      'no decoder: after the lowest resolution (4×4) no block follows the up-sampling, so the suggestions cover the encoder only',
    ]);
    expect(suggested(found)).toEqual(['/enc1/Relu_1', '/enc2/Relu_1', '/enc3/Relu_1']);
    const resize = found.blocks.find((b) => b.name === '/up/Resize')!;
    expect(resize.why).toEqual([
      'output of /up/Resize: the first tensor at 16×16',
      "input of the prediction head (/head/Conv): the last block's output",
    ]);
  });

  it('a graph that never changes resolution: one candidate, and a note', async () => {
    const found = await discoverModel(runtime, encoderOnly(true));
    expect(found.blocks.map((b) => [b.name, b.preselected])).toEqual([['/b2/Relu_1', true]]);
    expect(found.blockNotes).toEqual([
      'every candidate is 16×16: the graph never changes resolution, so it has no encoder or decoder stages to tell apart',
    ]);
  });
});

interface ReferenceModule {
  readonly module: string;
  readonly node: string;
  readonly tensor: string;
  readonly resolution: number[];
  readonly channels: number;
}

describe('discoverModel on the tutorial-style U-Net (e2e/fixtures/models/tutorial28)', () => {
  const dir = 'e2e/fixtures/models/tutorial28';
  const reference = JSON.parse(readFileSync(`${dir}/reference.json`, 'utf8')) as {
    blocks: ReferenceModule[];
    resampling: ReferenceModule[];
  };

  it('suggests every block (b1…b3, b_mid, b4, b5, b_out), decoder included, and no up-sampling output', async () => {
    const found = await discoverModel(runtime, new Uint8Array(readFileSync(`${dir}/model.onnx`)));
    const byName = new Map(found.blocks.map((b) => [b.name, b]));
    expect(suggested(found)).toEqual(reference.blocks.map((b) => b.node));
    for (const ref of reference.blocks) {
      const b = byName.get(ref.node)!;
      expect([b.output, b.resolution, b.channels], ref.module).toEqual([
        ref.tensor,
        ref.resolution,
        ref.channels,
      ]);
    }
    expect(found.blocks.filter((b) => b.preselected).map((b) => `${b.stage}${b.level}`)).toEqual([
      'down0',
      'down1',
      'down2',
      'mid3',
      'up2',
      'up1',
      'up0',
    ]);
    // The resampling modules' outputs stay candidates; the 6×6 steps inside down3 and up1 are
    // listed as such, at the level of 7×7, and never suggested.
    for (const ref of reference.resampling) expect(byName.has(ref.node), ref.module).toBe(true);
    const steps = found.blocks.filter((b) => b.transit);
    expect(steps.map((b) => [b.name, b.stage, b.level, b.resolution.join('×')])).toEqual([
      ['/down3/down3.0/Conv', 'down', 2, '6×6'],
      ['/down3/down3.1/Mul', 'down', 2, '6×6'],
      ['/up1/up1.0/ConvTranspose', 'up', 2, '6×6'],
      ['/up1/up1.1/Mul', 'up', 2, '6×6'],
    ]);
    expect(byName.get('/b4/b4.1/Mul_1')!.why).toEqual([
      'input of /up2/ConvTranspose: the end of a stage at 7×7',
    ]);
    expect(byName.get('/up2/ConvTranspose')!.why).toEqual([
      'output of /up2/ConvTranspose: the first tensor at 14×14',
      'joined with a skip connection by /Concat_8',
    ]);
    expect(byName.get('/b2/b2.1/Mul_1')!.why).toContain('concatenated by /Concat_8: a skip connection');
    expectNoSuggestedUpsamplingOutput(found);
    expect(found.counts).toMatchObject({ nodes: 205, blocks: 17, preselected: 7 });
  });
});
