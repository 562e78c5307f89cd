// The splice is pure; the test runs the spliced models in onnxruntime-node because what matters is
// that ONNX Runtime accepts them and computes the same values.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeRuntime } from '../../engine/onnx-node';
import { DiffProbeError } from '../errors';
import { createRng, gaussian } from '../rng';
import { withGraphOutputs, withOnlyGraphOutputs } from './graph-outputs';
import { DataType, encodeModel } from './model';
import { ProtoReader } from './proto-reader';
import { readModel } from './reader';

const original = new Uint8Array(readFileSync('public/models/fashion-mnist-ddpm/model.onnx'));

describe('withGraphOutputs / withOnlyGraphOutputs (bytes)', () => {
  const tiny = encodeModel({
    name: 'tiny',
    opset: 17,
    inputs: [{ name: 'x', type: DataType.FLOAT, dims: ['N', 2] }],
    outputs: [{ name: 'y', type: DataType.FLOAT, dims: ['N', 2] }],
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['a'] },
      { op: 'Neg', inputs: ['a'], outputs: ['y'] },
    ],
  });

  it('appends outputs after the existing ones, leaving every other byte as it was', () => {
    const out = withGraphOutputs(tiny, [
      { name: 'a', elemType: 1 },
      { name: 'y', elemType: 1 }, // already an output: skipped
      { name: 'a', elemType: 1 }, // asked twice: once
    ]);
    const info = readModel(out);
    expect(info.outputs).toEqual([
      { name: 'y', elemType: 1, dims: ['N', 2] },
      { name: 'a', elemType: 1, dims: null },
    ]);
    expect(info.nodes).toEqual(readModel(tiny).nodes);
    // Only the graph's length prefix changed: before it, the old graph's bytes, and after it all is as it was.
    const top = new ProtoReader(tiny);
    let graph = { lengthAt: 0, start: 0, end: 0 };
    while (top.next()) {
      if (top.field === 7) graph = { lengthAt: top.pos, ...top.span() };
      else top.skip();
    }
    const prefix = new ProtoReader(out, graph.lengthAt);
    const newLength = prefix.varint();
    const oldLength = graph.end - graph.start;
    expect(out.subarray(0, graph.lengthAt)).toEqual(tiny.subarray(0, graph.lengthAt));
    expect(out.subarray(prefix.pos, prefix.pos + oldLength)).toEqual(tiny.subarray(graph.start, graph.end));
    expect(out.subarray(prefix.pos + newLength)).toEqual(tiny.subarray(graph.end));
    expect(out.length - tiny.length).toBe(newLength - oldLength + (prefix.pos - graph.start));
    expect(withGraphOutputs(tiny, [{ name: 'y', elemType: 1 }])).toBe(tiny);
  });

  it('drops outputs, and refuses to keep one the graph does not have', () => {
    const two = withGraphOutputs(tiny, [{ name: 'a', elemType: 1 }]);
    expect(readModel(withOnlyGraphOutputs(two, ['a'])).outputs.map((o) => o.name)).toEqual(['a']);
    expect(withOnlyGraphOutputs(two, ['y', 'a'])).toEqual(two);
    expect(() => withOnlyGraphOutputs(two, ['b'])).toThrow(DiffProbeError);
    expect(() => withOnlyGraphOutputs(two, ['b'])).toThrow('no graph output "b" (the outputs are "y", "a")');
  });

  it('splices a 6.7 MB model with one copy and a multi-byte length prefix', () => {
    const plain = withOnlyGraphOutputs(original, ['eps']);
    expect(readModel(plain).outputs.map((o) => o.name)).toEqual(['eps']);
    expect(original.length - plain.length).toBeGreaterThan(16 * 20);
    const back = withGraphOutputs(plain, [{ name: 'mid', elemType: 1 }]);
    expect(readModel(back).outputs.map((o) => o.name)).toEqual(['eps', 'mid']);
    expect(readModel(back).nodes).toHaveLength(920);
  });

  it('throws the reader’s error on bytes that are not a model', () => {
    expect(() => withGraphOutputs(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), [])).toThrow(
      'not an ONNX model (it is a PNG image)',
    );
  });
});

describe('spliced models in onnxruntime-node', () => {
  it('the default model stripped to ε, plus internal tensors as outputs, gives the original values bit for bit', async () => {
    const info = readModel(original);
    // The original's block outputs are tensors produced inside the graph: find their producers.
    const producer = new Map(info.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
    expect(producer.get('down1_1')?.name).toBe('/net/down.3/res/Add_1');
    expect(producer.get('up0_2')?.opType).toBe('Add');

    const plain = withOnlyGraphOutputs(original, ['eps']);
    const probed = withGraphOutputs(plain, [
      { name: 'down1_1', elemType: 1 },
      { name: 'up0_2', elemType: 1 },
      // Not an output of the original: the stride-2 Conv that starts level 2.
      { name: '/net/downsample.1/Conv_output_0', elemType: 1 },
    ]);
    const runtime = nodeRuntime();
    const [a, b, c] = await Promise.all([original, plain, probed].map((m) => runtime.createSession(m)));
    expect(b.outputNames).toEqual(['eps']);
    expect(c.outputNames).toEqual(['eps', 'down1_1', 'up0_2', '/net/downsample.1/Conv_output_0']);

    const n = 3;
    const feeds = {
      x_t: runtime.float32(gaussian(createRng(7), n * 28 * 28), [n, 1, 28, 28]),
      t: runtime.float32(Float32Array.from([0, 250, 999]), [n]),
    };
    const ra = await a.run(feeds);
    const rb = await b.run(feeds);
    const rc = await c.run(feeds);
    expect(rb.eps.data).toEqual(ra.eps.data);
    expect(rc.eps.data).toEqual(ra.eps.data);
    expect(rc.down1_1.dims).toEqual([n, 64, 14, 14]);
    expect(rc.down1_1.data).toEqual(ra.down1_1.data);
    expect(rc.up0_2.data).toEqual(ra.up0_2.data);
    expect(rc['/net/downsample.1/Conv_output_0'].dims).toEqual([n, 64, 7, 7]);
    await Promise.all([a, b, c].map((s) => s.release()));
  });
});
