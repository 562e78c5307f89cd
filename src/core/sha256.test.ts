import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sha256Hex, sha256Incremental } from './sha256';

const hex = (d: Uint8Array) => Buffer.from(d).toString('hex');

/** 2 MB and a few bytes: more than two slices of 1 MB (the tests' slice size, for 64 MB in the app). */
function bigData(): Uint8Array {
  const data = new Uint8Array(2 * 2 ** 20 + 7);
  for (let i = 0; i < data.length; i += 4093) data[i] = i % 251;
  return data;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('sha256Hex', () => {
  it('gives sha256sum’s digest, through WebCrypto', async () => {
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(await sha256Hex(new TextEncoder().encode('abc'), 8)).toBe('ba7816bf8f01cfea');
  });

  it('hashes incrementally, over several slices, to the same digest', async () => {
    const data = bigData();
    const want = createHash('sha256').update(data).digest('hex');
    expect(hex(await sha256Incremental(data, 2 ** 20))).toBe(want);
    // One slice of the app's size, and a buffer shorter than a slice.
    expect(hex(await sha256Incremental(data))).toBe(want);
    expect(hex(await sha256Incremental(data.subarray(0, 3), 2 ** 20))).toBe(
      createHash('sha256').update(data.subarray(0, 3)).digest('hex'),
    );
  });

  it('where WebCrypto refuses a buffer past the safe size (Chromium past 2 GiB), falls back to it', async () => {
    const data = bigData();
    const refuse = new TypeError(
      "Failed to execute 'digest' on 'SubtleCrypto': The ArrayBuffer/ArrayBufferView size exceeds the supported range.",
    );
    vi.spyOn(crypto.subtle, 'digest').mockRejectedValue(refuse);
    // The safe size lowered to 1 MB so that 2 MB stands for Chromium's 2.2 GB.
    expect(await sha256Hex(data, 32, 2 ** 20)).toBe(createHash('sha256').update(data).digest('hex'));
    // Below it a refusal is an error of its own, not hidden.
    await expect(sha256Hex(data.subarray(0, 100), 32, 2 ** 20)).rejects.toBe(refuse);
  });
});
