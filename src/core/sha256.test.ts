import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from './sha256';

describe('sha256Hex', () => {
  it('gives sha256sum’s digest, through WebCrypto', async () => {
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(await sha256Hex(new TextEncoder().encode('abc'), 8)).toBe('ba7816bf8f01cfea');
  });

  it('gives the same digest incrementally past the WebCrypto limit (over several 64 MB slices)', async () => {
    // Chromium's WebCrypto refuses one buffer past 2 GiB; the limit is lowered here to take that path.
    const data = new Uint8Array(130 * 2 ** 20 + 7);
    for (let i = 0; i < data.length; i += 4093) data[i] = i % 251;
    const want = createHash('sha256').update(data).digest('hex');
    expect(await sha256Hex(data, 32, 2 ** 20)).toBe(want);
    expect(await sha256Hex(data)).toBe(want);
    expect(await sha256Hex(data.subarray(0, 100), 32, 10)).toBe(await sha256Hex(data.subarray(0, 100)));
  });
});
