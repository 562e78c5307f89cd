import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeRuntime } from '../../engine/onnx-node';
import { isDiffProbeError } from '../errors';
import { float16Bits, float16Value } from '../float16';
import {
  type AttributeValue,
  DataType,
  encodeModel,
  type InitializerSpec,
  type NodeSpec,
} from '../onnx/model';
import { ProtoWriter } from '../onnx/protobuf';
import { tensorPayloads } from '../onnx/tensor-payloads';
import { createRng, gaussian } from '../rng';
import { randomTwin, type TwinModel } from './random-twin';

/** Byte-for-byte equality (vitest's toEqual walks large typed arrays element by element, slowly). */
function same(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return (
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}

const ROOT = resolve(import.meta.dirname, '../../..');
const DEFAULT = new Uint8Array(readFileSync(resolve(ROOT, 'public/models/fashion-mnist-ddpm/model.onnx')));
const TORCH: {
  params: Record<string, { kind: 'uniform' | 'constant'; bound?: number; value?: number; shape: number[] }>;
  zeroInitialisedByUnetPy: string[];
} = JSON.parse(readFileSync(resolve(ROOT, 'tools/model/fixtures/core/torch-init.json'), 'utf8'));

/** The values of a constant tensor in model bytes (float32 raw_data or float_data, or external). */
function valuesOf(
  model: TwinModel | { bytes: Uint8Array; externalData: TwinModel['externalData'] },
  name: string,
) {
  const p = tensorPayloads(model.bytes).find((t) => t.name === name)!;
  const s = p.storage;
  let bytes: Uint8Array;
  if (s.kind === 'raw' || s.kind === 'packed') bytes = model.bytes.slice(s.start, s.end);
  else if (s.kind === 'external') {
    const file = model.externalData.find((f) => f.path === s.location)!.data;
    bytes = file.slice(s.offset, s.offset + s.length);
  } else throw new Error(`no payload for ${name}`);
  if (p.elemType === DataType.FLOAT) return new Float32Array(bytes.buffer);
  if (p.elemType === 10) return Float32Array.from(new Uint16Array(bytes.buffer), float16Value);
  throw new Error(`dtype ${p.elemType}`);
}

describe('the default model’s twin', () => {
  const twin = randomTwin(DEFAULT, [], { seed: 0, timestepInputs: ['t'] });
  const entries = new Map(twin.report.entries.map((e) => [e.name, e]));
  /** The torch parameter a report entry stands for ("net.down.0.res.conv1.weight", or by the GroupNorm node). */
  const torchName = (e: (typeof twin.report.entries)[number]) => {
    if (e.name.startsWith('net.')) return e.name.slice(4);
    const m = /\/net\/(.+)\/(Mul|Add) input/.exec(e.where);
    return m ? `${m[1].replace(/\//g, '.')}.${m[2] === 'Mul' ? 'weight' : 'bias'}` : null;
  };

  it('re-draws every Conv and Gemm parameter with PyTorch’s bound for that layer, resets every GroupNorm', () => {
    const seen = new Set<string>();
    for (const e of twin.report.entries) {
      if (e.source !== 'initializer' || e.action === 'kept') continue;
      const name = torchName(e)!;
      const torch = TORCH.params[name];
      expect(torch, `${e.name} → ${name}`).toBeDefined();
      seen.add(name);
      const values = valuesOf(twin, e.name);
      expect(values.length).toBe(torch.shape.reduce((a, b) => a * b, 1));
      if (torch.kind === 'constant') {
        expect(e.action).toBe('reset');
        expect(new Set(values)).toEqual(new Set([torch.value]));
      } else {
        expect(e.action).toBe('redrawn');
        const b = torch.bound!;
        expect(e.detail).toContain(b.toPrecision(4));
        let max = 0;
        let sum = 0;
        let sq = 0;
        for (const v of values) {
          max = Math.max(max, Math.abs(v));
          sum += v;
          sq += v * v;
        }
        expect(max).toBeLessThanOrEqual(b);
        if (values.length >= 1000) {
          // U(−b, b): mean 0, variance b²/3 (n ≥ 1000: within a few standard errors).
          expect(Math.abs(sum / values.length)).toBeLessThan((4 * b) / Math.sqrt(3 * values.length));
          expect(sq / values.length / ((b * b) / 3)).toBeGreaterThan(0.85);
          expect(sq / values.length / ((b * b) / 3)).toBeLessThan(1.15);
          expect(max).toBeGreaterThan(0.99 * b);
        }
      }
    }
    expect(seen).toEqual(new Set(Object.keys(TORCH.params)));
  });

  it('keeps the sinusoidal timestep table bit for bit and lists it with the reason', () => {
    const e = entries.get('sinusoids')!;
    expect(e).toMatchObject({ action: 'kept', role: 'timestep table' });
    const kept = valuesOf(twin, 'sinusoids');
    expect(same(kept, valuesOf({ bytes: DEFAULT, externalData: [] }, 'sinusoids'))).toBe(true);
    expect(twin.report).toMatchObject({ redrawn: 162, kept: 1 });
  });

  it('draws the layers unet.py zero-initialises like any other (PyTorch’s layer default)', () => {
    expect(TORCH.zeroInitialisedByUnetPy).toContain('down.0.res.conv2.weight');
    const w = valuesOf(twin, 'net.down.0.res.conv2.weight');
    expect(w.some((v) => v !== 0)).toBe(true);
  });

  it('changes only the payloads: the graph and every other byte are as they were', () => {
    expect(twin.bytes.length).toBe(DEFAULT.length);
    const spans = tensorPayloads(DEFAULT).flatMap((p) => (p.storage.kind === 'raw' ? [p.storage] : []));
    const inPayload = new Uint8Array(DEFAULT.length);
    for (const s of spans) inPayload.fill(1, s.start, s.end);
    let changedOutside = 0;
    for (let i = 0; i < DEFAULT.length; i++)
      if (!inPayload[i] && twin.bytes[i] !== DEFAULT[i]) changedOutside++;
    expect(changedOutside).toBe(0);
  });

  it('is the twin docs/results.md was computed with (sha256 of init seed 0)', () => {
    const sha = createHash('sha256').update(twin.bytes).digest('hex');
    expect(sha).toBe('cd87d37c3e6f33583698b07371cfd515880b67d69dfc27eb7074b2ee9fcbac43');
  });

  it('is seeded: the same seed gives the same bytes, another seed others, and a twin’s twin is itself', () => {
    const again = randomTwin(DEFAULT, [], { seed: 0, timestepInputs: ['t'] });
    expect(same(again.bytes, twin.bytes)).toBe(true);
    const other = randomTwin(DEFAULT, [], { seed: 1, timestepInputs: ['t'] });
    expect(valuesOf(other, 'net.inp.weight')).not.toEqual(valuesOf(twin, 'net.inp.weight'));
    expect(same(randomTwin(twin.bytes, [], { seed: 0, timestepInputs: ['t'] }).bytes, twin.bytes)).toBe(true);
  });

  it('runs in onnxruntime-node with finite outputs that differ from the trained model’s', async () => {
    const runtime = nodeRuntime();
    const [a, b] = await Promise.all([DEFAULT, twin.bytes].map((m) => runtime.createSession(m)));
    const n = 2;
    const feeds = {
      x_t: runtime.float32(gaussian(createRng(3), n * 28 * 28), [n, 1, 28, 28]),
      t: runtime.float32(Float32Array.from([10, 500]), [n]),
    };
    const ra = await a.run(feeds);
    const rb = await b.run(feeds);
    const mid = rb.mid.data as Float32Array;
    expect(mid.every(Number.isFinite)).toBe(true);
    expect(mid.some((v, i) => Math.abs(v - (ra.mid.data as Float32Array)[i]) > 1e-3)).toBe(true);
    await Promise.all([a.release(), b.release()]);
  });
});

// ---- Graphs with unusual layouts, written with the project's own ONNX writer. ----

function floats(name: string, dims: number[], seed = 1): InitializerSpec {
  const n = dims.reduce((a, b) => a * b, 1);
  return { name, type: DataType.FLOAT, dims, data: gaussian(createRng(seed), n) };
}

function model(nodes: NodeSpec[], initializers: InitializerSpec[], inputs = ['x'], extra: Uint8Array[] = []) {
  const bytes = encodeModel({
    name: 'g',
    opset: 17,
    nodes,
    initializers,
    inputs: inputs.map((name) => ({ name, type: DataType.FLOAT, dims: ['N', 4] })),
    outputs: [{ name: 'y', type: DataType.FLOAT, dims: [] }],
  });
  return extra.length ? appendToGraph(bytes, extra) : bytes;
}

/** Appends hand-written GraphProto fields (initializers stored in other ways) to a model. */
function appendToGraph(bytes: Uint8Array, fields: Uint8Array[]): Uint8Array {
  // encodeModel writes ir_version (field 1), producer (2), then the graph (7): re-read and rebuild.
  const parts: Uint8Array[] = [];
  let i = 0;
  let graph: Uint8Array | null = null;
  while (i < bytes.length) {
    const tag = bytes[i];
    const field = tag >> 3;
    const wire = tag & 7;
    let j = i + 1;
    if (wire === 0) {
      while (bytes[j] & 0x80) j++;
      j++;
      parts.push(bytes.slice(i, j));
    } else {
      let len = 0;
      let shift = 0;
      while (true) {
        const b = bytes[j++];
        len += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if (b < 0x80) break;
      }
      const body = bytes.slice(j, j + len);
      j += len;
      if (field === 7) graph = body;
      else parts.push(bytes.slice(i, j));
    }
    i = j;
  }
  const g = new ProtoWriter();
  const whole = new Uint8Array([...graph!, ...fields.flatMap((f) => [...f])]);
  g.bytes(7, whole);
  const out = new Uint8Array([...parts.flatMap((p) => [...p]), ...g.finish()]);
  return out;
}

function tensorField(name: string, dims: number[], build: (w: ProtoWriter) => void): Uint8Array {
  const t = new ProtoWriter().packedInts(1, dims).int(2, DataType.FLOAT).string(8, name);
  build(t);
  return new ProtoWriter().message(5, t).finish();
}

const node = (
  op: string,
  inputs: string[],
  outputs: string[],
  attributes?: Record<string, AttributeValue>,
) => ({
  op,
  name: `/${op}_${outputs[0]}`,
  inputs,
  outputs,
  attributes,
});

function rolesOf(twin: TwinModel) {
  return Object.fromEntries(twin.report.entries.map((e) => [e.name, `${e.action} ${e.role}`]));
}

function boundOf(twin: TwinModel, name: string): number {
  const m = /U\(±([\d.e-]+)\)/.exec(twin.report.entries.find((e) => e.name === name)!.detail);
  return Number(m![1]);
}

describe('unusual layouts', () => {
  it('Gemm with transB = 0 and with transA, MatMul with the weight first or transposed: fan_in is the contracted size', () => {
    const bytes = model(
      [
        node('Gemm', ['x', 'g0.w', 'g0.b'], ['a']),
        node('Gemm', ['g1.w', 'a'], ['b'], { transA: 1 }),
        node('MatMul', ['m0.w', 'b'], ['c']),
        node('Transpose', ['m1.w'], ['m1.wt'], { perm: [1, 0] }),
        node('MatMul', ['c', 'm1.wt'], ['d']),
        node('Add', ['m1.b', 'd'], ['y']),
      ],
      [
        floats('g0.w', [4, 6]),
        floats('g0.b', [6]),
        floats('g1.w', [5, 3]),
        floats('m0.w', [7, 3]),
        floats('m1.w', [9, 6]),
        floats('m1.b', [9]),
      ],
    );
    const twin = randomTwin(bytes, [], { seed: 3 });
    expect(rolesOf(twin)).toEqual({
      'g0.w': 'redrawn Gemm weight',
      'g0.b': 'redrawn Gemm bias',
      'g1.w': 'redrawn Gemm weight',
      'm0.w': 'redrawn MatMul weight',
      'm1.w': 'redrawn MatMul weight',
      'm1.b': 'redrawn MatMul bias',
    });
    expect(boundOf(twin, 'g0.w')).toBeCloseTo(1 / Math.sqrt(4), 3);
    expect(boundOf(twin, 'g0.b')).toBeCloseTo(1 / Math.sqrt(4), 3);
    expect(boundOf(twin, 'g1.w')).toBeCloseTo(1 / Math.sqrt(5), 3);
    expect(boundOf(twin, 'm0.w')).toBeCloseTo(1 / Math.sqrt(3), 3);
    // [9, 6] transposed to [6, 9]: x·Wᵀ contracts the 6, the bias has 9 values.
    expect(boundOf(twin, 'm1.w')).toBeCloseTo(1 / Math.sqrt(6), 3);
    expect(boundOf(twin, 'm1.b')).toBeCloseTo(1 / Math.sqrt(6), 3);
  });

  it('ConvTranspose with groups, a Conv without bias followed by an Add, and one weight shared by two convs', () => {
    const bytes = model(
      [
        node('ConvTranspose', ['x', 'ct.w', 'ct.b'], ['a'], { group: 2 }),
        node('Conv', ['a', 'shared.w'], ['b']),
        node('Add', ['b', 'b.bias'], ['c']),
        node('Conv', ['c', 'shared.w'], ['y']),
      ],
      [
        floats('ct.w', [8, 3, 4, 4]),
        floats('ct.b', [6]),
        floats('shared.w', [6, 6, 3, 3]),
        floats('b.bias', [6, 1, 1]),
      ],
    );
    const twin = randomTwin(bytes, [], { seed: 0 });
    expect(rolesOf(twin)).toEqual({
      'ct.w': 'redrawn ConvTranspose weight',
      'ct.b': 'redrawn ConvTranspose bias',
      'shared.w': 'redrawn Conv weight',
      'b.bias': 'redrawn Conv bias',
    });
    // torch: ConvTranspose2d weight [in, out/groups, k, k] → fan_in = (out/groups)·k² = 3·16.
    expect(boundOf(twin, 'ct.w')).toBeCloseTo(1 / Math.sqrt(48), 3);
    expect(boundOf(twin, 'b.bias')).toBeCloseTo(1 / Math.sqrt(54), 3);
    expect(twin.report.entries.filter((e) => e.name === 'shared.w')).toHaveLength(1);
  });

  it('BatchNorm, LayerNorm and a written-out layer norm are reset; tables by timestep are kept, by label re-drawn N(0, 1)', () => {
    const bytes = model(
      [
        node('BatchNormalization', ['x', 'bn.s', 'bn.b', 'bn.m', 'bn.v'], ['a']),
        node('LayerNormalization', ['a', 'ln.s', 'ln.b'], ['b']),
        node('ReduceMean', ['b'], ['mu'], { axes: [1] }),
        node('Sub', ['b', 'mu'], ['d']),
        node('Mul', ['d', 'd'], ['d2']),
        node('ReduceMean', ['d2'], ['var'], { axes: [1] }),
        node('Add', ['var', 'eps'], ['ve']),
        node('Sqrt', ['ve'], ['sd']),
        node('Div', ['d', 'sd'], ['nrm']),
        node('Mul', ['nrm', 'hand.s'], ['sc']),
        node('Add', ['sc', 'hand.b'], ['e']),
        node('Cast', ['t'], ['ti'], { to: 7 }),
        node('Gather', ['sinusoids', 'ti'], ['temb']),
        node('Cast', ['label'], ['li'], { to: 7 }),
        node('Gather', ['label_emb', 'li'], ['lemb']),
        node('Add', ['temb', 'lemb'], ['f']),
        node('Gemm', ['f', 'w', 'wb'], ['g'], { transB: 1 }),
        node('Add', ['e', 'g'], ['y']),
      ],
      [
        floats('bn.s', [4]),
        floats('bn.b', [4]),
        floats('bn.m', [4]),
        floats('bn.v', [4]),
        floats('ln.s', [4]),
        floats('ln.b', [4]),
        floats('eps', []),
        floats('hand.s', [4]),
        floats('hand.b', [4]),
        floats('sinusoids', [1000, 8]),
        floats('label_emb', [10, 8]),
        floats('w', [4, 8]),
        floats('wb', [4]),
      ],
      ['x', 't', 'label'],
    );
    const twin = randomTwin(bytes, [], { seed: 5, timestepInputs: ['t'] });
    expect(rolesOf(twin)).toEqual({
      'bn.s': 'reset normalisation scale',
      'bn.b': 'reset normalisation shift',
      'bn.m': 'reset normalisation running mean',
      'bn.v': 'reset normalisation running variance',
      'ln.s': 'reset normalisation scale',
      'ln.b': 'reset normalisation shift',
      eps: 'kept scalar constant',
      'hand.s': 'reset normalisation scale',
      'hand.b': 'reset normalisation shift',
      sinusoids: 'kept timestep table',
      label_emb: 'redrawn embedding table',
      w: 'redrawn Gemm weight',
      wb: 'redrawn Gemm bias',
    });
    expect([...valuesOf(twin, 'bn.v')]).toEqual([1, 1, 1, 1]);
    expect([...valuesOf(twin, 'hand.b')]).toEqual([0, 0, 0, 0]);
    expect(valuesOf(twin, 'sinusoids')).toEqual(valuesOf({ bytes, externalData: [] }, 'sinusoids'));
    const emb = valuesOf(twin, 'label_emb');
    const std = Math.sqrt(emb.reduce((s, v) => s + v * v, 0) / emb.length);
    expect(std).toBeGreaterThan(0.6);
    expect(std).toBeLessThan(1.4);
  });

  it('float16 weights, float_data storage, external data and a weight held in a Constant node', () => {
    const half = new Uint16Array(6 * 4).fill(float16Bits(0.5));
    const ext = new Float32Array(3 * 4).fill(7);
    const file = new Uint8Array(16 + ext.byteLength);
    file.set(new Uint8Array(ext.buffer), 16);
    const constantWeight = new ProtoWriter()
      .packedInts(1, [4, 2])
      .int(2, DataType.FLOAT)
      .bytes(9, new Uint8Array(new Float32Array(8).fill(3).buffer));
    const constantNode = new ProtoWriter()
      .string(2, 'cw')
      .string(3, '/Constant_cw')
      .string(4, 'Constant')
      .message(5, new ProtoWriter().string(1, 'value').message(5, constantWeight).int(20, 4));
    const bytes = model(
      [
        node('Cast', ['x'], ['x16'], { to: 10 }),
        node('MatMul', ['x16', 'w16'], ['a16']),
        node('Cast', ['a16'], ['a'], { to: 1 }),
        node('Gemm', ['a', 'fd'], ['b'], { transB: 1 }),
        node('MatMul', ['b', 'ext'], ['c']),
        node('MatMul', ['c', 'cw'], ['y']),
      ],
      [{ name: 'w16', type: 10 as never, dims: [4, 6], data: half }],
      ['x'],
      [
        tensorField('fd', [4, 6], (w) => w.bytes(4, new Uint8Array(new Float32Array(24).fill(2).buffer))),
        tensorField('ext', [4, 3], (w) => {
          for (const [k, v] of [
            ['location', 'weights.bin'],
            ['offset', '16'],
            ['length', String(ext.byteLength)],
          ])
            w.message(13, new ProtoWriter().string(1, k).string(2, v));
          w.int(14, 1);
        }),
        new ProtoWriter().message(1, constantNode).finish(),
      ],
    );
    const twin = randomTwin(bytes, [{ path: 'weights.bin', data: file }], { seed: 9 });
    expect(rolesOf(twin)).toEqual({
      w16: 'redrawn MatMul weight',
      fd: 'redrawn Gemm weight',
      ext: 'redrawn MatMul weight',
      cw: 'redrawn MatMul weight',
    });
    const w16 = valuesOf(twin, 'w16');
    expect(w16.every((v) => Math.abs(v) <= 0.5 && v !== 0.5)).toBe(true);
    expect(valuesOf(twin, 'fd').every((v) => Math.abs(v) <= 0.5)).toBe(true);
    expect(valuesOf(twin, 'ext').every((v) => Math.abs(v) <= 0.5)).toBe(true);
    // The external file's bytes before the tensor are untouched; the original file is not modified.
    expect(twin.externalData[0].data.subarray(0, 16)).toEqual(file.subarray(0, 16));
    expect(new Float32Array(file.buffer.slice(16))[0]).toBe(7);
    expect(valuesOf(twin, 'cw').every((v) => Math.abs(v) <= 1 / Math.sqrt(3) && v !== 3)).toBe(true);
  });

  it('a learned positional embedding it cannot place is kept and named “not recognised”', () => {
    const bytes = model(
      [node('Add', ['x', 'pos'], ['a']), node('MatMul', ['a', 'w'], ['y'])],
      [floats('pos', [1, 4]), floats('w', [4, 4])],
    );
    const twin = randomTwin(bytes, [], { seed: 0 });
    expect(rolesOf(twin)).toEqual({ pos: 'kept not recognised', w: 'redrawn MatMul weight' });
  });

  it('a model whose initializers are all constants has no twin: one clear error', () => {
    const bytes = model(
      [
        node('Mul', ['x', 'two'], ['a']),
        node('Reshape', ['a', 'shape'], ['b']),
        node('Resize', ['b', '', 'scales'], ['y'], { mode: 0 }),
      ],
      [
        { name: 'two', type: DataType.FLOAT, dims: [], data: Float32Array.of(2) },
        { name: 'shape', type: DataType.INT64, dims: [2], data: BigInt64Array.of(-1n, 4n) },
        { name: 'scales', type: DataType.FLOAT, dims: [2], data: Float32Array.of(1, 2) },
      ],
    );
    let error: unknown;
    try {
      randomTwin(bytes, [], { seed: 0 });
    } catch (e) {
      error = e;
    }
    expect(isDiffProbeError(error, 'twin-no-weights')).toBe(true);
    expect((error as Error).message).toMatch(/none of the graph's 3 constant tensors is a learned weight/);
    expect((error as Error).message).toMatch(/1 scalar constant, 1 not a float tensor, 1 operator argument/);
  });
});
