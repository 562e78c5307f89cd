/**
 * Timestep inputs of every shape and dtype DiffProbe feeds ([], [N], [N, 1], [N, 1, 1, 1];
 * int32, int64, float32, float16), opened bare on onnxruntime-node: each graph adds its t to the
 * image, so the output says exactly what was fed, under each convention.
 */
import { describe, expect, it } from 'vitest';
import type { TimestepDtype } from '../core/manifest/types';
import { withBlockOutputs } from '../core/onnx/block-outputs';
import { manifestFromDiscovery } from '../core/onnx/discover';
import { DataType, encodeModel, type NodeSpec } from '../core/onnx/model';
import { readModel } from '../core/onnx/reader';
import { type TimestepConvention, timestepFeed } from '../core/timestep/convention';
import { discoverModel } from './discover';
import { nodeRuntime } from './onnx-node';
import { UNetSession } from './unet-session';

const runtime = nodeRuntime(1);
const ELEM: Record<TimestepDtype, number> = { float32: 1, float16: 10, int32: 6, int64: 7 };

/** out = 3x + float(t), t broadcast per image (a residual pair of Adds, for discovery to find a block). */
function addTimestep(dtype: TimestepDtype, dims: (number | string)[]): Uint8Array {
  const nodes: NodeSpec[] = [
    { op: 'Cast', inputs: ['t'], outputs: ['tf'], attributes: { to: DataType.FLOAT }, name: '/t/Cast' },
    { op: 'Reshape', inputs: ['tf', 'shape'], outputs: ['t4'], name: '/t/Reshape' },
    { op: 'Add', inputs: ['x', 't4'], outputs: ['m'], name: '/time/Add' },
    { op: 'Add', inputs: ['x', 'm'], outputs: ['h'], name: '/body/Add' },
    { op: 'Add', inputs: ['h', 'x'], outputs: ['out'], name: '/head/Add' },
  ];
  return encodeModel({
    name: 't',
    opset: 17,
    nodes,
    inputs: [
      { name: 'x', type: DataType.FLOAT, dims: ['N', 1, 4, 4] },
      { name: 't', type: ELEM[dtype] as 1, dims },
    ],
    outputs: [{ name: 'out', type: DataType.FLOAT, dims: ['N', 1, 4, 4] }],
    initializers: [
      // A scalar t is broadcast to every image: [-1, 1, 1, 1] would make it one image.
      {
        name: 'shape',
        type: DataType.INT64,
        dims: [4],
        data: BigInt64Array.of(dims.length ? -1n : 1n, 1n, 1n, 1n),
      },
    ],
  });
}

const SHAPES: { rank: number; dims: (number | string)[] }[] = [
  { rank: 0, dims: [] },
  { rank: 1, dims: ['N'] },
  { rank: 2, dims: ['N', 1] },
  { rank: 4, dims: ['N', 1, 1, 1] },
];

describe('timestep inputs', () => {
  for (const dtype of ['float32', 'float16', 'int32', 'int64'] as const)
    it(`${dtype}, every rank: found, and fed t under each convention it can take`, async () => {
      for (const { rank, dims } of SHAPES) {
        const bytes = addTimestep(dtype, dims);
        const found = await discoverModel(runtime, bytes);
        expect(found.roles.timestep).toEqual({ name: 't', dtype, rank });
        const conventions: TimestepConvention[] = dtype.startsWith('float')
          ? ['index', 'fraction', 'scaled']
          : ['index'];
        for (const convention of conventions) {
          const manifest = manifestFromDiscovery(found, {
            name: 't',
            fileName: 't.onnx',
            bytes: bytes.length,
            sha256: '0'.repeat(64),
            convention,
            schedule: { type: 'linear', betaStart: 1e-4, betaEnd: 0.02, steps: 250 },
          });
          const unet = await UNetSession.create(
            runtime,
            withBlockOutputs(bytes, readModel(bytes), manifest),
            manifest,
          );
          const t = rank === 0 ? [77, 77] : [77, 201];
          const out = (await unet.run(new Float32Array(32), 2, t, ['eps'])).eps.data;
          for (const [i, step] of t.entries()) {
            const fed = timestepFeed(convention, step, 250, unet.alphasCumprod[step]).value;
            // float16 holds 77·1000/250 = 308 exactly, and 0.308 to 3 significant digits.
            const tolerance = dtype === 'float16' ? Math.abs(fed) * 1e-3 : 1e-6;
            expect(
              Math.abs(out[i * 16] - fed),
              `${dtype} rank ${rank} ${convention} t=${step}`,
            ).toBeLessThanOrEqual(tolerance);
          }
          await unet.release();
        }
      }
    }, 60_000);
});
