import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { unsupportedOnWebGpu, WEBGPU_OPS, WEBGPU_OPS_ORT_VERSION } from './webgpu-ops';

const ops = (...opTypes: string[]) => opTypes.map((opType) => ({ opType, domain: '' }));

describe('WEBGPU_OPS', () => {
  it('was read from the onnxruntime-web version that is installed (refresh the list when this fails)', () => {
    const pkg = JSON.parse(
      readFileSync(new URL('../../node_modules/onnxruntime-web/package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    expect(pkg.version).toBe(WEBGPU_OPS_ORT_VERSION);
  });

  it('has the convolution, normalization, attention and layout ops of a U-Net', () => {
    for (const op of ['Conv', 'Add', 'Concat', 'Resize', 'InstanceNormalization', 'Softmax', 'MatMul'])
      expect(WEBGPU_OPS.has(op), op).toBe(true);
    for (const op of ['ConvTranspose', 'Gemm', 'Einsum', 'LayerNormalization', 'Gelu', 'Sigmoid', 'Where'])
      expect(WEBGPU_OPS.has(op), op).toBe(true);
  });

  it('holds 107 operator names, sorted, without ORT’s internal copy nodes', () => {
    const names = [...WEBGPU_OPS];
    expect(names).toHaveLength(107);
    expect(names).toEqual([...names].sort());
    for (const name of names) expect(name).toMatch(/^[A-Z][A-Za-z0-9]*$/);
    expect(WEBGPU_OPS.has('MemcpyFromHost')).toBe(false);
    expect(WEBGPU_OPS.has('MemcpyToHost')).toBe(false);
  });
});

describe('unsupportedOnWebGpu', () => {
  it('is empty for a graph of supported ops', () => {
    expect(unsupportedOnWebGpu(ops('Conv', 'InstanceNormalization', 'Sigmoid', 'Mul', 'Resize'))).toEqual([]);
    expect(unsupportedOnWebGpu([])).toEqual([]);
  });

  it('reports the ops without a WebGPU kernel, sorted and once each', () => {
    const nodes = ops('Conv', 'Mod', 'GroupNormalization', 'Add', 'Mod', 'ConstantOfShape', 'Round', 'Sum');
    expect(unsupportedOnWebGpu(nodes)).toEqual(['GroupNormalization', 'Mod', 'Round', 'Sum']);
  });

  it('does not count the shape-building ops ORT keeps on the CPU anyway', () => {
    expect(unsupportedOnWebGpu(ops('Constant', 'ConstantOfShape', 'Size', 'Conv'))).toEqual([]);
  });

  it("treats '', 'ai.onnx' and a missing domain as ai.onnx", () => {
    expect(
      unsupportedOnWebGpu([
        { opType: 'Softmax', domain: 'ai.onnx' },
        { opType: 'MatMul' },
        { opType: 'Mod', domain: 'ai.onnx' },
        { opType: 'Sign' },
        { opType: 'Sign', domain: '' },
      ]),
    ).toEqual(['Mod', 'Sign']);
  });

  it('names ops of other domains as domain::Op, even when an ai.onnx op has that name', () => {
    expect(
      unsupportedOnWebGpu([
        { opType: 'QuickGelu', domain: 'com.microsoft' },
        { opType: 'Gelu', domain: 'com.microsoft' },
        { opType: 'Gelu', domain: '' },
        { opType: 'LabelEncoder', domain: 'ai.onnx.ml' },
        { opType: 'QuickGelu', domain: 'com.microsoft' },
      ]),
    ).toEqual(['ai.onnx.ml::LabelEncoder', 'com.microsoft::Gelu', 'com.microsoft::QuickGelu']);
  });

  it('takes any iterable of nodes', () => {
    function* nodes() {
      yield { opType: 'Trilu', domain: '' };
      yield { opType: 'CastLike', domain: '' };
    }
    expect(unsupportedOnWebGpu(nodes())).toEqual(['CastLike']);
  });
});
