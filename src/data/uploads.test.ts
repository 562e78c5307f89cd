import { describe, expect, it } from 'vitest';
import { defaultManifest } from '../state/test-models';
import { inputKey, uploadId } from './uploads';

describe('upload ids', () => {
  it('come from the file bytes (sha256 prefix), so every model sees the same id', async () => {
    const bytes = new TextEncoder().encode('abc');
    // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    expect(await uploadId(bytes)).toBe('upload:ba7816bf8f01');
    expect(await uploadId(new TextEncoder().encode('abd'))).not.toBe('upload:ba7816bf8f01');
  });
});

describe('inputKey', () => {
  it('changes with anything the conversion depends on', () => {
    const key = inputKey(defaultManifest);
    const { input, preprocessing } = defaultManifest;
    expect(inputKey({ input: { ...input, width: 32 }, preprocessing })).not.toBe(key);
    expect(inputKey({ input: { ...input, channels: 3 }, preprocessing })).not.toBe(key);
    expect(inputKey({ input: { ...input, range: [0, 1] }, preprocessing })).not.toBe(key);
    expect(inputKey({ input, preprocessing: { ...preprocessing, mean: [0.4] } })).not.toBe(key);
    expect(inputKey({ input, preprocessing: { ...preprocessing, std: [0.25] } })).not.toBe(key);
    expect(inputKey({ input, preprocessing: { ...preprocessing, invert: 'never' } })).not.toBe(key);
    expect(inputKey({ input, preprocessing: { ...preprocessing, color: 'rgb' } })).not.toBe(key);
    // …and not with what it does not (the input's ONNX name, the model's name or blocks).
    expect(inputKey({ input: { ...input, name: 'sample' }, preprocessing })).toBe(key);
  });
});
