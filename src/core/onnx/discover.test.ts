import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DiffProbeError } from '../errors';
import { validateManifest } from '../manifest/validate';
import {
  type Candidates,
  type CandidateTensor,
  type ClassifiedBlock,
  candidateTensors,
  classifyBlocks,
  type DiscoveryForManifest,
  findInputRoles,
  findPrediction,
  type InputRoles,
  isAmbiguousImage,
  manifestFromDiscovery,
} from './discover';
import { type OnnxModelInfo, readModel, type ValueInfo } from './reader';
import { syntheticUNet, TEN_CLASS_Y } from './test-models';

function graphWith(inputs: ValueInfo[]): OnnxModelInfo {
  return {
    irVersion: 8,
    opsets: [{ domain: '', version: 17 }],
    producer: 'test',
    graphName: 'g',
    nodes: [],
    inputs,
    outputs: [],
    valueInfo: [],
    initializers: [],
    externalData: false,
    externalFiles: [],
    constants: [],
  };
}

const F = 1;
const I64 = 7;
const I32 = 6;

function roles(info: OnnxModelInfo, choices = {}): InputRoles {
  const r = findInputRoles(info, choices);
  if (isAmbiguousImage(r)) throw new Error(`ambiguous: ${r.ambiguousImage}`);
  return r;
}

function unsupportedMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DiffProbeError);
    expect((error as DiffProbeError).code).toBe('model-unsupported');
    return (error as Error).message;
  }
  throw new Error('no error');
}

describe('findInputRoles', () => {
  it('finds x_t and t in the default model', () => {
    const info = readModel(new Uint8Array(readFileSync('public/models/fashion-mnist-ddpm/model.onnx')));
    expect(roles(info)).toEqual({
      image: { name: 'x_t', dtype: 'float32', channels: 1, height: 28, width: 28, fixedBatch: null },
      imageCandidates: ['x_t'],
      timestep: { name: 't', dtype: 'float32', rank: 1 },
      extras: [],
      notes: [],
    });
  });

  it('picks the timestep by name among rank-0/1 inputs and feeds the rest as extra inputs', () => {
    const r = roles(
      graphWith([
        { name: 'sample', elemType: F, dims: ['batch', 3, 32, 32] },
        { name: 'class_labels', elemType: I64, dims: ['batch'] },
        { name: 'timestep', elemType: I64, dims: ['batch'] },
        { name: 'encoder_hidden_states', elemType: F, dims: ['batch', 'sequence', 768] },
        { name: 'fixed', elemType: I32, dims: [2, 'k'] },
      ]),
    );
    expect(r.timestep).toEqual({ name: 'timestep', dtype: 'int64', rank: 1 });
    expect(r.notes).toEqual([
      'timestep: "timestep" by its name, not "class_labels"',
      'conditioning: "encoder_hidden_states" looks like a text encoder\'s output; it is fed zeros (no prompt) until you give an embedding',
    ]);
    expect(r.extras).toEqual([
      { name: 'class_labels', dtype: 'int64', shape: [], batched: true, value: 0 },
      { name: 'encoder_hidden_states', dtype: 'float32', shape: [1, 768], batched: true, value: 0 },
      { name: 'fixed', dtype: 'int32', shape: [2, 1], batched: false, value: 0 },
    ]);
    const scalar = roles(
      graphWith([
        { name: 'x', elemType: F, dims: [null, 1, 'h', 'w'] },
        { name: 'sigma', elemType: F, dims: [] },
      ]),
    );
    expect(scalar.timestep).toEqual({ name: 'sigma', dtype: 'float32', rank: 0 });
    expect(scalar.image).toEqual({
      name: 'x',
      dtype: 'float32',
      channels: 1,
      height: null,
      width: null,
      fixedBatch: null,
    });
    // A single "t" token counts as a name ("c_t"), letters around a t do not ("attention").
    const named = roles(
      graphWith([
        { name: 'x', elemType: F, dims: ['N', 1, 8, 8] },
        { name: 'attention_scale', elemType: F, dims: ['N'] },
        { name: 'c_t', elemType: F, dims: ['N'] },
      ]),
    );
    expect(named.timestep.name).toBe('c_t');
    const twoUnnamed = graphWith([
      { name: 'x', elemType: F, dims: ['N', 1, 8, 8] },
      { name: 'a', elemType: F, dims: ['N'] },
      { name: 'b', elemType: F, dims: ['N'] },
    ]);
    expect(roles(twoUnnamed).notes).toEqual(['timestep: "a" as the first candidate, not "b"']);
    expect(roles(twoUnnamed, { timestepInput: 'b' }).timestep.name).toBe('b');
  });

  it('takes timesteps shaped [N, 1] and [N, 1, 1, 1], and float16 ones', () => {
    const withT = (t: ValueInfo) => roles(graphWith([{ name: 'x', elemType: F, dims: ['N', 1, 8, 8] }, t]));
    expect(withT({ name: 't', elemType: F, dims: ['N', 1] }).timestep).toEqual({
      name: 't',
      dtype: 'float32',
      rank: 2,
    });
    expect(withT({ name: 'noise_level', elemType: 10, dims: ['N'] }).timestep).toEqual({
      name: 'noise_level',
      dtype: 'float16',
      rank: 1,
    });
    // [N, 1, 1, 1] is a timestep column, not a second (1×1) image.
    const column = withT({ name: 't', elemType: F, dims: ['N', 1, 1, 1] });
    expect(column.timestep).toEqual({ name: 't', dtype: 'float32', rank: 4 });
    expect(column.imageCandidates).toEqual(['x']);
  });

  it("finds class inputs: ADM's y by its label embedding (adm12), a one-hot c by name and shape", () => {
    const adm = roles(
      readModel(new Uint8Array(readFileSync('e2e/fixtures/models/adm12/model-with-attention.onnx'))),
    );
    expect(adm.extras).toEqual([TEN_CLASS_Y]);
    expect(adm.notes).toContain('class label: "y" indexes a label embedding of 10 rows (classes 0…9)');
    const oneHot = roles(
      graphWith([
        { name: 'x', elemType: F, dims: ['N', 3, 8, 8] },
        { name: 'sigma', elemType: F, dims: ['N'] },
        { name: 'class_labels', elemType: F, dims: ['N', 10] },
      ]),
    );
    expect(oneHot.extras[0]).toEqual({
      name: 'class_labels',
      dtype: 'float32',
      shape: [10],
      batched: true,
      value: -1,
      class: { encoding: 'one-hot', count: 10, feed: 'constant', nullValue: -1 },
    });
  });

  it('refuses a timestep of rank 3, saying which shapes work, rather than taking a class label for it', () => {
    const message = unsupportedMessage(() =>
      findInputRoles(
        graphWith([
          { name: 'x', elemType: F, dims: ['N', 1, 8, 8] },
          { name: 't', elemType: F, dims: ['N', 1, 1] },
          { name: 'y', elemType: I64, dims: ['N'] },
        ]),
      ),
    );
    expect(message).toBe(
      'the timestep input "t" has rank 3, [N, 1, 1]; DiffProbe feeds a timestep as a scalar, [N], [N, 1] or [N, 1, 1, 1] tensor of float32, float16, int64 or int32: re-export the model with t shaped one of those (docs/export.md); found inputs: x (float [N, 1, 8, 8]), t (float [N, 1, 1]), y (int64 [N])',
    );
  });

  it('reports two possible image inputs instead of guessing, and takes the caller’s choice', () => {
    const info = graphWith([
      { name: 'x', elemType: F, dims: ['N', 3, 8, 8] },
      { name: 'cond', elemType: F, dims: ['N', 3, 8, 8] },
      { name: 't', elemType: F, dims: ['N'] },
    ]);
    expect(findInputRoles(info)).toEqual({ ambiguousImage: ['x', 'cond'] });
    const chosen = roles(info, { imageInput: 'cond' });
    expect(chosen.image.name).toBe('cond');
    expect(chosen.imageCandidates).toEqual(['x', 'cond']);
    expect(chosen.extras).toEqual([
      { name: 'x', dtype: 'float32', shape: [3, 8, 8], batched: true, value: 0 },
    ]);
    // Only one of them has an image-like channel count: no question to ask.
    const features = graphWith([
      { name: 'x', elemType: F, dims: ['N', 3, 8, 8] },
      { name: 'lowres_features', elemType: F, dims: ['N', 64, 8, 8] },
      { name: 't', elemType: F, dims: ['N'] },
    ]);
    expect(roles(features).image.name).toBe('x');
  });

  it('names what is missing, listing the inputs', () => {
    expect(
      unsupportedMessage(() =>
        findInputRoles(
          graphWith([
            { name: 'latent', elemType: 6, dims: ['N', 4, 64, 64] },
            { name: 't', elemType: I64, dims: ['N'] },
          ]),
        ),
      ),
    ).toBe(
      'the model expects a 4-D float input NCHW (the noisy image); found inputs: latent (int32 [N, 4, 64, 64]), t (int64 [N])',
    );
    // A float16 export's image input is an image input (fed float16, cast at the boundary).
    expect(
      roles(
        graphWith([
          { name: 'sample', elemType: 10, dims: ['N', 3, 32, 32] },
          { name: 'timestep', elemType: 10, dims: [] },
        ]),
      ),
    ).toMatchObject({ image: { name: 'sample', dtype: 'float16' }, timestep: { dtype: 'float16', rank: 0 } });
    expect(
      unsupportedMessage(() => findInputRoles(graphWith([{ name: 'x', elemType: F, dims: ['N', 3, 8, 8] }]))),
    ).toBe(
      'the model has no timestep input (a scalar, [N], [N, 1] or [N, 1, 1, 1] tensor of float32, float16, int64 or int32); found inputs: x (float [N, 3, 8, 8])',
    );
    expect(
      unsupportedMessage(() =>
        findInputRoles(
          graphWith([
            { name: 'x', elemType: F, dims: ['N', 3, 8, 8] },
            { name: 't', elemType: F, dims: ['N'] },
            { name: 'mask', elemType: 9, dims: ['N', 8] },
          ]),
        ),
      ),
    ).toMatch(/^input "mask" is bool; DiffProbe can feed float32, float16, int64 or int32 extra inputs/);
    expect(
      unsupportedMessage(() =>
        findInputRoles(
          graphWith([
            { name: 'x', elemType: F, dims: ['N', 3, 8, 8] },
            { name: 't', elemType: F, dims: ['N'] },
          ]),
          {
            imageInput: 'y',
          },
        ),
      ),
    ).toMatch(/^"y" is not a 4-D float input of the model/);
  });
});

describe('findPrediction', () => {
  it('takes the output of the image’s shape, preferring prediction-like names', () => {
    const outputs = [
      { name: 'h', dims: [1, 64, 7, 7] },
      { name: 'skip', dims: [1, 1, 28, 28] },
      { name: 'eps', dims: [1, 1, 28, 28] },
    ];
    expect(findPrediction(outputs, [1, 1, 28, 28])).toEqual({
      output: 'eps',
      channels: 1,
      learnedVariance: false,
    });
    expect(findPrediction([{ name: 'y', dims: [1, 6, 8, 8] }], [1, 3, 8, 8])).toEqual({
      output: 'y',
      channels: 6,
      learnedVariance: true,
    });
    expect(
      unsupportedMessage(() =>
        findPrediction(
          [
            { name: 'y', dims: [1, 4, 4, 4] },
            { name: 'z', dims: undefined },
          ],
          [1, 3, 8, 8],
        ),
      ),
    ).toBe(
      "no graph output has the image's shape [1, 3, 8, 8] (or twice its channels); the outputs are y [1, 4, 4, 4], z (not computed)",
    );
    // The image's batch and size with another channel count: the channels are what is wrong.
    expect(unsupportedMessage(() => findPrediction([{ name: 'y', dims: [1, 7, 8, 8] }], [1, 3, 8, 8]))).toBe(
      'the prediction output "y" gives [1,7,8,8]: 7 channels for a 3-channel input; DiffProbe reads C = 3 channels (the prediction) or 2·C = 6 ([prediction | learned variance]), so this output cannot be read (2·C + 1: an extra channel no known parameterisation has)',
    );
  });
});

describe('candidateTensors on a synthetic U-Net', () => {
  const info = readModel(syntheticUNet());
  const found = candidateTensors(info);
  const byNode = new Map(found.tensors.map((c) => [c.node, c]));

  it('proposes resolution changes and what enters them, skip inputs, Adds of two computed tensors and the head’s input, in forward order', () => {
    expect(found.tensors.map((c) => [c.node, c.reasons.join('+')])).toEqual([
      ['/down_blocks.0/resnets.0/Add', 'residual'],
      ['/down_blocks.0/resnets.0/Add_1', 'residual+stage-end+skip-input'],
      ['/down_blocks.0/downsamplers.0/conv/Conv', 'resolution-change'],
      ['/down_blocks.1/resnets.0/Add', 'residual+stage-end+skip-input'],
      ['/down_blocks.1/downsamplers.0/conv/Conv', 'resolution-change'],
      ['/down_blocks.2/resnets.0/Add', 'residual+skip-input'],
      ['/mid block/resnets.0/Add', 'residual+skip-input'],
      ['/up_blocks.0/resnets.0/Add', 'residual+stage-end'],
      ['/up_blocks.0/upsamplers.0/Resize', 'resolution-change'],
      ['/up_blocks.0/upsamplers.0/conv/Conv', 'skip-input'],
      ['/up_blocks.1/resnets.0/Add', 'residual+stage-end'],
      ['/up_blocks.1/upsamplers.0/ConvTranspose', 'resolution-change+skip-input'],
      ['/up_blocks.2/resnets.0/Add', 'residual+last-block'],
    ]);
    const positions = found.tensors.map((c) => c.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    // The norm's affine Add has an initializer operand: not even a candidate.
    expect(byNode.has('/down_blocks.0/resnets.0/norm1/Add')).toBe(false);
    expect(found.concats.map((c) => [c.node, c.inputs.length])).toEqual([
      ['/up_blocks.0/Concat', 2],
      ['/up_blocks.1/Concat', 2],
      ['/up_blocks.2/Concat', 2],
    ]);
  });

  it('asks for the Add inputs’ shapes too, each once, as float outputs', () => {
    const names = found.fetch.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    expect(found.fetch.every((f) => f.elemType === 1)).toBe(true);
    const timeAdd = byNode.get('/down_blocks.0/resnets.0/Add')!;
    expect(timeAdd.addInputs).toEqual([
      '/conv_in/Conv_output_0',
      '/down_blocks.0/resnets.0/Unsqueeze_output_0',
    ]);
    for (const input of timeAdd.addInputs!) expect(names).toContain(input);
    expect(names.slice(0, found.tensors.length)).toEqual(found.tensors.map((c) => c.tensor));
  });
});

function candidate(
  node: string,
  position: number,
  reasons: CandidateTensor['reasons'],
  extra = {},
): CandidateTensor {
  return { tensor: `${node}_output_0`, node, op: 'Add', position, reasons, ...extra };
}

describe('classifyBlocks', () => {
  it('keeps real residuals, splits stages at the first skip Concat and the last skip source, ranks levels', () => {
    const s = (n: string) => `${n}_output_0`;
    const tensors = [
      candidate('/in/Conv', 1, ['skip-input']),
      candidate('/down.0/Add', 2, ['residual'], { addInputs: ['/in/Conv_output_0', 'temb4'] }), // broadcast
      candidate('/down.0/Add_1', 3, ['residual', 'skip-input'], { addInputs: ['/in/Conv_output_0', 'c1'] }),
      candidate('/down sample/Conv', 4, ['resolution-change', 'skip-input']),
      candidate('/mid/attn/Add', 5, ['residual'], { addInputs: ['tok', 'tok2'] }), // rank 3
      candidate('/mid/Add', 6, ['residual'], { addInputs: ['/down sample/Conv_output_0', 'c2'] }),
      candidate('/up.0/Add', 8, ['residual', 'skip-input'], { addInputs: ['c3', 'c4'] }),
      candidate('/up.0/Resize', 9, ['resolution-change']),
      candidate('/up.1/Add', 11, ['residual'], { addInputs: ['c5', 'c6'] }),
      candidate('/out', 12, ['resolution-change']), // batch 2: not a map of one image
    ];
    const candidates: Candidates = {
      tensors,
      concats: [
        { node: '/up.0/Concat', position: 7, inputs: [s('/mid/Add'), s('/down sample/Conv')] },
        { node: '/up.1/Concat', position: 10, inputs: [s('/up.0/Resize'), s('/down.0/Add_1')] },
      ],
      fetch: [],
    };
    const big = [1, 8, 6, 6];
    const small = [1, 16, 3, 3];
    const shapes = new Map<string, number[]>([
      [s('/in/Conv'), big],
      [s('/down.0/Add'), big],
      ['temb4', [1, 8, 1, 1]],
      ['c1', big],
      [s('/down.0/Add_1'), big],
      [s('/down sample/Conv'), small],
      [s('/mid/attn/Add'), [1, 9, 16]],
      ['tok', [1, 9, 16]],
      ['tok2', [1, 9, 16]],
      [s('/mid/Add'), small],
      ['c2', small],
      [s('/up.0/Add'), small],
      ['c3', small],
      ['c4', small],
      [s('/up.0/Resize'), [1, 16, 6, 6]],
      [s('/up.1/Add'), big],
      ['c5', big],
      ['c6', big],
      [s('/out'), [2, 8, 6, 6]],
    ]);
    const blocks = classifyBlocks(candidates, shapes, [1, 1, 6, 6]);
    expect(
      blocks.map((b) => [b.name, b.stage, b.level, b.resolution.join('x'), b.channels, b.preselected]),
    ).toEqual([
      ['/in/Conv', 'down', 0, '6x6', 8, false],
      ['/down.0/Add_1', 'down', 0, '6x6', 8, true],
      ['/down sample/Conv', 'down', 1, '3x3', 16, true],
      ['/mid/Add', 'mid', 1, '3x3', 16, true],
      ['/up.0/Add', 'up', 1, '3x3', 16, true],
      ['/up.0/Resize', 'up', 0, '6x6', 16, false],
      ['/up.1/Add', 'up', 0, '6x6', 8, true],
    ]);
    expect(blocks[0].reasons).toEqual(['skip-input']);
    // The prediction output may not be a block.
    const without = classifyBlocks(candidates, shapes, [1, 1, 6, 6], { exclude: new Set([s('/up.1/Add')]) });
    expect(without.map((b) => b.name)).not.toContain('/up.1/Add');
    expect(without.find((b) => b.name === '/up.0/Resize')?.preselected).toBe(true);
  });

  it('without Concat skips, the lowest resolution is the middle', () => {
    const tensors = [
      candidate('/a', 0, ['resolution-change']),
      candidate('/b', 1, ['resolution-change']),
      candidate('/c', 2, ['resolution-change']),
      candidate('/d', 3, ['resolution-change']),
      candidate('/e', 4, ['resolution-change']),
    ];
    const dims = [
      [1, 4, 8, 8],
      [1, 4, 4, 4],
      [1, 4, 4, 4],
      [1, 4, 8, 8],
      [1, 4, 16, 16],
    ];
    const shapes = new Map(tensors.map((t, i) => [t.tensor, dims[i]]));
    const blocks = classifyBlocks({ tensors, concats: [], fetch: [] }, shapes, [1, 1, 16, 16]);
    expect(blocks.map((b) => `${b.name}:${b.stage}${b.level}`)).toEqual([
      '/a:down1',
      '/b:mid2',
      '/c:mid2',
      '/d:up1',
      '/e:up0',
    ]);
  });

  it('names blocks by node, falling back to tensor names when a node has none or two outputs', () => {
    const tensors: CandidateTensor[] = [
      { tensor: 'split_0', node: '/Split', op: 'Split', position: 0, reasons: ['resolution-change'] },
      { tensor: 'split_1', node: '/Split', op: 'Split', position: 0, reasons: ['resolution-change'] },
      { tensor: 'anon', node: '', op: 'Resize', position: 1, reasons: ['resolution-change'] },
      {
        tensor: '/down_blocks.0/resnets.1/Add',
        node: 'x y',
        op: 'Resize',
        position: 2,
        reasons: ['resolution-change'],
      },
    ];
    const shapes = new Map(tensors.map((t) => [t.tensor, [1, 2, 4, 4]]));
    const names = classifyBlocks({ tensors, concats: [], fetch: [] }, shapes, [1, 1, 4, 4]).map(
      (b) => b.name,
    );
    expect(names).toEqual(['split_0', 'split_1', 'anon', 'x y']);
  });
});

describe('manifestFromDiscovery', () => {
  const block = (
    name: string,
    stage: ClassifiedBlock['stage'],
    level: number,
    preselected: boolean,
  ): ClassifiedBlock => ({
    name,
    output: `${name}_output_0`,
    op: 'Add',
    position: 0,
    stage,
    level,
    resolution: [28 >> level, 28 >> level],
    channels: 32,
    reasons: ['residual'],
    why: ['sum of a residual connection'],
    transit: false,
    preselected,
    consumers: [],
    path: { from: null, ops: [], truncated: false },
  });
  const discovery: DiscoveryForManifest = {
    roles: {
      image: { name: 'x_t', dtype: 'float32', channels: 1, height: 28, width: 28, fixedBatch: null },
      imageCandidates: ['x_t'],
      timestep: { name: 't', dtype: 'float32', rank: 1 },
      extras: [],
      notes: [],
    },
    imageDims: [1, 1, 28, 28],
    prediction: { output: 'eps', channels: 1, learnedVariance: false },
    blocks: [
      block('/down.0/res/Add_1', 'down', 0, true),
      block('/mid/Add', 'mid', 1, true),
      block('/up.0/Resize', 'up', 0, false),
      block('/up.0/Add', 'up', 0, true),
    ],
  };
  const file = { fileName: 'unet.onnx', bytes: 1234, sha256: 'ab'.repeat(32) };

  it('writes a manifest the validator accepts, with the preselected blocks and the defaults', () => {
    const m = manifestFromDiscovery(discovery, { name: 'unet', ...file });
    expect(validateManifest(JSON.parse(JSON.stringify(m)))).toEqual(m);
    expect(m.input).toEqual({ name: 'x_t', channels: 1, height: 28, width: 28, range: [-1, 1] });
    expect(m.preprocessing).toEqual({
      resize: 'shorter-side-center-crop',
      color: 'grayscale',
      mean: [0.5],
      std: [0.5],
      invert: 'never',
    });
    expect(m.blocks.map((b) => b.name)).toEqual(['/down.0/res/Add_1', '/mid/Add', '/up.0/Add']);
    expect(m.blocks[0]).toEqual({
      name: '/down.0/res/Add_1',
      output: '/down.0/res/Add_1_output_0',
      stage: 'down',
      level: 0,
      resolution: [28, 28],
      channels: 32,
    });
    expect(m.prediction).toEqual({ type: 'epsilon', output: 'eps' });
    expect(m.extraInputs).toBeUndefined();
  });

  it('takes the user’s blocks (in forward order), schedule, prediction type, extra-input values', () => {
    const rgb: DiscoveryForManifest = {
      ...discovery,
      roles: {
        ...discovery.roles,
        image: { ...discovery.roles.image, channels: 3 },
        timestep: { name: 'timestep', dtype: 'int64', rank: 0 },
        extras: [{ name: 'y', dtype: 'int64', shape: [], batched: true, value: 0 }],
      },
      imageDims: [1, 3, 28, 28],
    };
    const m = manifestFromDiscovery(rgb, {
      name: 'rgb',
      ...file,
      blocks: ['/up.0/Resize', '/down.0/res/Add_1'],
      schedule: { type: 'cosine', steps: 1000 },
      predictionType: 'v_prediction',
      extraInputValues: { y: 3 },
    });
    expect(m.blocks.map((b) => b.name)).toEqual(['/down.0/res/Add_1', '/up.0/Resize']);
    expect(m.timestep).toEqual({ name: 'timestep', dtype: 'int64', rank: 0 });
    expect(m.extraInputs).toEqual([{ name: 'y', dtype: 'int64', shape: [], batched: true, value: 3 }]);
    expect(m.preprocessing.color).toBe('rgb');
    expect(m.preprocessing.mean).toEqual([0.5, 0.5, 0.5]);
    // The validator of the extended format (new dtypes, rank, extraInputs, schedules, prediction types).
    expect(validateManifest(JSON.parse(JSON.stringify(m)))).toEqual(m);
  });

  it('refuses blocks it did not discover and images it cannot feed', () => {
    expect(() => manifestFromDiscovery(discovery, { name: 'x', ...file, blocks: ['/nope'] })).toThrow(
      'blocks: "/nope" are not among the discovered blocks',
    );
    expect(() =>
      manifestFromDiscovery(discovery, { name: 'x', ...file, extraInputValues: { y: 1 } }),
    ).toThrow('extraInputs: "y" are not extra inputs of the model');
    const latent = { ...discovery, imageDims: [1, 4, 32, 32] };
    expect(unsupportedMessage(() => manifestFromDiscovery(latent, { name: 'x', ...file }))).toMatch(
      /^the image input "x_t" has 4 channels; DiffProbe feeds grayscale \(1\) or RGB \(3\) images/,
    );
  });
});
