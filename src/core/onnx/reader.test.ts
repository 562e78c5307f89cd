import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DiffProbeError } from '../errors';
import { createRng } from '../rng';
import { DataType, encodeModel } from './model';
import { ProtoReader } from './proto-reader';
import { ProtoWriter } from './protobuf';
import { elemTypeName, readModel } from './reader';

const DEFAULT_MODEL = 'public/models/fashion-mnist-ddpm/model.onnx';

function corruptMessage(bytes: Uint8Array): string {
  try {
    readModel(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(DiffProbeError);
    expect((error as DiffProbeError).code).toBe('model-corrupt');
    return (error as Error).message;
  }
  throw new Error('readModel accepted the bytes');
}

describe('ProtoReader', () => {
  it('reads varints, strings and packed fields as the protobuf spec’s examples', () => {
    const r = new ProtoReader(Uint8Array.from([0x08, 0x96, 0x01, 0x12, 0x02, 0x68, 0x69]));
    expect(r.next()).toBe(true);
    expect([r.field, r.wire, r.varint()]).toEqual([1, 0, 150]);
    expect(r.next()).toBe(true);
    expect([r.field, r.wire, r.string()]).toEqual([2, 2, 'hi']);
    expect(r.next()).toBe(false);
    const packed = new ProtoReader(Uint8Array.from([0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05]));
    packed.next();
    expect(packed.ints()).toEqual([3, 270, 86942]);
  });

  it('reads negative int64s (10-byte two’s complement) exactly', () => {
    const minusOne = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    const minus3 = [0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    const r = new ProtoReader(
      Uint8Array.from([0x08, ...minusOne, 0x08, ...minus3, 0x08, 0x80, 0x80, 0x80, 0x80, 0x10]),
    );
    const got: number[] = [];
    while (r.next()) got.push(r.int64());
    expect(got).toEqual([-1, -3, 2 ** 32]);
  });

  it('names the byte where a length runs past the file or past its message', () => {
    const r = new ProtoReader(Uint8Array.from([0x12, 0x05, 0x61]));
    r.next();
    expect(() => r.span()).toThrow('truncated: a field at byte 1 claims 5 bytes but the file ends at byte 3');
    // An inner message that claims more than its parent holds, inside a long enough file.
    const bytes = Uint8Array.from([0x0a, 0x02, 0x12, 0x05, 0, 0, 0, 0, 0, 0]);
    const outer = new ProtoReader(bytes);
    outer.next();
    const inner = outer.message();
    inner.next();
    expect(() => inner.span()).toThrow('corrupt protobuf: byte 3 holds a field of 5 bytes');
    expect(() => new ProtoReader(Uint8Array.from([0x0f])).next()).toThrow('wire type 7');
  });
});

describe('readModel on models written by core/onnx/model.ts', () => {
  const bytes = encodeModel({
    name: 'tiny',
    opset: 17,
    inputs: [
      { name: 'x', type: DataType.FLOAT, dims: ['N', 3, 8, 8] },
      { name: 't', type: DataType.INT64, dims: ['N'] },
      // Old exporters list initializers among the inputs too: not a real input.
      { name: 'w', type: DataType.FLOAT, dims: [4, 3, 3, 3] },
    ],
    outputs: [{ name: 'y', type: DataType.FLOAT, dims: ['N', 4, 4, 4] }],
    initializers: [{ name: 'w', type: DataType.FLOAT, dims: [4, 3, 3, 3], data: new Float32Array(108) }],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attributes: { strides: [2, 2], group: 1 } },
      { op: 'LeakyRelu', inputs: ['c'], outputs: ['y'], attributes: { alpha: { float: 0.25 } } },
    ],
  });

  it('reads back the graph, its shapes and attributes', () => {
    const info = readModel(bytes);
    expect(info.irVersion).toBe(8);
    expect(info.opsets).toEqual([{ domain: '', version: 17 }]);
    expect(info.producer).toBe('diffprobe');
    expect(info.graphName).toBe('tiny');
    expect(info.inputs).toEqual([
      { name: 'x', elemType: 1, dims: ['N', 3, 8, 8] },
      { name: 't', elemType: 7, dims: ['N'] },
    ]);
    expect(info.outputs).toEqual([{ name: 'y', elemType: 1, dims: ['N', 4, 4, 4] }]);
    expect(info.initializers).toEqual([{ name: 'w', elemType: 1, dims: [4, 3, 3, 3], external: false }]);
    expect(info.externalData).toBe(false);
    expect(info.nodes.map((n) => [n.name, n.opType, n.domain, n.inputs, n.outputs])).toEqual([
      ['Conv_0', 'Conv', '', ['x', 'w'], ['c']],
      ['LeakyRelu_1', 'LeakyRelu', '', ['c'], ['y']],
    ]);
    expect(info.nodes[0].attributes.get('strides')).toEqual({ type: 'ints', value: [2, 2] });
    expect(info.nodes[0].attributes.get('group')).toEqual({ type: 'int', value: 1 });
    expect(info.nodes[1].attributes.get('alpha')).toEqual({ type: 'float', value: 0.25 });
  });

  it('reads negative, unpacked and string attributes, Constant nodes and external data', () => {
    const minusOne = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    const axis = Uint8Array.from([...new ProtoWriter().string(1, 'axis').finish(), 0x18, ...minusOne]);
    // INTS written unpacked (one tag per value), as some writers do, with a negative value.
    const starts = Uint8Array.from([
      ...new ProtoWriter().string(1, 'starts').finish(),
      0x40,
      ...minusOne,
      0x40,
      0x02,
      0xa0,
      0x01,
      0x07,
    ]);
    const mode = new ProtoWriter().string(1, 'mode').string(4, 'linear').int(20, 3);
    const tensorAttr = new ProtoWriter()
      .string(1, 'value')
      .message(5, new ProtoWriter().packedInts(1, [2]).int(2, 7).bytes(9, new Uint8Array(16)))
      .int(20, 4);
    const graph = new ProtoWriter()
      .message(
        1,
        new ProtoWriter().string(2, 'k').string(3, 'const').string(4, 'Constant').message(5, tensorAttr),
      )
      .message(
        1,
        new ProtoWriter()
          .string(1, 'a')
          .string(1, '')
          .string(2, 'b')
          .string(3, '/x/y z.0/Concat')
          .string(4, 'Concat')
          .string(7, 'com.example')
          .bytes(5, axis)
          .message(5, mode)
          .bytes(5, starts),
      )
      .string(2, 'g')
      .message(
        5,
        new ProtoWriter()
          .packedInts(1, [3])
          .int(2, 1)
          .string(8, 'big')
          .message(13, new ProtoWriter().string(1, 'location').string(2, 'weights.bin'))
          .message(13, new ProtoWriter().string(1, 'offset').string(2, '0'))
          .int(14, 1),
      )
      .message(11, new ProtoWriter().string(1, 'a'));
    const model = new ProtoWriter()
      .int(1, 9)
      .message(7, graph)
      .message(8, new ProtoWriter().string(1, '').int(2, 18))
      .message(8, new ProtoWriter().string(1, 'com.microsoft').int(2, 1))
      .finish();
    const info = readModel(model);
    expect(info.opsets).toEqual([
      { domain: '', version: 18 },
      { domain: 'com.microsoft', version: 1 },
    ]);
    expect(info.inputs).toEqual([{ name: 'a', elemType: 0, dims: null }]);
    expect(info.constants).toEqual(['k']);
    expect(info.nodes[0].attributes.get('value')).toEqual({ type: 'tensor', elemType: 7, dims: [2] });
    const concat = info.nodes[1];
    expect([concat.name, concat.domain, concat.inputs]).toEqual([
      '/x/y z.0/Concat',
      'com.example',
      ['a', ''],
    ]);
    expect(concat.attributes.get('axis')).toEqual({ type: 'int', value: -1 });
    expect(concat.attributes.get('mode')).toEqual({ type: 'string', value: 'linear' });
    expect(concat.attributes.get('starts')).toEqual({ type: 'ints', value: [-1, 2] });
    expect(info.externalData).toBe(true);
    expect(info.externalFiles).toEqual(['weights.bin']);
    expect(info.initializers).toEqual([{ name: 'big', elemType: 1, dims: [3], external: true }]);
  });
});

describe('readModel on the default model', () => {
  const bytes = new Uint8Array(readFileSync(DEFAULT_MODEL));

  it('finds its opset, inputs, the ε output, the 16 block outputs and the nodes behind them', () => {
    const info = readModel(bytes);
    expect(info.irVersion).toBe(8);
    expect(info.opsets).toEqual([{ domain: '', version: 17 }]);
    expect(info.graphName).toBe('torch_jit');
    expect(info.inputs).toEqual([
      { name: 'x_t', elemType: 1, dims: ['N', 1, 28, 28] },
      { name: 't', elemType: 1, dims: ['N'] },
    ]);
    expect(info.outputs.map((o) => o.name)).toEqual([
      'eps',
      ...['down0_0', 'down0_1', 'down1_0', 'down1_1', 'down2_0', 'down2_1', 'mid'],
      ...['up2_0', 'up2_1', 'up2_2', 'up1_0', 'up1_1', 'up1_2', 'up0_0', 'up0_1', 'up0_2'],
    ]);
    expect(info.outputs[3]).toEqual({ name: 'down1_0', elemType: 1, dims: ['N', 64, 14, 14] });
    expect(info.nodes).toHaveLength(920);
    expect(info.initializers).toHaveLength(245);
    expect(info.constants).toHaveLength(263);
    expect(info.externalData).toBe(false);
    const byName = new Map(info.nodes.map((n) => [n.name, n]));
    expect(byName.get('/net/downsample.0/Conv')?.attributes.get('strides')).toEqual({
      type: 'ints',
      value: [2, 2],
    });
    expect(byName.get('/net/Concat')?.attributes.get('axis')).toEqual({ type: 'int', value: 1 });
    expect(byName.get('/net/Concat')?.inputs).toEqual(['mid', 'down2_1']);
    expect(byName.get('/net/down.0/res/Add_1')?.outputs).toEqual(['down0_0']);
  });

  it('reports a truncated copy with the byte that claims too much', () => {
    const half = bytes.subarray(0, Math.floor(bytes.length / 2));
    expect(corruptMessage(half)).toMatch(
      new RegExp(
        `^truncated: a field at byte \\d+ claims \\d+ bytes but the file ends at byte ${half.length}$`,
      ),
    );
  });
});

describe('readModel on things that are not ONNX', () => {
  it('names an empty file, a PNG, JSON text', () => {
    expect(corruptMessage(new Uint8Array(0))).toBe('not an ONNX model (the file is empty)');
    const png = new Uint8Array(readFileSync('docs/img/samples.png'));
    expect(corruptMessage(png)).toBe('not an ONNX model (it is a PNG image)');
    const json = new Uint8Array(readFileSync('public/models/fashion-mnist-ddpm/manifest.json'));
    expect(corruptMessage(json)).toBe('not an ONNX model (it looks like JSON text)');
  });

  it('rejects random bytes as model-corrupt, saying why', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const rng = createRng(seed);
      const bytes = Uint8Array.from({ length: 4096 }, () => rng.nextUint32() & 0xff);
      expect(corruptMessage(bytes)).toMatch(/^not an ONNX model \(/);
    }
  });

  it('rejects a protobuf that is not a ModelProto, and one without a graph', () => {
    const other = new ProtoWriter().string(9, 'hello').int(1, 1).finish();
    expect(corruptMessage(other)).toMatch(/^not an ONNX model \(byte 0 holds field 9 with wire type 2/);
    const noGraph = new ProtoWriter().int(1, 8).string(2, 'x').finish();
    expect(corruptMessage(noGraph)).toBe('not an ONNX model (it has no graph)');
  });
});

describe('elemTypeName', () => {
  it('names ONNX element types', () => {
    expect([elemTypeName(1), elemTypeName(7), elemTypeName(10), elemTypeName(99)]).toEqual([
      'float',
      'int64',
      'float16',
      'type 99',
    ]);
  });
});
